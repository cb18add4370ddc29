"""What the integration tests share: a real orchestrator process, example loading, polls."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any, TypeVar

from nenc import InvocationInfo, InvocationStatus, Nenc

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "sdk" / "python" / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

T = TypeVar("T")


class Process:
    """A child process whose stdout lines are read by a thread (so reads can have deadlines)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=self._log_file, start_new_session=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.popen.stdout is not None
        threading.Thread(target=self._read, args=(self.popen.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.lines.put(raw.decode(errors="replace").rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first stdout line matching ``pattern``; fails with the process's stderr otherwise."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.popen.poll() is not None:
                    break
                continue
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(
            f"{self.popen.args!r} printed no line matching {pattern!r} within {timeout} s "
            f"(exit code {self.popen.poll()}); stdout: {seen}; stderr: {self.stderr()}"
        )

    def stderr(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """SIGTERM to the process group, then SIGKILL if it lingers."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._log_file.close()


def child_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NENC_REDIS_URL", "NENC_URL", "NENC_APP_ID")
    }
    env.setdefault("NENC_LOG_LEVEL", "warn")
    env.update(extra)
    return env


def start_orchestrator(log: Path, port: int = 0, args: Sequence[str] = (), **env: str) -> tuple[Process, str]:
    """``node bin/nenc.js serve --port N [args]`` on the memory store; returns the process and its URL."""
    command = ["node", "bin/nenc.js", "serve", "--port", str(port), *args]
    process = Process(command, REPO_ROOT, child_env(**env), log)
    match = process.wait_for_line(r"listening on (https?://\S+)", timeout=30)
    return process, match.group(1)


def load_example(name: str) -> ModuleType:
    """Imports ``examples/<name>.py`` as module ``<name>`` (NENC_URL and NENC_APP_ID must be set)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def wait_until(check: Callable[[], T | None], what: str, timeout: float = 15.0, interval: float = 0.05) -> T:
    """Polls ``check`` until it returns something truthy; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def runs(app: Nenc, task_id: str) -> list[InvocationInfo]:
    """The invocations of a task, oldest first."""
    return list(reversed(app.list_invocations(task_id=task_id, limit=1000)))


def successful_runs(app: Nenc, task_id: str, count: int, timeout: float = 15.0) -> list[InvocationInfo]:
    """Waits until ``task_id`` has ``count`` SUCCESS invocations; returns them, oldest first."""

    def done() -> list[InvocationInfo] | None:
        found = [run for run in runs(app, task_id) if run.status is InvocationStatus.SUCCESS]
        return found if len(found) >= count else None

    return wait_until(done, f"{count} successful run(s) of {task_id}", timeout)


def settle(app: Nenc, targets: Iterable[str], sources: Iterable[str], timeout: float = 15.0) -> None:
    """Waits until every trigger running one of ``targets`` decided about every source, and
    every invocation is final.

    A source is an invocation id (its final status occurrence) or an event id. After
    this, the triggers' runs for those sources exist: counts can be compared exactly.
    """
    sources = list(sources)
    for target in targets:
        for trigger in app.trigger.list(target_task_id=target):

            def decided(trigger_id: str = trigger.id) -> bool:
                occurrences = [
                    evaluation.occurrence_id
                    for evaluation in app.trigger.explain(trigger_id, limit=1000).evaluations
                    if evaluation.outcome != "deferred"
                ]
                return all(
                    any(_is_of(occurrence, source) for occurrence in occurrences) for source in sources
                )

            wait_until(decided, f"trigger {trigger.id} (runs {target}) to evaluate {sources}", timeout)

    def all_final() -> bool:
        return all(info.status.is_final for info in app.list_invocations(limit=1000))

    wait_until(all_final, "every invocation to be final", timeout)


def _is_of(occurrence_id: str, source: str) -> bool:
    # Status occurrences are `<invocation id>@<version>`; event occurrences are the event id.
    return occurrence_id == source or occurrence_id.startswith(f"{source}@")


def arguments_of(infos: Iterable[InvocationInfo]) -> list[dict[str, Any]]:
    return [info.arguments for info in infos]
