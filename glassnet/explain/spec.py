"""Reading exercise files: YAML/JSON sources and checks that name the path inside the file.

Paths count list entries from 0, as YAML/JSON tools do (``network.layers[1].weights`` is the
second layer); messages add the layer number a person uses where it helps.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from glassnet.errors import ExerciseError, GlassnetError
from glassnet.explain import limits

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def fail(path: str, message: str) -> NoReturn:
    """Raise the ExerciseError ``"<path>: <message>"``."""
    raise ExerciseError(f"{path}: {message}" if path else message)


def relay(path: str, exc: GlassnetError) -> NoReturn:
    """Re-raise an engine error about a value from the file, prefixed with its path."""
    raise ExerciseError(f"{path}: {exc}") from None


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 entry``, ``2 entries``, ``1 step``, ``3 steps`` (``many``: an irregular plural)."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        consonant_y = word.endswith("y") and word[-2:-1] not in "aeiou"
        many = word[:-1] + "ies" if consonant_y else word + "s"
    return f"{n} {many}"


def shown(key: Any) -> str:
    """A key for a message: as written if printable and short, else quoted and cut."""
    text = str(key) if not isinstance(key, int) or key.bit_length() <= 64 else describe(key)
    text = text if text.isprintable() else repr(text)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(value: Any) -> str:
    """A short description of a value for messages (``a list of 3 entries``, ``'abc'``)."""
    if isinstance(value, Mapping):
        if not value:
            return "an empty mapping"
        return f"a mapping with keys {', '.join(map(shown, value))}"
    if isinstance(value, (list, tuple)):
        return f"a list of {plural(len(value), 'entry')}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------- loading
class _Loader:
    """A YAML SafeLoader that rejects duplicate keys (PyYAML keeps the last one silently)."""

    @staticmethod
    def make() -> type:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # C parser: 4x faster
            pass

        def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict:
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    mark = key_node.start_mark
                    raise ExerciseError(
                        f"line {mark.line + 1}: a key must be a name or a number; got "
                        f"{describe(key)}."
                    )
                if key in seen:
                    mark = key_node.start_mark
                    raise ExerciseError(
                        f"line {mark.line + 1}: key {key!r} appears twice in the same mapping."
                    )
                seen[key] = True
            return loader.construct_mapping(node, deep=deep)

        Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
        return Loader


def parse_text(text: str, origin: str, loader: type | None = None) -> Any:
    """Parse YAML (which includes JSON) text; errors are one line naming the line."""
    import yaml

    check_size(origin, text)
    try:
        data = yaml.load(text, Loader=loader or _Loader.make())
    except ExerciseError as exc:
        raise ExerciseError(f"{origin}: {exc}") from None
    except RecursionError:
        limits.raise_depth(origin)
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        raise ExerciseError(f"{origin}: not valid YAML: {str(exc).splitlines()[0]}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ExerciseError(f"{origin}: not valid YAML{where}: {problem}.") from None
    limits.check_depth(origin, data)
    return data


def check_size(origin: str, text: str) -> None:
    if len(text) > limits.MAX_TEXT_BYTES:
        raise ExerciseError(f"{origin}: the file holds {len(text):,} characters, above the "
                            f"limit of {limits.MAX_TEXT_BYTES:,}.")


def read_source(source: Any, what: str = "exercise") -> tuple[dict, str]:
    """``(mapping, origin)`` from a path, YAML/JSON text, or a mapping.

    A string without a newline that names an existing file (or ends in .yaml/.yml/.json)
    is a path; any other string is parsed as YAML/JSON text.
    """
    if isinstance(source, Mapping):
        limits.check_depth(f"<{what} dict>", dict(source))
        return dict(source), f"<{what} dict>"
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        looks_like_path = "\n" not in text and (
            isinstance(source, os.PathLike)
            or os.path.exists(text)
            or text.lower().endswith((".yaml", ".yml", ".json"))
        )
        if looks_like_path:
            path = Path(text)
            try:
                content = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ExerciseError(f"{text}: no such file.") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ExerciseError(f"{text}: cannot read the file ({exc}).") from None
            if path.suffix.lower() == ".json":
                check_size(text, content)
                try:
                    data = json.loads(content)
                    limits.check_depth(text, data)
                except RecursionError:
                    limits.raise_depth(text)
                except json.JSONDecodeError as exc:
                    raise ExerciseError(
                        f"{text}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}."
                    ) from None
            else:
                data = parse_text(content, text)
            origin = text
        else:
            origin = f"<{what} text>"
            data = parse_text(text, origin)
        if not isinstance(data, Mapping):
            raise ExerciseError(
                f"{origin}: the {what} must be a mapping of keys (title, network, data, ...); "
                f"got {describe(data)}."
            )
        return dict(data), origin
    raise ExerciseError(
        f"{what}: expected a file path, YAML/JSON text or a dict; got {type(source).__name__}."
    )


# ---------------------------------------------------------------------------- checks
def mapping(path: str, value: Any) -> dict:
    if not isinstance(value, Mapping):
        fail(path, f"expected a mapping; got {describe(value)}.")
    return dict(value)


def check_keys(path: str, value: Mapping, allowed: Iterable[str], required: Iterable[str] = ()):
    allowed = list(allowed)
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key)[:100], allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            where = f"{path}." if path else ""
            fail(
                f"{where}{shown(key)}",
                f"unknown key; expected one of {', '.join(allowed)}.{hint}",
            )
    for key in required:
        if key not in value:
            fail(path or "exercise", f"missing key {key!r}.")


def as_number(path: str, value: Any) -> float:
    """A finite number; strings like ``1e-3`` (YAML 1.1 reads them as text) are accepted."""
    if isinstance(value, bool):
        fail(path, f"expected a number; got {value!r}.")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            fail(path, f"expected a number; got {value!r}.")
    if not isinstance(value, (int, float)):
        fail(path, f"expected a number; got {describe(value)}.")
    if isinstance(value, int) and abs(value) > 1e300:
        fail(path, f"{describe(value)} is too large for a number.")
    if not math.isfinite(value):
        fail(path, f"expected a finite number; got {value!r}.")
    return float(value)


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def as_int(path: str, value: Any, low: int = 0, high: int = limits.MAX_INTEGER) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        fail(path, f"expected an integer ≥ {low}; got {describe(value)}.")
    if value > high:
        fail(path, f"{describe(value)} is above the limit of {high:,}.")
    return int(value)


def as_list(path: str, value: Any) -> list:
    if not isinstance(value, (list, tuple)):
        fail(path, f"expected a list; got {describe(value)}.")
    return list(value)


def as_name(path: str, value: Any) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        fail(
            path,
            f"invalid name {value!r}: a name starts with a letter and contains ASCII letters, "
            "digits and _ (for example w1, b_out, h, theta2).",
        )
    return value


def spec_with_name(path: str, value: Any) -> tuple[str, dict]:
    """``"relu"`` or ``{name: leaky_relu, slope: 0.1}`` → (name, options)."""
    if isinstance(value, str):
        return value, {}
    spec = mapping(path, value)
    if "name" not in spec:
        fail(path, "missing key 'name'.")
    name = spec.pop("name")
    if not isinstance(name, str):
        fail(f"{path}.name", f"expected a name; got {describe(name)}.")
    for key in spec:
        if not isinstance(key, str):
            fail(f"{path}.{shown(key)}", "an option's name must be text.")
    return name, spec
