"""Reading JSON that other programs send: one strict reader for every `/api/v1` body and
for the sealed plaintext of entries.

Python's `json.loads` takes things no retry can ever make valid, and some of them only
fail later, as a server fault: nesting deep enough to raise RecursionError, `NaN` and
`Infinity` (not JSON at all), numbers too large to be finite (`1e400` becomes infinity),
lone surrogates (`"\\ud800"`: a string no database stores and no encoder writes back) and
duplicate keys (two readers may keep different ones). Here each of them is a
`JSONInputError`, a `Rejection` with a stable code, so callers answer 400 or `rejected`
and never ask the sender to try again.
"""

from __future__ import annotations

import json
import math

from server.core.rejection import Rejection

# Deeper than any body or entry of the contract (an entry is about four levels deep), and
# far below Python's recursion limit, so nothing downstream recurses that deep either.
MAX_DEPTH = 32


class JSONInputError(Rejection):
    """The bytes are not JSON this server accepts; sending them again cannot help."""


def _refuse_constant(name: str) -> object:
    raise JSONInputError("invalid_json", f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError("invalid_json", "A number is too large.")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise JSONInputError("invalid_json", "An object repeats a key.")
        result[key] = value
    return result


def _check_shape(value: object) -> None:
    """Depth and text, walked without recursion (the value may be as deep as json allows)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise JSONInputError("invalid_json", "A string holds a lone surrogate.") from error
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise JSONInputError("too_deep", f"Nested deeper than {MAX_DEPTH} levels.")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)


def read_json(data: bytes | str) -> object:
    """The value of a JSON document, or JSONInputError (never RecursionError or a value
    that breaks later)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except JSONInputError:
        raise
    except RecursionError as error:
        raise JSONInputError("too_deep", f"Nested deeper than {MAX_DEPTH} levels.") from error
    except (ValueError, UnicodeDecodeError) as error:
        # ValueError covers malformed JSON and integers of more than 4300 digits.
        raise JSONInputError("invalid_json", "Not UTF-8 JSON.") from error
    _check_shape(value)
    return value
