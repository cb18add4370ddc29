"""The worker: runs an app's tasks and trigger functions over one bidirectional stream.

Protocol (``nenc.v1.WorkerService/Connect``): hello → welcome; then assignments
(answered with started, then completed or failed), evaluation requests for filter
and provider functions (answered with evaluated), heartbeats at the interval the
welcome gave, and ``functions_announced`` when a runtime trigger adds functions.
A broken stream is reopened with backoff; tasks still running are reported as
held, and their late results are ignored by the orchestrator if it gave their
assignment to another worker meanwhile (at-least-once execution).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any, Literal, Protocol, TypeVar

from google.protobuf.struct_pb2 import Value

from nenc._impl.clients import SDK_NAME, Clients
from nenc._impl.convert import context_from_proto, describe_error
from nenc._impl.tracing import attempt_span
from nenc._impl.values import from_struct, from_value, to_value
from nenc.current import CurrentInvocation, reset, running
from nenc.errors import NencError, NotFoundError, ResultNotAcceptedError
from nenc.functions import FunctionRegistry
from nenc.task import Task
from nenc.v1 import worker_service_pb2 as worker_pb

WorkerState = Literal["STARTING", "RUNNING", "DRAINING", "STOPPED"]

_log = logging.getLogger("nenc.worker")
_T = TypeVar("_T")
_Outbox = queue.Queue[worker_pb.ConnectRequest | None]


class WorkerHost(Protocol):
    """What the worker needs of its app."""

    @property
    def app_id(self) -> str: ...

    @property
    def clients(self) -> Clients: ...

    @property
    def functions(self) -> FunctionRegistry: ...

    def register(self) -> list[str]:
        """Registers the app's tasks and triggers again (after the orchestrator lost them)."""
        ...


class Worker:
    """A worker of one app; :meth:`start` connects, :meth:`stop` drains and closes."""

    def __init__(
        self,
        host: WorkerHost,
        tasks: Mapping[str, Task[Any, Any]],
        concurrency: int,
        drain_timeout: float,
        prefetch: int = 0,
    ) -> None:
        self.id = f"wrk_{uuid.uuid4().hex}"
        self._host = host
        self._tasks = dict(tasks)
        self._concurrency = concurrency
        # Assignments held beyond concurrency: they wait in the task pool's queue for a thread.
        self._prefetch = prefetch
        # Assignments whose task started; the others wait for a thread and belong to their stream.
        self._started: set[str] = set()
        # Counts the streams: a waiting assignment runs only while the stream that brought it lives.
        self._stream_number = 0
        self._drain_timeout = drain_timeout
        self._state: WorkerState = "STARTING"
        self._running: dict[str, Future[None]] = {}
        self._current: dict[str, CurrentInvocation] = {}
        self._evaluating: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._outbox: _Outbox | None = None
        # The current stream was welcomed and has not ended: what is sent now can arrive.
        self._live = False
        # Results of tasks that ended while no stream was live, sent on the next one.
        self._unsent: dict[str, worker_pb.ConnectRequest] = {}
        self._stream_cancel: Callable[[], None] | None = None
        self._heartbeat_s = 1.0
        # What results and function values must keep to be accepted (from the welcome; 0 = default).
        self._max_depth = 0
        self._max_bytes = 0
        self._backoff_s = 0.1
        self._stopped = threading.Event()
        self._welcomed = threading.Event()
        self._start_error: BaseException | None = None
        self._task_pool = ThreadPoolExecutor(concurrency, thread_name_prefix=f"nenc-task-{host.app_id}")
        self._eval_pool = ThreadPoolExecutor(4, thread_name_prefix=f"nenc-eval-{host.app_id}")
        self._threads: list[threading.Thread] = []
        self._unsubscribe: Callable[[], None] = lambda: None

    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def in_flight(self) -> int:
        """Tasks running now (not those waiting for a thread)."""
        with self._lock:
            return len(self._started)

    def start(self, timeout: float = 30.0) -> None:
        """Connects; returns once the orchestrator welcomed the worker, raises if it refused."""
        self._unsubscribe = self._host.functions.subscribe(
            lambda ids: self._send(functions_announced=worker_pb.FunctionsAnnounced(functions=ids))
        )
        for target, name in ((self._connect_loop, "stream"), (self._heartbeat_loop, "heartbeat")):
            thread = threading.Thread(target=target, name=f"nenc-{name}-{self.id}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if not self._welcomed.wait(timeout) or self._start_error is not None:
            self.stop(drain=False)
            if self._start_error is not None:
                raise self._start_error
            raise TimeoutError(f"the orchestrator did not welcome worker {self.id} within {timeout:g} s")
        self._state = "RUNNING"

    def stop(self, drain: bool = True) -> None:
        """Takes no new work, waits for running tasks (up to the drain timeout), then closes."""
        with self._lock:
            if self._state in ("DRAINING", "STOPPED"):
                return
            self._state = "DRAINING"
        if drain:
            self._send(drain=worker_pb.Drain())
            self._wait_idle(time.monotonic() + self._drain_timeout)
        self._state = "STOPPED"
        self._stopped.set()
        self._unsubscribe()
        outbox = self._outbox
        if outbox is not None:
            outbox.put(None)  # half-closes the stream: the orchestrator ends it
        for thread in self._threads:
            thread.join(timeout=5)
            cancel = self._stream_cancel
            if thread.is_alive() and cancel is not None:
                cancel()
                thread.join(timeout=5)
        self._task_pool.shutdown(wait=False, cancel_futures=True)
        self._eval_pool.shutdown(wait=False, cancel_futures=True)

    def _wait_idle(self, deadline: float) -> None:
        """Waits for running tasks and evaluations, including any that arrive meanwhile."""
        while (remaining := deadline - time.monotonic()) > 0:
            with self._lock:
                busy = [*self._running.values(), *self._evaluating]
            if not busy:
                return
            wait_futures(busy, timeout=remaining)

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks until the worker stopped; False on timeout."""
        return self._stopped.wait(timeout)

    # The stream

    def _connect_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                self._run_stream()
            except Exception as error:  # noqa: BLE001 - the loop must outlive any one stream
                if self._stopped.is_set():
                    break
                if isinstance(error, NotFoundError):
                    # The orchestrator lost the app's registration (a memory store restarted): register again.
                    _log.warning("worker %s: %s; registering the app again", self.id, error)
                    try:
                        self._host.register()
                        self._backoff_s = 0.05  # progress: say hello again at once
                    except NencError as again:
                        _log.warning("worker %s: registering again failed: %s", self.id, again)
                elif not self._welcomed.is_set():
                    self._start_error = error
                    self._welcomed.set()
                    return
                else:
                    _log.warning("worker %s: stream broke (%s); reconnecting", self.id, error)
            if self._stopped.wait(self._backoff_s):
                break
            self._backoff_s = min(self._backoff_s * 2, 5.0)

    def _run_stream(self) -> None:
        outbox: _Outbox = queue.Queue()
        with self._lock:
            held = [*self._started, *self._unsent]
        outbox.put(
            worker_pb.ConnectRequest(
                hello=worker_pb.WorkerHello(
                    app_id=self._host.app_id,
                    worker_id=self.id,
                    concurrency=self._concurrency,
                    prefetch=self._prefetch,
                    task_ids=list(self._tasks),
                    functions=self._host.functions.ids(),
                    sdk=SDK_NAME,
                    held_assignment_ids=held,
                )
            )
        )
        self._outbox = outbox
        stream = self._host.clients.connect(_drain_queue(outbox))
        self._stream_cancel = stream.cancel
        try:
            for response in stream:
                kind = response.WhichOneof("message")
                if kind == "welcome":
                    self._heartbeat_s = max(0.05, response.welcome.heartbeat_interval_ms / 1000)
                    self._max_depth = response.welcome.max_json_depth
                    self._max_bytes = response.welcome.max_payload_bytes
                    self._backoff_s = 0.1
                    with self._lock:
                        self._live = True
                        for request in self._unsent.values():
                            outbox.put(request)
                        self._unsent.clear()
                    self._welcomed.set()
                elif kind == "assignment":
                    self._run(response.assignment)
                elif kind == "evaluate":
                    self._start_evaluation(response.evaluate)
                elif kind == "abort":
                    self._abort(response.abort)
        finally:
            with self._lock:
                self._live = False
                # Waiting work goes back to the queue with this stream: it must not run here.
                self._stream_number += 1
                waiting = [f for a, f in self._running.items() if a not in self._started]
            for future in waiting:
                future.cancel()
            self._stream_cancel = None
            outbox.put(None)  # ends the request iterator grpc consumes in its own thread

    def _heartbeat_loop(self) -> None:
        # The interval comes with the welcome; each stream's welcome may change it.
        while not self._welcomed.wait(0.05):
            if self._stopped.is_set():
                return
        while not self._stopped.wait(self._heartbeat_s):
            self._send(heartbeat=worker_pb.Heartbeat())

    def _send(self, **message: Any) -> None:
        request = worker_pb.ConnectRequest(**message)
        with self._lock:
            outbox = self._outbox
            if self._live and outbox is not None:
                outbox.put(request)
                return
            kind = request.WhichOneof("message")
            if kind == "completed":
                self._unsent[request.completed.assignment_id] = request
            elif kind == "failed":
                self._unsent[request.failed.assignment_id] = request
            # Other messages (starts, heartbeats, answers) only matter on the stream they were for.

    # Assignments and evaluations

    def _run(self, assignment: worker_pb.Assignment) -> None:
        current = CurrentInvocation(assignment.invocation_id, assignment.task_id, assignment.attempt)
        with self._lock:
            future = self._task_pool.submit(self._execute, assignment, current, self._stream_number)
            self._running[assignment.assignment_id] = future
            self._current[assignment.assignment_id] = current
        future.add_done_callback(lambda _: self._forget(assignment.assignment_id))

    def _abort(self, abort: worker_pb.AbortAssignment) -> None:
        # The attempt was ended without this worker: the task sees current_invocation().cancelled.
        # Its end is still reported (ignored by the orchestrator, which frees the slot then).
        with self._lock:
            current = self._current.get(abort.assignment_id)
        if current is not None:
            why = "timeout" if abort.reason == worker_pb.ABORT_REASON_TIMEOUT else "not started"
            current.cancel(f"{why}: {abort.message}")

    def _start_evaluation(self, request: worker_pb.EvaluateFunction) -> None:
        # Tracked before it can run, so that a drain that starts meanwhile waits for it.
        with self._lock:
            future = self._eval_pool.submit(self._evaluate, request)
            self._evaluating.add(future)
        future.add_done_callback(self._evaluated)

    def _evaluated(self, future: Future[None]) -> None:
        with self._lock:
            self._evaluating.discard(future)

    def _forget(self, assignment_id: str) -> None:
        with self._lock:
            self._running.pop(assignment_id, None)
            self._current.pop(assignment_id, None)
            self._started.discard(assignment_id)

    def _begin(self, assignment_id: str, current: CurrentInvocation, stream_number: int) -> bool:
        """Marks a task started; False when it must not run (its stream ended, or it was aborted)."""
        with self._lock:
            if stream_number != self._stream_number:
                return False
            if not current.cancelled:
                self._started.add(assignment_id)
                return True
        # Taken back before it started: its end is reported, which frees its credit.
        error = describe_error(RuntimeError(f"aborted before it started: {current.cancel_reason}"))
        self._send(failed=worker_pb.TaskFailed(assignment_id=assignment_id, error=error))
        return False

    def _execute(
        self, assignment: worker_pb.Assignment, current: CurrentInvocation, stream_number: int
    ) -> None:
        assignment_id = assignment.assignment_id
        if not self._begin(assignment_id, current, stream_number):
            return
        self._send(started=worker_pb.TaskStarted(assignment_id=assignment_id))
        token = running(current)
        try:
            task = self._tasks.get(assignment.task_id)
            if task is None:
                raise LookupError(f'this worker has no task "{assignment.task_id}"')
            with attempt_span(
                assignment.task_id, assignment.invocation_id, assignment.attempt, assignment.traceparent
            ):
                result = _call(task.fn, **task.arguments_for_call(from_struct(assignment.arguments)))
            value = self._travelling(result, f"the result of task {task.name}")
        except Exception as error:  # noqa: BLE001 - every task error is reported, none kills the worker
            self._send(failed=worker_pb.TaskFailed(assignment_id=assignment_id, error=describe_error(error)))
            return
        finally:
            reset(token)
        self._send(completed=worker_pb.TaskCompleted(assignment_id=assignment_id, result=value))

    def _travelling(self, value: object, where: str) -> Value:
        """``value`` as it travels, checked against the orchestrator's limits first.

        A value it would refuse (not JSON, too deep, too large; or one it could not
        even decode) fails here, in this process, as ResultNotAcceptedError: the
        stream is never put at risk.
        """
        try:
            return to_value(value, where, max_depth=self._max_depth, max_bytes=self._max_bytes)
        except TypeError as error:
            _log.warning("worker %s: %s; not sent", self.id, error)
            raise ResultNotAcceptedError(str(error)) from error

    def _evaluate(self, request: worker_pb.EvaluateFunction) -> None:
        try:
            fn = self._host.functions.get(request.function)
            if fn is None:
                raise LookupError(
                    f"function {request.function} is not declared in this process "
                    f'of app "{self._host.app_id}"'
                )
            if request.purpose == worker_pb.FUNCTION_PURPOSE_FILTER:
                verdict = _call(fn, from_value(request.value))
                if not isinstance(verdict, bool):
                    raise TypeError(
                        f"filter {request.function} returned {type(verdict).__name__}; return a bool"
                    )
                value = self._travelling(verdict, "filter")
            else:
                context = context_from_proto(request.context) if request.HasField("context") else None
                args: list[Any] = [context]
                if _accepts_second_argument(fn):
                    args.append([context_from_proto(item) for item in request.contexts])
                provided = _call(fn, *args)
                if not isinstance(provided, Mapping):
                    raise TypeError(
                        f"provider {request.function} returned {type(provided).__name__}; "
                        "return a dict of named arguments"
                    )
                value = self._travelling(provided, f"the arguments from provider {request.function}")
        except Exception as error:  # noqa: BLE001 - reported to the orchestrator, which records it
            self._send(
                evaluated=worker_pb.FunctionEvaluated(
                    request_id=request.request_id, error=describe_error(error)
                )
            )
            return
        self._send(evaluated=worker_pb.FunctionEvaluated(request_id=request.request_id, value=value))


def _drain_queue(outbox: _Outbox) -> Iterator[worker_pb.ConnectRequest]:
    while (item := outbox.get()) is not None:
        yield item


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls a task or trigger function; an ``async def`` runs to completion on its own loop."""
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def _accepts_second_argument(fn: Callable[..., Any]) -> bool:
    """Whether a provider takes the list of every context as a second positional argument."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return len(positional) >= 2 or any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
