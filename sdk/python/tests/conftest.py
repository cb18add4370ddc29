"""Fixtures: a real orchestrator per test, and the seed's examples loaded against it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from support import load_example, start_orchestrator

from nenc import Nenc


@pytest.fixture
def orchestrator_url(tmp_path: Path) -> Iterator[str]:
    """A fresh ``nenc serve`` on the memory store (task ids are global, so one per test)."""
    process, url = start_orchestrator(tmp_path / "orchestrator.log")
    try:
        yield url
    finally:
        process.stop()


@pytest.fixture
def example(orchestrator_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """Loads a seed example with NENC_URL pointing at the test's orchestrator; closes its app after."""
    loaded: list[ModuleType] = []

    def load(name: str) -> ModuleType:
        monkeypatch.setenv("NENC_URL", orchestrator_url)
        monkeypatch.setenv("NENC_APP_ID", f"example-{name}")
        module = load_example(name)
        loaded.append(module)
        return module

    yield load
    for module in loaded:
        app = module.app
        assert isinstance(app, Nenc)
        app.close()
        sys.modules.pop(module.__name__, None)


@pytest.fixture
def app(orchestrator_url: str) -> Iterator[Nenc]:
    """An empty app on the test's orchestrator; tests declare their tasks on it."""
    with Nenc(url=orchestrator_url, app_id="test-app") as application:
        yield application
