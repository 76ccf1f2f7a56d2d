"""Validation of the playground's messages: every bad field is one line naming it."""

from __future__ import annotations

import base64
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.errors import GlassnetError
from glassnet.playground.messages import (
    DEFAULT_CONFIG,
    LIMITS,
    MESSAGE_TYPES,
    MessageError,
    check_config,
    check_message,
    parse_message,
)


def error_of(msg) -> str:
    with pytest.raises(MessageError) as info:
        parse_message(msg if isinstance(msg, str) else json.dumps(msg))
    text = str(info.value)
    assert "\n" not in text
    return text


def test_defaults_fill_a_partial_config():
    cfg = check_config({"dataset": {"name": "spiral"}})
    assert cfg["dataset"] == {**DEFAULT_CONFIG["dataset"], "name": "spiral"}
    assert cfg["hidden"] == DEFAULT_CONFIG["hidden"] and cfg["grid"] == 64


def test_features_come_back_in_canonical_order():
    assert check_config({"features": ["sin_x2", "x1"]})["features"] == ["x1", "sin_x2"]


@pytest.mark.parametrize(("msg", "expected"), [
    ({"type": "stepp"}, "message.type: must be one of"),
    ({"type": "stepp"}, "Did you mean 'step'?"),
    ({"type": "step", "extra": 1}, "step: unknown key 'extra'"),
    ({"type": "config", "config": {"gird": 32}}, "Did you mean 'grid'?"),
    ({"type": "config", "config": {"grid": 8}}, "config.grid: must be an integer in [16, 128]"),
    ({"type": "config", "config": {"grid": 32.5}}, "config.grid: must be an integer"),
    ({"type": "config", "config": {"grid": True}}, "config.grid: must be an integer; got True"),
    ({"type": "config", "config": {"hidden": [{"units": 65}]}}, "config.hidden[0].units"),
    ({"type": "config", "config": {"hidden": [{"units": 2}] * 11}}, "at most 10 hidden layers"),
    ({"type": "config", "config": {"hidden": [{"units": 2, "activation": "tanhh"}]}},
     "config.hidden[0].activation"),
    ({"type": "config", "config": {"optimizer": {"name": "adam", "lr": 0}}},
     "config.optimizer.lr: must be a number in (0, 10]"),
    ({"type": "config", "config": {"optimizer": {"name": "sgd", "beta1": 0.9}}},
     "config.optimizer: unknown key 'beta1'"),
    ({"type": "config", "config": {"optimizer": {"name": "sgd", "nesterov": 1}}},
     "config.optimizer.nesterov: must be true or false"),
    ({"type": "config", "config": {"dataset": {"noise": 0.6}}}, "config.dataset.noise"),
    ({"type": "config", "config": {"dataset": {"n": 10}}}, "config.dataset.n"),
    ({"type": "config", "config": {"features": []}}, "config.features: must be a non-empty"),
    ({"type": "config", "config": {"features": ["x1", "x1"]}}, "listed twice"),
    ({"type": "config", "config": {"dropout": [{"rate": 0.5}]}},
     "config.dropout: must have one entry per hidden layer (2)"),
    ({"type": "config", "config": {"schedule": {"name": "cosine", "T_max": -1}}},
     "config.schedule.T_max"),
    ({"type": "config", "config": {"batch_size": 0}}, "config.batch_size"),
    ({"type": "config", "config": {"frames_per_second": 61}}, "config.frames_per_second"),
    ({"type": "inspect", "layer": 1}, "inspect: missing key 'unit'"),
    ({"type": "inspect", "layer": 0, "unit": 0}, "inspect.layer"),
    ({"type": "inspect", "layer": 1, "unit": -1}, "inspect.unit"),
    ({"type": "inspect", "layer": 1, "unit": 0, "sample": "3"}, "inspect.sample"),
    ({"type": "walk", "sample": 0}, "walk: missing key 'index'"),
    ({"type": "upload", "csv": 5}, "upload.csv"),
    ({"type": "load_model", "data_base64": "!!!"}, "load_model.data_base64: not valid base64"),
    ([1, 2], "message: must be a JSON object"),
    ({"config": {}}, "message: missing key 'type'"),
])
def test_bad_messages_name_the_field(msg, expected):
    assert expected in error_of(msg)


@pytest.mark.parametrize("text", ['{"type": "config", "config": {"seed": NaN}}',
                                  '{"type": "config", "config": {"l2": Infinity}}',
                                  '{"type": "config", "config": {"l1": -Infinity}}'])
def test_nan_and_inf_are_refused(text):
    assert "not allowed" in error_of(text)


def test_non_finite_python_floats_are_refused():
    with pytest.raises(MessageError, match=r"config\.l2: must be a finite number"):
        check_message({"type": "config", "config": {"l2": math.inf}})


def test_bad_json_and_oversized_messages():
    assert "not valid JSON" in error_of("{not json")
    assert "limit" in error_of(" " * (LIMITS["max_message_bytes"] + 1))
    big = {"type": "upload", "csv": "1,2,0\n" * (LIMITS["max_upload_bytes"] // 6 + 1)}
    assert "larger than" in error_of(big)


def test_good_messages_pass():
    assert parse_message('{"type": "play"}') == {"type": "play"}
    msg = parse_message(json.dumps({"type": "inspect", "layer": 2, "unit": 1}))
    assert msg == {"type": "inspect", "layer": 2, "unit": 1, "sample": None, "weight": None}
    blob = parse_message(json.dumps({"type": "load_model",
                                     "data_base64": base64.b64encode(b"abc").decode()}))
    assert blob["data"] == b"abc"
    cfg = {"optimizer": {"name": "adam", "lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7},
           "schedule": {"name": "step", "step_size": 10, "gamma": 0.5},
           "dropout": [{"rate": 0.1}, {"rate": 0.2, "scaling": "standard"}]}
    out = parse_message(json.dumps({"type": "config", "config": cfg}))["config"]
    assert out["optimizer"]["beta1"] == 0.8 and out["dropout"][1]["scaling"] == "standard"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
config_keys = st.sampled_from([*DEFAULT_CONFIG, "bogus"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from([*MESSAGE_TYPES, "nope"]),
       fields=st.dictionaries(st.sampled_from(["layer", "unit", "sample", "weight", "index",
                                               "csv", "name", "data_base64", "config", "x"]),
                              json_values, max_size=4))
def test_fuzzed_messages_pass_or_raise_one_line(kind, fields):
    """Any JSON object: either a clean message or a one-line MessageError, nothing else."""
    try:
        out = check_message({"type": kind, **fields})
    except MessageError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert out["type"] == kind


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(config_keys, json_values, max_size=5))
def test_fuzzed_configs_pass_or_raise_one_line(cfg):
    try:
        out = check_config(cfg)
    except MessageError as exc:
        assert str(exc).startswith("config") and "\n" not in str(exc)
    else:
        assert set(out) == set(DEFAULT_CONFIG)
        assert LIMITS["min_grid"] <= out["grid"] <= LIMITS["max_grid"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fuzzed_text_never_escapes_as_another_error(text):
    try:
        parse_message(text)
    except GlassnetError as exc:
        assert isinstance(exc, MessageError) and "\n" not in str(exc)
