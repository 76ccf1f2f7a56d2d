"""Read the ``.npz`` archive of a model file with every size checked before it is allocated.

A model file is a zip archive of ``.npy`` members. ``numpy.load`` trusts what a member says
about itself: a header claiming shape ``(10**12,)`` allocates 8 TB, a member that inflates
from a few bytes to gigabytes fills memory, and a malformed header raises whatever the
literal parser raises. This reader parses each header itself (NumPy's header functions,
bounded in size), checks the declared dtype and shape and the member's inflated size against
:class:`ArchiveLimits`, then reads exactly the bytes the header promises — never more — and
turns any failure into a one-line :class:`~glassnet.errors.CheckpointError` that names the
file and the member.

The defaults sit far above any model glassnet trains on a CPU (a 784-512-512-10 MLP has
670 k parameters, 2.7 MB); pass larger limits to ``glassnet.load`` for a real large model.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassnet.errors import CheckpointError

__all__ = ["DEFAULT_LIMITS", "ArchiveLimits", "check_json_depth", "read_npz"]


@dataclass(frozen=True)
class ArchiveLimits:
    """Upper bounds enforced while reading a model file, before anything is allocated.

    ``max_params``: parameters of the network (sum of n_in·n_out + n_out over its layers);
    ``max_array_bytes``: inflated size of one array; ``max_total_bytes``: all arrays together;
    ``max_members``: entries of the archive; ``max_metadata_depth``: nesting of the metadata.
    """

    max_params: int = 100_000_000
    max_array_bytes: int = 1 << 30
    max_total_bytes: int = 4 << 30
    max_members: int = 10_000
    max_metadata_depth: int = 64


DEFAULT_LIMITS = ArchiveLimits()
_HEADER_BYTES = 10_000  # a .npy header of glassnet's arrays is ~128 bytes
_SIMPLE_KINDS = "fiub"  # float, signed and unsigned integer, bool: no objects, no pickles
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no detail"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def read_npz(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of the archive at ``path`` as an array keyed by its name (no
    ``.npy`` suffix). Raises CheckpointError for anything but plain numeric arrays within
    ``limits``."""
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # BadZipFile, OSError, NotImplementedError, struct.error, ...
        raise CheckpointError(f"{path}: the model file is truncated or corrupted "
                              f"(not a readable zip archive: {type(exc).__name__}: "
                              f"{_first_line(exc)}).") from None
    arrays: dict[str, np.ndarray] = {}
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise CheckpointError(f"{path}: the archive has {len(infos):,} entries, above the "
                                  f"limit of {limits.max_members:,}.")
        total = 0
        for info in infos:
            name = info.filename
            if not name.endswith(".npy"):
                raise CheckpointError(f"{path}: entry {name!r} is not a .npy array; not a "
                                      "glassnet model file.")
            if info.file_size > limits.max_array_bytes + _HEADER_BYTES:
                raise CheckpointError(
                    f"{path}: entry {name!r} inflates to {_mib(info.file_size)}, above the "
                    f"limit of {_mib(limits.max_array_bytes)} per array (pass a larger "
                    "max_array_bytes to glassnet.load for a real large model).")
            array = _read_member(path, archive, info, limits)
            total += array.nbytes
            if total > limits.max_total_bytes:
                raise CheckpointError(f"{path}: the arrays hold more than the limit of "
                                      f"{_mib(limits.max_total_bytes)} in total.")
            arrays[name[: -len(".npy")]] = array
    return arrays


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                 limits: ArchiveLimits) -> np.ndarray:
    name = info.filename
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(f, max_header_size=_HEADER_BYTES)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(f, max_header_size=_HEADER_BYTES)
            else:
                raise ValueError(f".npy format version {version} is not supported")
            shape, fortran_order, dtype = header
            if dtype.hasobject:
                raise CheckpointError(
                    f"{path}: entry {name!r} holds pickled Python objects; glassnet never "
                    "loads pickles (they can run code). Refusing the file.")
            if dtype.kind not in _SIMPLE_KINDS or dtype.fields is not None:
                raise CheckpointError(f"{path}: entry {name!r} has unsupported dtype {dtype} "
                                      "(glassnet stores only plain numbers).")
            count = math.prod(shape)
            nbytes = count * dtype.itemsize
            if nbytes > limits.max_array_bytes:
                raise CheckpointError(
                    f"{path}: entry {name!r} declares shape {shape} ({_mib(nbytes)}), above the "
                    f"limit of {_mib(limits.max_array_bytes)} per array.")
            data = f.read(nbytes + 1)  # one byte more: trailing data is corruption too
    except CheckpointError:
        raise
    except Exception as exc:  # zlib, zipfile or the header parser may raise anything
        raise CheckpointError(f"{path}: entry {name!r} is truncated or corrupted "
                              f"({type(exc).__name__}: {_first_line(exc)}).") from None
    if len(data) != nbytes:
        raise CheckpointError(f"{path}: entry {name!r} is truncated or corrupted (its header "
                              f"declares {nbytes:,} bytes of data, it holds {len(data):,}).")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran_order else "C").copy()


def check_json_depth(path: Path, text: bytes, max_depth: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` before the recursive parser sees it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', text)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise CheckpointError(f"{path}: the metadata is nested more than {max_depth} levels "
                                  "deep; not a glassnet model file.")
