"""A failed invocation's error as the caller sees it: its original Python class when
the caller has that class, else :class:`~nenc.errors.TaskFailedError`."""

from __future__ import annotations

import builtins
import re
import sys

from nenc.errors import TaskFailedError
from nenc.invocation.info import TaskErrorInfo

_PYTHON_TRACEBACK = "Traceback (most recent call last):"


def remote_exception(invocation_id: str, error: TaskErrorInfo) -> Exception:
    """The exception to raise for a failed invocation.

    A Python task's exception comes back as its own class when the caller already
    imported that class's module (builtins included; nothing is imported for it),
    and that class takes the message alone: an instance of a subclass of both that
    class and TaskFailedError, so ``except ValueError`` and ``except TaskFailedError``
    both catch it; the remote traceback is in its notes and ``remote_stack``. Any
    other failure (another language's error, a class the caller does not have, one
    that cannot be made from its message) is a plain TaskFailedError with the type
    chain, the message and the remote traceback.
    """
    failed = TaskFailedError(invocation_id, error.type, error.message, error.chain, error.stack)
    original = _original_class(error)
    if original is None:
        return failed
    try:
        raised = _with_task_failed(original)(error.message)
    except Exception:  # noqa: BLE001 - a class made from the message alone may refuse it in any way
        return failed
    raised.__dict__.update(failed.__dict__)
    raised.add_note(
        f"raised by a task (invocation {invocation_id}); remote traceback:\n{error.stack.rstrip()}"
    )
    return raised


def _original_class(error: TaskErrorInfo) -> type[Exception] | None:
    """The class the stack's exception line names, if it is a Python one the caller has."""
    if not error.stack.startswith(_PYTHON_TRACEBACK) or not error.type:
        return None
    line = re.compile(rf"^((?:[A-Za-z_]\w*\.)*){re.escape(error.type)}(?::|$)")
    found = [match for text in error.stack.splitlines() if (match := line.match(text))]
    if not found:
        return None
    qualified = found[-1].group(1) + error.type
    candidate = _loaded(qualified)
    if isinstance(candidate, type) and issubclass(candidate, Exception) and candidate.__name__ == error.type:
        return candidate
    return None


def _loaded(qualified: str) -> object | None:
    """``qualified`` looked up in modules already imported (none is imported for it)."""
    parts = qualified.split(".")
    if len(parts) == 1:
        return getattr(builtins, qualified, None)
    for split in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        found: object | None = module
        for attribute in parts[split:]:
            found = getattr(found, attribute, None)
        return found
    return None


_combined: dict[type[Exception], type[Exception]] = {}


def _with_task_failed(original: type[Exception]) -> type[Exception]:
    """``original`` that is also a TaskFailedError (same name and module, for tracebacks)."""
    if original not in _combined:
        # Made as the original class makes itself: TaskFailedError's __init__ is not run.
        init = next(cls.__dict__["__init__"] for cls in original.__mro__ if "__init__" in cls.__dict__)
        try:
            _combined[original] = type(
                original.__name__,
                (original, TaskFailedError),
                {"__module__": original.__module__, "__qualname__": original.__qualname__, "__init__": init},
            )
        except TypeError:  # incompatible layouts (some C classes): the original alone
            _combined[original] = original
    return _combined[original]
