"""CEL expressions: filters and argument providers the orchestrator evaluates itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cel:
    """A CEL expression; build it with :func:`cel`."""

    expression: str


def cel(expression: str) -> Cel:
    """Marks a string as a CEL expression for a filter, an argument provider or a correlation key.

    Its variables are the context's fields in camelCase, as on the wire:
    ``arguments``, ``result``, ``status``, ``exceptionType``, ``exceptionMessage``,
    ``payload``, ``eventCode``, ... It runs in the orchestrator, so it works from
    any language; invalid CEL is refused when the trigger is registered.

    Example::

        TriggerBuilder().on_status(process_order, call_arguments=cel("arguments.amount > 1000"))
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("cel(expression): the expression must be a non-empty string")
    return Cel(expression)
