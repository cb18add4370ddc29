"""Tokens: the SDK sends ``token=`` (or ``NENC_TOKEN``) as its bearer token to an
orchestrator started with ``--auth-tokens``; without one, or with too little scope,
calls fail with the typed errors naming what is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import REPO_ROOT, start_orchestrator

from nenc import Nenc, PermissionDeniedError, UnauthenticatedError


def double(n: int) -> int:
    return n * 2


def _token(file: Path, name: str, *scopes: str) -> str:
    """``nenc token create``: the secret it prints once."""
    flags = [part for scope in scopes for part in ("--scope", scope)]
    created = subprocess.run(
        ["node", "bin/nenc.js", "token", "create", "--file", str(file), "--name", name, *flags],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return created.stdout.strip()


def test_sends_its_token_and_maps_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = tmp_path / "tokens.json"
    app_token = _token(tokens, "py-app", "worker:py", "client:py")
    viewer = _token(tokens, "viewer", "read")
    process, url = start_orchestrator(tmp_path / "orchestrator.log", args=["--auth-tokens", str(tokens)])
    try:
        monkeypatch.delenv("NENC_TOKEN", raising=False)
        with Nenc(url=url, app_id="py") as anonymous, pytest.raises(UnauthenticatedError, match="no token"):
            anonymous.list_invocations()
        with Nenc(url=url, app_id="py", token=app_token) as app:
            task = app.task(double)
            with app.start_worker():
                assert task(n=21).result == 42
        monkeypatch.setenv("NENC_TOKEN", viewer)
        with Nenc(url=url, app_id="py") as reader:
            assert [info.status for info in reader.list_invocations()] == ["SUCCESS"]
            with pytest.raises(
                PermissionDeniedError, match='needs scope admin or client:py; token "viewer" has read'
            ):
                reader.invoke(task.id, {"n": 1})
    finally:
        process.stop()
