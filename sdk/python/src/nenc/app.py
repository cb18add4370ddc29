"""The app: its tasks, the triggers declared on them, and its workers."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar, overload

from nenc._impl.clients import Clients, parse_url
from nenc._impl.convert import invocation_info, trigger_to_proto
from nenc._impl.tracing import current_traceparent
from nenc._impl.values import to_object_value
from nenc.functions import FunctionRegistry
from nenc.invocation.handle import Invocation
from nenc.invocation.info import InvocationInfo
from nenc.invocation.status import InvocationStatus
from nenc.task import RetryPolicy, Task
from nenc.trigger.client import TriggerClient
from nenc.trigger.spec import TriggerSpec
from nenc.trigger.trigger_builder import TriggerBuilder
from nenc.v1 import app_service_pb2 as app_pb
from nenc.v1 import invocation_service_pb2 as invocation_pb
from nenc.v1 import task_pb2
from nenc.worker import Worker, WorkerState

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_URL = "http://127.0.0.1:7070"


class TaskDecorator(Protocol):
    """What ``@app.task(...)`` returns: turns a function into a task (an async one too)."""

    @overload
    def __call__(self, fn: Callable[P, Coroutine[Any, Any, R]], /) -> Task[P, R]: ...

    @overload
    def __call__(self, fn: Callable[P, R], /) -> Task[P, R]: ...


class WorkerHandle:
    """A running worker. ``stop()`` drains it; also a context manager."""

    def __init__(self, worker: Worker, on_stop: Callable[[Worker], None]) -> None:
        self._worker = worker
        self._on_stop = on_stop

    @property
    def id(self) -> str:
        return self._worker.id

    @property
    def state(self) -> WorkerState:
        return self._worker.state

    @property
    def in_flight(self) -> int:
        """Tasks running now."""
        return self._worker.in_flight

    def stop(self) -> None:
        """Takes no new work, waits for running tasks (up to the drain timeout), then closes the stream."""
        self._worker.stop()
        self._on_stop(self._worker)

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks until the worker stopped (False after ``timeout`` seconds)."""
        return self._worker.wait(timeout)

    def __enter__(self) -> WorkerHandle:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class Nenc:
    """An app of the nenc orchestrator (the seed's ``Pynenc``).

    ``url`` defaults to ``NENC_URL``, else ``http://127.0.0.1:7070``; ``app_id`` to
    ``NENC_APP_ID``, else ``"default"``; ``token`` (the bearer token of an orchestrator
    started with ``--auth-tokens``) to ``NENC_TOKEN``, else none. Declare tasks with ``@app.task``; start a
    worker to register them (with their triggers) and run them.

    Example::

        app = Nenc()

        @app.task
        def source_task(x: int) -> str:
            return f"Processed {x}"

        @app.task(triggers=TriggerBuilder().on_status(source_task, statuses=["SUCCESS"]))
        def notification_task() -> str:
            return "Source task completed successfully"

        with app.start_worker(concurrency=4):
            print(source_task(1).result)
    """

    def __init__(self, url: str | None = None, app_id: str | None = None, token: str | None = None) -> None:
        self.url = url or os.environ.get("NENC_URL") or DEFAULT_URL
        # Sent as every call's bearer token, for an orchestrator started with --auth-tokens.
        self._token = token or os.environ.get("NENC_TOKEN") or None
        parse_url(self.url)  # a bad URL fails here, not at the first call
        self.app_id = app_id or os.environ.get("NENC_APP_ID") or "default"
        self.functions = FunctionRegistry()
        self.trigger = TriggerClient(self)
        self._tasks: dict[str, Task[Any, Any]] = {}
        self._clients: Clients | None = None
        self._registered = False
        self._workers: list[Worker] = []
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Nenc(url={self.url!r}, app_id={self.app_id!r})"

    @property
    def clients(self) -> Clients:
        """The connection to the orchestrator, opened on first use."""
        with self._lock:
            if self._clients is None:
                self._clients = Clients(self.url, self._token)
            return self._clients

    @property
    def tasks(self) -> Mapping[str, Task[Any, Any]]:
        """The app's tasks by id."""
        return MappingProxyType(self._tasks)

    # Tasks

    @overload
    def task(self, fn: Callable[P, Coroutine[Any, Any, R]], /) -> Task[P, R]: ...

    @overload
    def task(self, fn: Callable[P, R], /) -> Task[P, R]: ...

    @overload
    def task(
        self,
        /,
        *,
        triggers: TriggerBuilder | Iterable[TriggerBuilder] | None = None,
        name: str | None = None,
        retry: RetryPolicy | int | None = None,
        timeout_ms: int | None = None,
        max_retries: int | None = None,
        retry_for: Iterable[type[BaseException] | str] | None = None,
    ) -> TaskDecorator: ...

    def task(
        self,
        fn: Callable[..., Any] | None = None,
        /,
        *,
        triggers: TriggerBuilder | Iterable[TriggerBuilder] | None = None,
        name: str | None = None,
        retry: RetryPolicy | int | None = None,
        timeout_ms: int | None = None,
        max_retries: int | None = None,
        retry_for: Iterable[type[BaseException] | str] | None = None,
    ) -> Any:
        """Declares a task: ``@app.task`` or ``@app.task(triggers=..., name=..., retry=...)``.

        The id is the function's ``__name__`` unless ``name`` says otherwise.
        ``triggers`` takes one builder or several (each one an independent trigger);
        they are checked now (a lambda filter raises here) and registered when a
        worker starts. ``retry`` is a RetryPolicy or a number of retries.
        ``timeout_ms``: an attempt not ended this long after its delivery to a worker
        fails with the exception type TimeoutError (retried as ``retry`` says;
        ``on_exception`` can match it) and ``nenc.current_invocation().cancelled``
        turns True in the task; at most 7 days, default no limit.
        ``max_retries`` and ``retry_for`` are Pynenc's options (instead of ``retry``):
        retry up to ``max_retries`` times, only for those exception classes (or class
        names, of any language) when ``retry_for`` is given.
        """
        retry = retry_policy(retry, max_retries, retry_for)
        if timeout_ms is not None and (
            isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms < 1
        ):
            raise ValueError(
                f"app.task: timeout_ms must be a positive int of milliseconds, got {timeout_ms!r}"
            )

        def declare(function: Callable[..., Any]) -> Task[Any, Any]:
            return self._declare(function, triggers, name, retry, timeout_ms)

        return declare if fn is None else declare(fn)

    def _declare(
        self,
        fn: Callable[P, R],
        triggers: TriggerBuilder | Iterable[TriggerBuilder] | None,
        name: str | None,
        retry: RetryPolicy | int | None,
        timeout_ms: int | None = None,
    ) -> Task[P, R]:
        if not callable(fn):
            raise TypeError(f"app.task: expects a function, got {type(fn).__name__}")
        task_id = name if name is not None else getattr(fn, "__name__", "")
        if not isinstance(task_id, str) or not task_id.strip() or task_id == "<lambda>":
            raise ValueError("app.task: a task needs a name; pass name=... for a lambda or a callable object")
        builders = (
            [] if triggers is None else [triggers] if isinstance(triggers, TriggerBuilder) else list(triggers)
        )
        for builder in builders:
            if not isinstance(builder, TriggerBuilder):
                raise TypeError(
                    f"task {task_id}: triggers holds {type(builder).__name__}; pass TriggerBuilder()s"
                )
        specs = tuple(builder.build() for builder in builders)
        policy = RetryPolicy(max_retries=retry) if isinstance(retry, int) else retry
        task: Task[P, R] = Task(fn, task_id, policy, specs, self, timeout_ms)
        with self._lock:
            if task_id in self._tasks:
                raise ValueError(f'task {task_id} is declared twice in app "{self.app_id}"')
            for spec in specs:
                self._register_functions(spec, f"task {task_id}")
            self._tasks[task_id] = task
        return task

    def invoke(
        self, task_id: str, arguments: Mapping[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> Invocation[Any]:
        """Queues an invocation of any app's task by name (e.g. a TypeScript task)."""
        request = invocation_pb.InvokeRequest(
            task_id=task_id,
            arguments=to_object_value(arguments or {}, "arguments"),
            idempotency_key=idempotency_key or "",
            traceparent=current_traceparent(),
        )
        response = self.clients.invoke(request)
        return Invocation(response.invocation.id, task_id, self.clients)

    def invocation(self, invocation_id: str, task_id: str = "") -> Invocation[Any]:
        """A handle on an existing invocation."""
        return Invocation(invocation_id, task_id, self.clients)

    def list_invocations(
        self,
        task_id: str | None = None,
        status: InvocationStatus | str | None = None,
        trigger_id: str | None = None,
        limit: int = 100,
    ) -> list[InvocationInfo]:
        """Invocations, newest first, at most ``limit`` (following the orchestrator's pages)."""
        found: list[InvocationInfo] = []
        token = ""
        while len(found) < limit:
            request = invocation_pb.ListInvocationsRequest(
                task_id=task_id or "",
                status=InvocationStatus.parse(status, "list_invocations: status").value if status else None,
                trigger_id=trigger_id or "",
                page_size=min(1000, limit - len(found)),
                page_token=token,
            )
            response = self.clients.list_invocations(request)
            found.extend(invocation_info(message) for message in response.invocations)
            token = response.next_page_token
            if not token:
                break
        return found

    # Registration and workers

    def register(self) -> list[str]:
        """Registers the app's tasks and declared triggers, replacing those it declared before.

        Returns the trigger ids in declaration order. Starting a worker does this.
        """
        with self._lock:
            tasks = list(self._tasks.values())
        request = app_pb.RegisterAppRequest(
            app_id=self.app_id,
            tasks=[
                task_pb2.TaskDefinition(
                    id=task.name, retry=_retry_to_proto(task.retry), timeout_ms=task.timeout_ms or 0
                )
                for task in tasks
            ],
            triggers=[
                trigger_to_proto(spec, task.name, self.app_id) for task in tasks for spec in task.triggers
            ],
        )
        trigger_ids = list(self.clients.register_app(request).trigger_ids)
        self._registered = True
        return trigger_ids

    def prepare_runtime_trigger(self, spec: TriggerSpec, target_task_id: str) -> None:
        """Adds a runtime trigger's functions; registers the app first if it runs one of its tasks."""
        self._register_functions(spec, "register")
        if target_task_id in self._tasks and not self._registered:
            self.register()

    def start_worker(
        self, concurrency: int = 10, drain_timeout: float = 30.0, prefetch: int | None = None
    ) -> WorkerHandle:
        """Registers the app, then connects a worker that runs its tasks in ``concurrency`` threads.

        Returns once the orchestrator welcomed the worker. ``async def`` tasks run
        on an event loop of their own per call. ``prefetch`` assignments beyond
        ``concurrency`` wait in the worker and start as threads free, so a quick
        task's successor is already there (default 4 times concurrency, at least 16 and at most 64; a
        waiting task's timeout counts from its start). Use 0 for long tasks, so that
        work waiting behind them goes to another worker with a free thread.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError("start_worker: concurrency must be an int ≥ 1")
        if prefetch is None:
            prefetch = min(max(4 * concurrency, 16), 64)
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or not 0 <= prefetch <= 1000:
            raise ValueError("start_worker: prefetch must be an int from 0 to 1000 (0: none)")
        self.register()
        worker = Worker(self, self._tasks, concurrency, drain_timeout, prefetch)
        worker.start()
        with self._lock:
            self._workers.append(worker)
        return WorkerHandle(worker, self._forget_worker)

    def run_worker(
        self, concurrency: int = 10, drain_timeout: float = 30.0, prefetch: int | None = None
    ) -> None:
        """Runs a worker until SIGINT or SIGTERM, then drains it (the entry point of a worker process)."""
        handle = self.start_worker(concurrency, drain_timeout, prefetch)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: handle.stop())
        try:
            handle.wait()
        except KeyboardInterrupt:
            pass
        finally:
            handle.stop()

    def close(self) -> None:
        """Stops the app's workers and closes the connection."""
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()
        with self._lock:
            clients, self._clients = self._clients, None
        if clients is not None:
            clients.close()

    def __enter__(self) -> Nenc:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _forget_worker(self, worker: Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)

    def _register_functions(self, spec: TriggerSpec, where: str) -> None:
        for ref in spec.functions():
            self.functions.register(ref.fn, where)


def _retry_to_proto(retry: RetryPolicy | None) -> task_pb2.RetryPolicy | None:
    if retry is None:
        return None
    return task_pb2.RetryPolicy(
        max_retries=retry.max_retries,
        initial_backoff_ms=retry.initial_backoff_ms,
        backoff_multiplier=retry.backoff_multiplier,
        max_backoff_ms=retry.max_backoff_ms,
        retry_on=retry.retry_on_names(),
    )


def retry_policy(
    retry: RetryPolicy | int | None,
    max_retries: int | None,
    retry_for: Iterable[type[BaseException] | str] | None,
) -> RetryPolicy | int | None:
    """``retry``, or the policy Pynenc's ``max_retries`` and ``retry_for`` describe."""
    if max_retries is None and retry_for is None:
        return retry
    if retry is not None:
        raise ValueError("app.task: pass retry=... or max_retries=/retry_for=..., not both")
    if max_retries is None or isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise ValueError(
            f"app.task: retry_for needs max_retries, an int ≥ 0; got max_retries={max_retries!r}"
        )
    classes = tuple(retry_for or ())
    for item in classes:
        if not (isinstance(item, str) or (isinstance(item, type) and issubclass(item, BaseException))):
            raise TypeError(f"app.task: retry_for takes exception classes or class names, got {item!r}")
    return RetryPolicy(max_retries=max_retries, retry_on=classes)
