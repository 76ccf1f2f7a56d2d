"""Hostile model files: every crafted or damaged file ends in a one-line CheckpointError that
names the file (or loads), before any large allocation — the regression corpus of the fuzzing
reported in issue 9, plus exhaustive truncation and byte damage of a small model."""

from __future__ import annotations

import io
import json
import resource
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_helpers import one_line_error, run

import glassnet as gn

META = "__glassnet__.npy"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    net = gn.Network([gn.Dense(2, 3, activation="relu"), gn.Dense(3, 1, activation="sigmoid")],
                     seed=0)
    net.fit(X, y, epochs=1, batch_size=8, optimizer="adam", verbose=0)
    path = tmp_path_factory.mktemp("model") / "m.glassnet"
    net.save(path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def metadata(path: Path) -> dict[str, Any]:
    return json.loads(np.load(io.BytesIO(members(path)[META])).tobytes())


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def write(path: Path, content: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in content.items():
            z.writestr(name, data)
    return path


def with_metadata(source: Path, target: Path, meta: dict[str, Any] | str) -> Path:
    text = meta if isinstance(meta, str) else json.dumps(meta)
    content = members(source)
    content[META] = npy(np.frombuffer(text.encode(), dtype=np.uint8))
    return write(target, content)


def refused(path: Path, *words: str, **limits: Any) -> str:
    with pytest.raises(gn.CheckpointError) as info:
        gn.load(path, **limits)
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    for word in words:
        assert word in message, message
    return message


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("where", ["top", "training", "rng"])
def test_deep_metadata_is_refused_without_recursion(model_file, tmp_path, where):
    meta = metadata(model_file)
    text = json.dumps(meta)
    marker = {"top": '{"format"', "training": '"training": {', "rng": '"rng": {'}[where]
    at = text.index(marker) + len(marker) - (len('"format"') if where == "top" else 0)
    deep = text[:at] + f'"deep": {nested(100_000)}, ' + text[at:]
    refused(with_metadata(model_file, tmp_path / "deep.glassnet", deep), "nested more than 64")


def test_a_newline_in_a_member_header_is_a_clean_error(model_file, tmp_path):
    raw = bytearray(model_file.read_bytes())
    raw[74] = ord("\n")  # inside the first member's .npy header (tokenize.TokenError before)
    damaged = tmp_path / "nl.glassnet"
    damaged.write_bytes(bytes(raw))
    refused(damaged, "__glassnet__")


@pytest.mark.parametrize(("key", "value", "words"), [
    ("n_in", 10**12, ["more than 100,000,000 parameters", "max_params"]),
    ("n_out", 10**8, ["more than 100,000,000 parameters"]),
    ("n_in", -3, ["positive integer"]),
    ("n_in", [2], ["positive integer"]),
])
def test_huge_or_wrong_layer_sizes_are_refused_before_building(model_file, tmp_path, key,
                                                               value, words):
    meta = metadata(model_file)
    meta["network"]["layers"][0][key] = value
    refused(with_metadata(model_file, tmp_path / "big.glassnet", meta), *words)


def test_max_params_is_an_override(model_file):
    refused(model_file, "more than 10 parameters", max_params=10)
    assert gn.load(model_file, max_params=13).params.size == 13


def test_a_header_claiming_a_huge_shape_is_refused_before_reading(model_file, tmp_path):
    content = members(model_file)
    fixed = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    fixed["shape"] = (10**12,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, fixed)
    content["params.npy"] = buf.getvalue() + b"\0" * 64
    refused(write(tmp_path / "shape.glassnet", content), "'params.npy'", "declares shape")


def test_zip_bombs_are_refused_or_read_no_further_than_the_header_says(model_file, tmp_path):
    content = members(model_file)
    # a deflated member that inflates to 256 MiB behind a header declaring 4 bytes of data
    bomb = dict(content, **{"params.npy": npy(np.zeros(1, np.float32)) + bytes(256 << 20)})
    path = write(tmp_path / "bomb.glassnet", bomb, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(path, "'params.npy'", "truncated or corrupted")
    refused(path, "'params.npy'", "inflates to", max_array_bytes=1 << 20)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 << 10  # far below the 256 MiB the member inflates to


@pytest.mark.parametrize("state", [-1, 10**40, "x", None, [1, 2]])
def test_bad_rng_state_is_a_clean_error(model_file, tmp_path, state):
    meta = metadata(model_file)
    meta["rng"]["state"]["state"] = state
    refused(with_metadata(model_file, tmp_path / "rng.glassnet", meta), "random generator")


def test_an_array_reference_given_as_a_list_is_a_clean_error(model_file, tmp_path):
    meta = metadata(model_file)
    meta["rng"] = {"__array__": ["params"]}
    refused(with_metadata(model_file, tmp_path / "ref.glassnet", meta), "missing array")


def test_metadata_must_be_one_dimensional_uint8(model_file, tmp_path):
    content = members(model_file)
    text = np.load(io.BytesIO(content[META]))
    content[META] = npy(text.reshape(1, -1))
    refused(write(tmp_path / "2d.glassnet", content), "1-D uint8")
    content[META] = npy(text.astype(np.int16))
    refused(write(tmp_path / "int16.glassnet", content), "1-D uint8")


def test_every_truncation_is_a_clean_error(model_file, tmp_path):
    raw = model_file.read_bytes()
    damaged = tmp_path / "cut.glassnet"
    for end in range(len(raw)):
        damaged.write_bytes(raw[:end])
        refused(damaged)


def test_every_single_byte_damage_loads_or_is_a_clean_error(model_file, tmp_path):
    raw = model_file.read_bytes()
    damaged = tmp_path / "flip.glassnet"
    outcomes = {"loaded": 0, "refused": 0}
    for offset in range(len(raw)):
        for value in (0x0A, 0xFF):
            if raw[offset] == value:
                continue
            mutated = bytearray(raw)
            mutated[offset] = value
            damaged.write_bytes(bytes(mutated))
            try:
                gn.load(damaged)
                outcomes["loaded"] += 1
            except gn.CheckpointError as exc:
                assert "\n" not in str(exc)
                outcomes["refused"] += 1
    # the checksums catch damage to any array; only bytes the zip reader ignores may load
    assert outcomes["refused"] > 0.9 * sum(outcomes.values())


def test_the_cli_gives_one_line_for_a_hostile_file(model_file, tmp_path, capsys):
    meta = metadata(model_file)
    meta["network"]["layers"][0]["n_in"] = 10**12
    path = with_metadata(model_file, tmp_path / "big.glassnet", meta)
    points = tmp_path / "x.csv"
    points.write_text("x1,x2\n0.1,0.2\n")
    code, _, err = run(capsys, "predict", str(path), str(points))
    assert code != 0
    one_line_error(err, "more than 100,000,000 parameters")
