"""Numbers as the task's annotations declare them.

The wire carries JSON numbers without their kind, and the orchestrator (JavaScript)
knows one number type: a float with an integral value, ``2.0``, arrives as ``2``
and is read as an int. Where a task says which it wants (``amount: float``,
``-> float``, ``list[float]``, ``float | None``), an int is made a float again; an
int stays an int, and a float with a fraction is a float anyway.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any


def coerce(annotation: Any, value: Any) -> Any:
    """``value`` with ints made floats wherever ``annotation`` asks for a float."""
    if annotation is float:
        return float(value) if type(value) is int else value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        # float | None, Optional[float]: a float unless int is one of the choices too.
        return coerce(float, value) if float in args and int not in args else value
    if origin in (list, tuple, set, frozenset) and isinstance(value, list) and args:
        item = args[0]
        return [coerce(item, element) for element in value]
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return {key: coerce(args[1], element) for key, element in value.items()}
    return value


def type_hints(fn: Callable[..., Any]) -> Mapping[str, Any]:
    """The function's resolved annotations; none when they cannot be resolved."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - a forward reference that does not resolve: no coercion
        return {}
