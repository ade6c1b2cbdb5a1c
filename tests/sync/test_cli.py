"""The technician's commands end to end, in process, against a real server:
server init, till register, server publish-catalog, sync now, sync status, status."""

from __future__ import annotations

import json
import stat

import pytest

from db.server.admin import head_revision
from kiosk.cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def box(tmp_path, monkeypatch, capsys):
    state = tmp_path / "state"
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert main(["demo-data"]) == 0
    capsys.readouterr()
    return state


def test_a_technician_joins_a_till_and_sends_its_documents(box, pg_server, capsys):
    code, out, _ = run(capsys, "server", "init", "--url", pg_server)
    assert code == 0 and f"schema {head_revision()} (created)" in out and "_tills" in out
    code, out, _ = run(capsys, "server", "init", "--url", pg_server)
    assert code == 0 and "already up to date" in out
    code, out, _ = run(capsys, "till", "register", "--server", pg_server, "--name", "Caja 1", "--json")
    joined = json.loads(out)
    assert code == 0 and joined["new"] and joined["queued"] > 0
    assert stat.S_IMODE((box / "sync-server.json").stat().st_mode) == 0o600
    code, out, _ = run(capsys, "server", "publish-catalog", "--url", pg_server)
    assert code == 0 and "published" in out
    code, out, _ = run(capsys, "sync", "status", "--json")
    st = json.loads(out)
    assert code == 0 and st["reachable"] is True and st["waiting"] == joined["queued"] > 0
    assert st["waiting_text"].endswith(tuple("0123456789")) and "sin enviar desde" in st["waiting_text"]
    code, out, _ = run(capsys, "status")
    assert "shop server" in out and "sin enviar desde" in out
    code, out, _ = run(capsys, "sync", "now")
    assert code == 0 and f"pushed {joined['queued']} documents; 0 waiting" in out and "pulled" in out
    code, out, _ = run(capsys, "sync", "status")
    assert code == 0 and "0 documents" in out and "reachable   yes" in out and "last error  none" in out
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["sync"]["waiting"] == 0


def test_bad_server_urls_exit_1_with_a_message(box, capsys):
    code, _, err = run(capsys, "server", "init", "--url", "http://example.org/x")
    assert code == 1 and "not a PostgreSQL URL" in err
    code, _, err = run(capsys, "till", "register", "--server", "postgresql://a:b@127.0.0.1:1/shop", "--name", "X")
    assert code == 1 and "cannot be reached" in err
    code, out, _ = run(capsys, "sync", "status", "--json")
    assert code == 0 and json.loads(out)["registered"] is False
