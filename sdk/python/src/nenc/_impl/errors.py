"""gRPC errors as the SDK's typed errors, in one place."""

from __future__ import annotations

import grpc

from nenc.errors import (
    AlreadyExistsError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NencError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)

_BY_CODE: dict[grpc.StatusCode, type[NencError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
}


def error_from_rpc(error: grpc.RpcError, target: str = "") -> NencError:
    """The typed error for a failed call; the message is the orchestrator's."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    message = (error.details() if callable(getattr(error, "details", None)) else None) or str(error)
    if code is grpc.StatusCode.UNAVAILABLE and target:
        message = f"no orchestrator answers at {target}: {message}"
    error_type = _BY_CODE.get(code)
    if error_type is not None:
        return error_type(message)
    return NencError(message, code.name if code is not None else "UNKNOWN")
