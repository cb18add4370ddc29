"""A handle on one invocation: its id, its status, and its result once it is final."""

from __future__ import annotations

import time
from typing import Any, Generic, TypeVar

from nenc._impl.clients import Clients
from nenc._impl.convert import invocation_info
from nenc._impl.numbers import coerce
from nenc.errors import InvocationTimeoutError
from nenc.invocation.info import InvocationInfo, TaskErrorInfo
from nenc.invocation.remote_error import remote_exception
from nenc.invocation.status import InvocationStatus
from nenc.v1 import invocation_service_pb2 as invocation_pb

R = TypeVar("R")

# One AwaitInvocation waits at most this long; longer waits take several calls.
_AWAIT_CHUNK_MS = 60_000


class Invocation(Generic[R]):
    """A queued invocation of a task.

    Example::

        invocation = divide(10, 2)
        invocation.result  # 5.0, once a worker ran it; raises its error if it failed
    """

    def __init__(self, invocation_id: str, task_id: str, clients: Clients) -> None:
        self.id = invocation_id
        self.task_id = task_id
        self._clients = clients
        self.result_type: Any = None
        """The task's return annotation when invoked through its Task: numbers come back as it says."""

    def __repr__(self) -> str:
        return f"Invocation(id={self.id!r}, task_id={self.task_id!r})"

    def get(self) -> InvocationInfo:
        """A snapshot: status, arguments, result or error, provenance."""
        response = self._clients.get_invocation(invocation_pb.GetInvocationRequest(id=self.id))
        return invocation_info(response.invocation)

    @property
    def status(self) -> InvocationStatus:
        """The current status (one call to the orchestrator)."""
        return self.get().status

    @property
    def result(self) -> R:
        """Blocks until the invocation is final; its result, or its error raised (see
        :func:`~nenc.invocation.remote_error.remote_exception`: the task's own exception
        class when the caller has it, else TaskFailedError)."""
        return self.wait()

    def wait(self, timeout: float | None = None) -> R:
        """Like :attr:`result`, giving up after ``timeout`` seconds (InvocationTimeoutError).

        The orchestrator answers when the invocation is final (AwaitInvocation): no polling.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining_ms = _AWAIT_CHUNK_MS if deadline is None else (deadline - time.monotonic()) * 1000
            chunk = max(1, min(_AWAIT_CHUNK_MS, int(remaining_ms)))
            response = self._clients.await_invocation(
                invocation_pb.AwaitInvocationRequest(id=self.id, timeout_ms=chunk)
            )
            info = invocation_info(response.invocation)
            if response.done:
                if info.status is InvocationStatus.SUCCESS:
                    result: R = coerce(self.result_type, info.result)
                    return result
                error = info.error or TaskErrorInfo("Error", "failed without an error", ["Error"])
                raise remote_exception(self.id, error)
            if deadline is not None and time.monotonic() >= deadline:
                raise InvocationTimeoutError(self.id, info.status.value, timeout or 0)


__all__ = ["Invocation"]
