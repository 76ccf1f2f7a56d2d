"""Model files: one ``.npz`` archive of plain arrays plus a JSON metadata entry. No pickle.

Layout (format version 1)::

    __glassnet__            uint8: UTF-8 JSON metadata (see below)
    params                  the flat parameter array (the network's dtype)
    optimizer/<field>       optimizer state arrays (m, v, ...)
    history/steps/lr, ...   per-update learning rates and losses (float64)
    epoch_state/perm        sample order of an unfinished epoch
    callbacks/..., info/... arrays kept by callbacks (best weights) and with the data
                            (standardization mean/std)

The metadata holds the format name and version, the glassnet version, the architecture
(``Network.config()``), dtype, parameter layout, conventions, the generator state of
``net.rng``, and the training run (loss, optimizer config and step count, regularization,
schedule, task, metrics, batch size, epoch/step counters, history, callback states, data
facts), plus the dtype, shape and SHA-256 of every array.

Writing is atomic: a temporary file in the same directory, flushed and fsync'ed, then
``os.replace``d over the target — an interrupted save never destroys the previous file.
Loading reads with ``allow_pickle=False`` and validates every entry and field before it
builds anything; a missing, truncated, corrupted, foreign or pickle-bearing file raises
:class:`~glassnet.errors.CheckpointError` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import CheckpointError, GlassnetError
from glassnet.train.archive import DEFAULT_LIMITS, ArchiveLimits, check_json_depth, read_npz

FORMAT = "glassnet-model"
FORMAT_VERSION = 1
META = "__glassnet__"
CONVENTIONS = {
    "weights": "W has shape (n_out, n_in); W[j, k] connects unit k of layer l-1 to unit j of "
               "layer l; z = a_prev @ W.T + b; parameters are named W1, b1, W2, ... (1-based)",
    "params": "one flat array; each W, b is params[start:stop].reshape(shape) per 'layout'",
    "dropout": "rate = probability of dropping; scaling 'inverted' (train a*m/p) or "
               "'standard' (eval p*a), p = 1 - rate",
    "loss": "reduction over samples per the loss config; squared error and BCE summed over "
            "output units",
}

# ---------------------------------------------------------------------- JSON + arrays
def split_arrays(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """Replace every array inside ``obj`` by ``{"__array__": name}``, storing it in ``arrays``."""
    if isinstance(obj, np.ndarray):
        arrays[prefix] = np.ascontiguousarray(obj)
        return {"__array__": prefix}
    if isinstance(obj, dict):
        return {str(k): split_arrays(v, f"{prefix}/{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [split_arrays(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise CheckpointError(f"save: cannot store a {type(obj).__name__} at {prefix!r} "
                          "(only numbers, strings, lists, dicts and NumPy arrays).")


def join_arrays(obj: Any, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    """Inverse of :func:`split_arrays`."""
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            name = obj["__array__"]
            if not isinstance(name, str) or name not in arrays:
                raise CheckpointError(f"the metadata refers to a missing array {name!r}")
            used.add(name)
            return arrays[name]
        return {k: join_arrays(v, arrays, used) for k, v in obj.items()}
    if isinstance(obj, list):
        return [join_arrays(v, arrays, used) for v in obj]
    return obj


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


# ---------------------------------------------------------------------- save
def save(net: Any, path: str | os.PathLike[str], *, include_training: bool = True) -> Path:
    """Write ``net`` (and its training run, if any) to ``path`` atomically; returns the path."""
    from glassnet import __version__
    from glassnet.train.codec import encode_run

    path = Path(path)
    arrays: dict[str, np.ndarray] = {"params": net.params}
    run = getattr(net, "training_state", None)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "network": net.config(),
        "dtype": net.dtype.name,
        "n_params": int(net.params.size),
        "layout": [[s.name, list(s.shape), s.start, s.stop] for s in net.layout],
        "conventions": CONVENTIONS,
        "rng": split_arrays(net.rng.bit_generator.state, "rng", arrays),
        "training": encode_run(run, arrays) if include_training and run is not None else None,
    }
    meta["arrays"] = {k: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _digest(a)}
                      for k, a in arrays.items()}
    blob = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    _atomic_savez(path, {META: blob, **arrays})
    return path


def _atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    where = path.parent if str(path.parent) else Path(".")
    if not where.is_dir():
        raise CheckpointError(f"{path}: cannot save: directory {where} does not exist.")
    _remove_orphans(where, path.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=where)
    try:
        os.fchmod(fd, _file_mode(path))  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise CheckpointError(f"{path}: could not write the model file ({exc}); the "
                                  "previous file, if any, is unchanged.") from exc
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(where, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _remove_orphans(where: Path, name: str) -> None:
    """Delete temporary files of ``name`` left by a process killed while saving (the pid in
    the name is no longer running); a live writer's file is left alone."""
    for tmp in where.glob(f".{name}.*.tmp"):
        pid = tmp.name[len(name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still run (a live writer's temporary file is kept)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ---------------------------------------------------------------------- load
def read_model_file(
    path: str | os.PathLike[str], limits: ArchiveLimits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(metadata, arrays)`` of a model file, with every array checked against the metadata
    and every size against ``limits`` before it is read."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file.")
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":
        kind = ("an empty file" if not head else "a Python pickle, which glassnet never loads"
                if head[:1] == b"\x80" else "not an .npz archive")
        raise CheckpointError(f"{path}: not a glassnet model file ({kind}).")
    arrays = read_npz(path, limits)
    if META not in arrays:
        names = list(arrays)
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        raise CheckpointError(f"{path}: not a glassnet model file (an .npz archive "
                              f"without glassnet metadata; it holds {shown or 'nothing'}).")
    blob = arrays.pop(META)
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise CheckpointError(f"{path}: corrupted metadata (entry {META!r} must be a 1-D uint8 "
                              f"array of JSON text, not {blob.dtype} of shape {blob.shape}).")
    text = blob.tobytes()
    check_json_depth(path, text, limits.max_metadata_depth)
    try:
        meta = json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{path}: corrupted metadata ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a glassnet model file (format "
                              f"{meta.get('format') if isinstance(meta, dict) else None!r}).")
    version = meta.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{path}: model file format version {version!r} is not supported "
                              f"(this glassnet reads 1..{FORMAT_VERSION}); upgrade glassnet.")
    _check_arrays(path, meta.get("arrays"), arrays)
    return meta, arrays


def _check_arrays(path: Path, listed: Any, arrays: dict[str, np.ndarray]) -> None:
    if not isinstance(listed, dict):
        raise CheckpointError(f"{path}: corrupted metadata ('arrays' must be a mapping of entry "
                              f"names; got {type(listed).__name__}).")
    if set(listed) != set(arrays):
        extra = sorted(set(arrays) - set(listed))
        missing = sorted(set(listed) - set(arrays))
        raise CheckpointError(f"{path}: the archive's entries do not match its metadata "
                              f"(unexpected: {extra or 'none'}, missing: {missing or 'none'}).")
    for name, a in arrays.items():
        spec = listed[name]
        if not isinstance(spec, dict) or a.dtype.str != spec.get("dtype") \
                or list(a.shape) != spec.get("shape") or _digest(a) != spec.get("sha256"):
            raise CheckpointError(f"{path}: entry {name!r} is corrupted (its dtype, shape or "
                                  "checksum differs from the metadata).")
        if a.dtype.kind not in "fiub":
            raise CheckpointError(f"{path}: entry {name!r} has unsupported dtype {a.dtype}.")


def load(
    path: str | os.PathLike[str],
    *,
    max_params: int = DEFAULT_LIMITS.max_params,
    max_array_bytes: int = DEFAULT_LIMITS.max_array_bytes,
) -> Any:
    """Read a model file and return a new Network with its parameters, generator state and
    training run (``net.training_state``: optimizer state, counters, history), so that
    ``net.fit(...)`` continues exactly where the saved run stopped.

    Sizes are checked before anything is allocated: at most ``max_params`` parameters
    (default 10^8) and ``max_array_bytes`` per stored array (default 1 GiB); raise them for a
    real large model."""
    from glassnet.network import Network
    from glassnet.train.codec import decode_rng, decode_run

    path = Path(path)
    limits = ArchiveLimits(max_params=max_params, max_array_bytes=max_array_bytes,
                           max_total_bytes=max(DEFAULT_LIMITS.max_total_bytes,
                                               4 * max_array_bytes))
    meta, arrays = read_model_file(path, limits)
    params = arrays.get("params")
    _check_declared_size(path, meta.get("network"), params, max_params)
    try:
        net = Network.from_config(meta["network"])
    except (GlassnetError, KeyError, TypeError, ValueError, OverflowError, AttributeError,
            IndexError) as exc:
        raise CheckpointError(f"{path}: invalid architecture in the model file ({exc}).") from None
    layout = [[s.name, list(s.shape), s.start, s.stop] for s in net.layout]
    if meta.get("dtype") != net.dtype.name or meta.get("layout") != layout:
        raise CheckpointError(f"{path}: the parameter layout or dtype does not match the "
                              "architecture.")
    if params is None or params.shape != net.params.shape or params.dtype != net.dtype:
        raise CheckpointError(f"{path}: 'params' must be {net.dtype.name} of shape "
                              f"{net.params.shape}.")
    if not np.all(np.isfinite(params)):
        raise CheckpointError(f"{path}: the parameters contain NaN or inf.")
    used = {"params"}
    try:
        rng = decode_rng(path, join_arrays(meta.get("rng"), arrays, used))
        run = None
        if meta.get("training") is not None:
            run = decode_run(path, net, join_arrays(meta["training"], arrays, used))
    except CheckpointError as exc:
        message = str(exc)
        raise CheckpointError(message if message.startswith(str(path))
                              else f"{path}: {message}.") from None
    except (GlassnetError, KeyError, TypeError, ValueError, OverflowError, AttributeError,
            IndexError) as exc:
        raise CheckpointError(f"{path}: invalid training record in the model file "
                              f"({type(exc).__name__}: {exc}).") from None
    unused = sorted(set(arrays) - used)
    if unused:
        raise CheckpointError(f"{path}: unexpected entries {unused}.")
    # everything is valid: only now fill the network
    net.params[...] = params
    net.rng = rng
    net.training_state = run
    return net


def _check_declared_size(path: Path, network: Any, params: Any, max_params: int) -> None:
    """The architecture's parameter count, from its layer sizes, within ``max_params`` and
    equal to the stored array's — checked before the network (and its buffers) is built."""
    layers = network.get("layers") if isinstance(network, dict) else None
    if not isinstance(layers, list) or not layers:
        raise CheckpointError(f"{path}: invalid architecture in the model file (no layer list).")
    if network.get("dtype") not in ("float32", "float64"):
        raise CheckpointError(f"{path}: invalid architecture in the model file (dtype "
                              f"{network.get('dtype')!r}; expected 'float32' or 'float64').")
    total = 0
    for index, layer in enumerate(layers, start=1):
        sizes = [layer.get(key) if isinstance(layer, dict) else None for key in ("n_in", "n_out")]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise CheckpointError(f"{path}: layer {index} of the model file needs positive "
                                  f"integer n_in and n_out (got {sizes}).")
        n_in, n_out = sizes
        total += n_in * n_out + n_out
        if total > max_params:
            raise CheckpointError(
                f"{path}: the architecture declares more than {max_params:,} parameters "
                f"(layer {index}: {n_in:,} -> {n_out:,}); pass a larger max_params to "
                "glassnet.load for a real large model.")
    stored = params.size if isinstance(params, np.ndarray) else None
    if stored is not None and stored > total:
        raise CheckpointError(f"{path}: 'params' holds {stored:,} values, the architecture "
                              f"declares at most {total:,}.")
