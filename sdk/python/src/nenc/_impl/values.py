"""JSON values in Python and as ``google.protobuf`` Value/Struct messages.

Task arguments, results, event payloads and static filters travel as JSON. A
Python value is checked before it is sent, and the error names the path of the
first part JSON cannot carry (``payload.when: datetime is not JSON``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from google.protobuf.struct_pb2 import NULL_VALUE, ListValue, Struct, Value

JsonValue = Any
"""None, bool, int, float, str, list of JSON values, or dict of str to JSON values."""

# Numbers travel as IEEE doubles: integers beyond this lose digits silently, so they are refused.
MAX_SAFE_INTEGER = 2**53 - 1

#: The deepest JSON nesting the orchestrator accepts by default (a scalar is 0
#: levels, ``{}`` is 1, ``{"a": {}}`` is 2). A worker learns the orchestrator's own
#: limit from its welcome.
MAX_JSON_DEPTH = 64


class ValueNotAcceptedError(TypeError):
    """A value cannot travel: nested deeper than the limit, or larger. Raised before it is sent."""


def to_json(value: object, where: str, *, max_depth: int = 0, max_bytes: int = 0) -> JsonValue:
    """Checks that ``value`` is JSON and returns it with tuples as lists.

    Raises TypeError naming ``where`` and the path of the first offending part;
    ValueNotAcceptedError when it nests deeper than ``max_depth`` (default
    MAX_JSON_DEPTH) or is larger than ``max_bytes`` of JSON (0: not checked here).
    """
    checked = _to_json(value, where, set())
    depth = max_depth or MAX_JSON_DEPTH
    if _exceeds_depth(checked, depth):
        raise ValueNotAcceptedError(
            f"{where} is nested more than {depth} levels deep; the limit is {depth} levels of "
            "JSON nesting (flatten the value or send a reference instead)"
        )
    if max_bytes:
        size = len(json.dumps(checked, separators=(",", ":"), ensure_ascii=False).encode())
        if size > max_bytes:
            raise ValueNotAcceptedError(
                f"{where} is {size} bytes of JSON; the limit is {max_bytes} "
                "(the orchestrator's NENC_MAX_PAYLOAD_BYTES; send a reference instead)"
            )
    return checked


def _exceeds_depth(value: object, max_depth: int) -> bool:
    """True when ``value`` nests more than ``max_depth`` levels; looks no deeper than that."""
    if isinstance(value, Mapping):
        items: Any = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return False
    if max_depth <= 0:
        return True
    return any(_exceeds_depth(item, max_depth - 1) for item in items)


def _to_json(value: object, path: str, seen: set[int]) -> JsonValue:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise TypeError(
                f"{path}: the integer {value} is beyond ±2**53 and JSON numbers would lose its digits; "
                "send it as a string"
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{path}: {value} is not a JSON number")
        return value
    if isinstance(value, (list, tuple, Mapping)):
        if id(value) in seen:
            raise TypeError(f"{path}: contains itself")
        seen.add(id(value))
        try:
            if isinstance(value, Mapping):
                out: dict[str, JsonValue] = {}
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise TypeError(
                            f"{path}: key {key!r} is a {type(key).__name__}; JSON object keys are strings"
                        )
                    out[key] = _to_json(item, f"{path}.{key}", seen)
                return out
            return [_to_json(item, f"{path}[{i}]", seen) for i, item in enumerate(value)]
        finally:
            seen.discard(id(value))
    raise TypeError(
        f"{path}: {type(value).__name__} is not JSON-serialisable; "
        "use None, bool, int, float, str, list or dict"
    )


def to_json_object(value: object, where: str) -> dict[str, JsonValue]:
    """Like :func:`to_json`, and the value must be a dict."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: must be a dict of named values, got {type(value).__name__}")
    checked: dict[str, JsonValue] = to_json(value, where)
    return checked


def to_value(value: object, where: str, *, max_depth: int = 0, max_bytes: int = 0) -> Value:
    """A checked JSON value as a ``google.protobuf.Value`` (limits as in :func:`to_json`)."""
    return _value(to_json(value, where, max_depth=max_depth, max_bytes=max_bytes))


def to_struct(value: object, where: str) -> Struct:
    """A checked dict as a ``google.protobuf.Struct``."""
    struct = Struct()
    for key, item in to_json_object(value, where).items():
        struct.fields[key].CopyFrom(_value(item))
    return struct


def to_object_value(value: object, where: str) -> Value:
    """A checked dict as a ``google.protobuf.Value`` holding a struct (request arguments, payloads)."""
    return Value(struct_value=to_struct(value, where))


def _value(json: JsonValue) -> Value:
    if json is None:
        return Value(null_value=NULL_VALUE)
    if isinstance(json, bool):
        return Value(bool_value=json)
    if isinstance(json, (int, float)):
        return Value(number_value=float(json))
    if isinstance(json, str):
        return Value(string_value=json)
    if isinstance(json, list):
        return Value(list_value=ListValue(values=[_value(item) for item in json]))
    struct = Struct()
    for key, item in json.items():
        struct.fields[key].CopyFrom(_value(item))
    return Value(struct_value=struct)


def from_value(value: Value | None) -> JsonValue:
    """A ``google.protobuf.Value`` as Python; an unset value is None.

    JSON has one number type: integral numbers come back as ``int`` (so the
    arguments of ``divide(10, 0)`` read ``x=10``), others as ``float``.
    """
    if value is None:
        return None
    kind = value.WhichOneof("kind")
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER:
            return int(number)
        return number
    if kind == "string_value":
        return value.string_value
    if kind == "list_value":
        return [from_value(item) for item in value.list_value.values]
    if kind == "struct_value":
        return from_struct(value.struct_value)
    return None


def from_struct(struct: Struct | None) -> dict[str, JsonValue]:
    """A ``google.protobuf.Struct`` as a dict; an unset struct is ``{}``.

    Protobuf maps do not keep key order, so keys come back sorted: the same object
    always reads (and prints) the same, whichever way it travelled.
    """
    if struct is None:
        return {}
    return {key: from_value(struct.fields[key]) for key in sorted(struct.fields)}
