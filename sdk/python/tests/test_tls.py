"""TLS: the SDK connects to an https:// orchestrator with NENC_TLS_CA, and with a client
certificate (NENC_TLS_CLIENT_CERT, NENC_TLS_CLIENT_KEY) where the server asks for one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import start_orchestrator

from nenc import Nenc
from nenc.errors import NencError


def triple(n: int) -> int:
    return n * 3


def _openssl(directory: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)


def _pki(directory: Path) -> dict[str, str]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate (EC keys)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        directory,
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
    )
    for name, ext in (
        ("server", "subjectAltName=IP:127.0.0.1\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        (directory / f"{name}.ext").write_text(ext)
        _openssl(
            directory, "req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}"
        )
        signed = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"]
        _openssl(
            directory,
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            *signed,
            "-out",
            f"{name}.pem",
            "-extfile",
            f"{name}.ext",
        )
    return {
        name: str(directory / name)
        for name in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")
    }


def test_runs_a_task_over_mutual_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _pki(tmp_path)
    tls = [
        "--tls-cert",
        files["server.pem"],
        "--tls-key",
        files["server.key"],
        "--tls-client-ca",
        files["ca.pem"],
    ]
    process, url = start_orchestrator(tmp_path / "orchestrator.log", args=tls)
    try:
        assert url.startswith("https://")
        monkeypatch.setenv("NENC_TLS_CA", files["ca.pem"])
        # Without a client certificate the handshake fails: the call cannot reach the orchestrator.
        with Nenc(url=url, app_id="anonymous") as app, pytest.raises(NencError):
            app.list_invocations()
        monkeypatch.setenv("NENC_TLS_CLIENT_CERT", files["client.pem"])
        monkeypatch.setenv("NENC_TLS_CLIENT_KEY", files["client.key"])
        with Nenc(url=url, app_id="tls") as app:
            task = app.task(triple)
            with app.start_worker():
                assert task(n=7).result == 21
    finally:
        process.stop()


def test_a_client_certificate_needs_its_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cert = tmp_path / "client.pem"
    cert.write_text("not used")
    monkeypatch.setenv("NENC_TLS_CLIENT_CERT", str(cert))
    monkeypatch.delenv("NENC_TLS_CLIENT_KEY", raising=False)
    with pytest.raises(ValueError, match="NENC_TLS_CLIENT_CERT and NENC_TLS_CLIENT_KEY go together"):
        Nenc(url="https://127.0.0.1:1", app_id="x").list_invocations()
