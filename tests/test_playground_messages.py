"""Validation of the playground's client messages: every bad input is one MessageError line."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.errors import GlassnetError
from glassnet.playground.messages import (
    DEFAULT_CONFIG,
    LIMITS,
    MESSAGE_KEYS,
    MessageError,
    parse_config,
    parse_message,
)

FULL = {
    "dataset": {"name": "spiral", "noise": 0.1, "train_ratio": 0.6, "seed": 3, "n": 300},
    "features": ["x2", "x1", "sin_x1"],
    "hidden": [{"units": 8, "activation": "relu"}, {"units": 3, "activation": "tanh"}],
    "optimizer": {"name": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7},
    "schedule": {"name": "step", "step_size": 10, "gamma": 0.5},
    "batch_size": 16, "l1": 0.0, "l2": 0.001,
    "dropout": [{"rate": 0.2, "scaling": "inverted"}, {"rate": 0.0, "scaling": "standard"}],
    "seed": 7, "grid": 32, "frames_per_second": 30,
}


def error_of(message) -> str:
    with pytest.raises(MessageError) as info:
        parse_message(message)
    text = str(info.value)
    assert "\n" not in text
    assert isinstance(info.value, GlassnetError)
    return text


def test_a_full_config_is_kept_and_features_are_put_in_canonical_order():
    msg = parse_message(json.dumps({"type": "config", "config": FULL}))
    cfg = msg["config"]
    assert cfg["features"] == ["x1", "x2", "sin_x1"]
    assert cfg["hidden"] == FULL["hidden"]
    assert cfg["optimizer"]["beta2"] == 0.99
    assert cfg["schedule"] == {"name": "step", "step_size": 10, "gamma": 0.5}
    assert cfg["dropout"][0] == {"rate": 0.2, "scaling": "inverted"}


def test_missing_keys_take_the_defaults():
    assert parse_config({}) == DEFAULT_CONFIG
    assert parse_config({"dataset": {"name": "xor"}})["dataset"]["n"] == 500


def test_every_simple_message_type_parses():
    for kind, keys in MESSAGE_KEYS.items():
        if not keys:
            assert parse_message({"type": kind}) == {"type": kind}
    assert parse_message({"type": "inspect", "layer": 2, "unit": 0, "sample": None}) == {
        "type": "inspect", "layer": 2, "unit": 0, "sample": None, "weight": None}
    assert parse_message({"type": "walk", "sample": 3, "index": 4.0})["index"] == 4


@pytest.mark.parametrize(("message", "expected"), [
    ('{"type": "confg"}', "Did you mean 'config'?"),
    ({"type": "play", "speed": 2}, "play.speed: unknown key"),
    ({"type": "config", "config": {"optimzer": {}}}, "Did you mean 'optimizer'?"),
    ({"type": "config", "config": {"batch_size": float("nan")}}, "config.batch_size"),
    ('{"type": "config", "config": {"l2": NaN}}', "config.l2: must be a finite number"),
    ('{"type": "config", "config": {"l2": Infinity}}', "config.l2: must be a finite number"),
    ({"type": "config", "config": {"hidden": [{"units": 65}]}}, "config.hidden[0].units"),
    ({"type": "config", "config": {"hidden": [{"units": True}]}}, "config.hidden[0].units"),
    ({"type": "config", "config": {"hidden": [{"units": 2, "activation": "rleu"}]}},
     "Did you mean 'relu'?"),
    ({"type": "config", "config": {"hidden": [{"units": 1}] * 11}}, "the limit is 10"),
    ({"type": "config", "config": {"features": []}}, "config.features: must be a non-empty"),
    ({"type": "config", "config": {"features": ["x1", "x1"]}}, "listed twice"),
    ({"type": "config", "config": {"optimizer": {"lr": 0}}}, "config.optimizer.lr: must be > 0"),
    ({"type": "config", "config": {"optimizer": {"lr": "0.1"}}}, "must be a number"),
    ({"type": "config", "config": {"optimizer": {"name": "sgd", "nesterov": True}}},
     "needs momentum > 0"),
    ({"type": "config", "config": {"dataset": {"noise": 0.6}}}, "config.dataset.noise"),
    ({"type": "config", "config": {"dataset": {"n": 10}}}, "integer in 20..2000"),
    ({"type": "config", "config": {"grid": 256}}, "config.grid"),
    ({"type": "config", "config": {"dropout": [{"rate": 0.5}]}}, "give one per hidden layer"),
    ({"type": "config", "config": {"schedule": {"name": "cosin"}}}, "Did you mean 'cosine'?"),
    ({"type": "inspect", "layer": 1}, "missing key 'unit'"),
    ({"type": "inspect", "layer": 1, "unit": -1}, "inspect.unit"),
    ({"type": "inspect", "layer": 1, "unit": 0.5}, "inspect.unit"),
    ({"type": "upload", "csv": 5}, "upload.csv: must be text"),
    ("not json", "message: is not valid JSON"),
    ("[1, 2]", "message: must be an object"),
    ({"config": {}}, "missing key 'type'"),
])
def test_bad_messages_name_the_field(message, expected):
    assert expected in error_of(message)


def test_the_error_knows_the_request_type():
    with pytest.raises(MessageError) as info:
        parse_message({"type": "config", "config": {"grid": "big"}})
    assert info.value.request == "config"


def test_size_limits_are_checked_before_parsing():
    huge = " " * (LIMITS["max_message_chars"] + 1)
    assert "the limit is" in error_of(huge)
    deep = "[" * 100_000 + "]" * 100_000
    assert "message" in error_of(deep)
    big_csv = {"type": "upload", "csv": "1,2,0\n" * (LIMITS["max_upload_bytes"] // 6 + 1)}
    assert "upload.csv" in error_of(big_csv)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from([*MESSAGE_KEYS, "nonsense"]),
       body=st.dictionaries(st.sampled_from(["config", "layer", "unit", "sample", "weight",
                                             "index", "csv", "name", "data_base64", "x"]),
                            json_values, max_size=4))
def test_fuzzed_messages_raise_only_message_errors(kind, body):
    try:
        out = parse_message({"type": kind, **body})
    except MessageError as exc:
        assert "\n" not in str(exc)
    else:
        assert out["type"] == kind


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))
    yield prefix


@settings(max_examples=300, deadline=None)
@given(data=st.data(), junk=json_values)
def test_a_mutated_valid_config_is_valid_or_a_message_error(data, junk):
    cfg = json.loads(json.dumps(FULL))
    paths = [p for p in _paths(cfg) if p]
    path = data.draw(st.sampled_from(paths))
    target = cfg
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk
    try:
        out = parse_config(cfg)
    except MessageError as exc:
        assert "\n" not in str(exc)
        assert str(exc).startswith("config")
    else:
        assert set(out) == set(DEFAULT_CONFIG)
