"""The errors of the SDK.

Everything the orchestrator answers with a gRPC error becomes a :class:`NencError`
subclass named after the code; a task that failed surfaces as
:class:`TaskFailedError` carrying the remote exception's type, message and chain.

Mistakes in a declaration (a lambda as a filter, an unknown status, a value JSON
cannot carry) are raised where they are made, as ``TypeError`` or ``ValueError``
whose message names the argument and the fix.
"""

from __future__ import annotations


class NencError(Exception):
    """An error answered by the orchestrator; ``code`` is the gRPC status name."""

    code: str = "UNKNOWN"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidArgumentError(NencError):
    """The request was malformed; the message names the field and the fix."""

    code = "INVALID_ARGUMENT"


class NotFoundError(NencError):
    """A task, invocation, trigger or event does not exist."""

    code = "NOT_FOUND"


class AlreadyExistsError(NencError):
    """A name is taken (a task id of another app), or an idempotency key was used for another call."""

    code = "ALREADY_EXISTS"


class ResourceExhaustedError(NencError):
    """A limit of the orchestrator was reached; the message names it and its setting."""

    code = "RESOURCE_EXHAUSTED"


class FailedPreconditionError(NencError):
    """The request is valid but not in this state (e.g. a worker stream without hello)."""

    code = "FAILED_PRECONDITION"


class UnavailableError(NencError):
    """The orchestrator cannot be reached or is shutting down."""

    code = "UNAVAILABLE"


class UnauthenticatedError(NencError):
    """No token, or one the orchestrator does not know or that expired (see ``NENC_TOKEN``)."""

    code = "UNAUTHENTICATED"


class PermissionDeniedError(NencError):
    """The token lacks the scope the call needs; the message names the scope."""

    code = "PERMISSION_DENIED"


class DeadlineExceededError(NencError):
    """The call took longer than its deadline."""

    code = "DEADLINE_EXCEEDED"


class ResultNotAcceptedError(TypeError):
    """A task's result (or a function's value) cannot travel to the orchestrator.

    Not JSON, nested deeper than the orchestrator's limit (64 levels by default) or
    larger than its ``NENC_MAX_PAYLOAD_BYTES``. The worker raises it before sending;
    the attempt fails with type ``ResultNotAccepted`` (as when the orchestrator
    refuses a result), the task's retry policy applies and the worker carries on.
    """

    remote_type = "ResultNotAccepted"


class TaskFailedError(Exception):
    """A task function raised; ``remote_type`` and ``chain`` are its class names.

    ``chain`` runs from the most specific class to the most general (the MRO of a
    Python exception, the prototype chain of a JavaScript error).
    """

    def __init__(
        self,
        invocation_id: str,
        remote_type: str,
        remote_message: str,
        chain: list[str],
        remote_stack: str = "",
    ) -> None:
        super().__init__(f"{remote_type}: {remote_message}")
        self.invocation_id = invocation_id
        self.remote_type = remote_type
        self.remote_message = remote_message
        self.chain = chain
        self.remote_stack = remote_stack


class InvocationTimeoutError(TimeoutError):
    """Waiting for an invocation's result took longer than the timeout; it goes on."""

    def __init__(self, invocation_id: str, status: str, timeout: float) -> None:
        super().__init__(f"invocation {invocation_id} is still {status} after {timeout:g} s")
        self.invocation_id = invocation_id
        self.status = status


__all__ = [
    "AlreadyExistsError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "InvocationTimeoutError",
    "NencError",
    "NotFoundError",
    "ResourceExhaustedError",
    "ResultNotAcceptedError",
    "TaskFailedError",
    "UnavailableError",
]
