"""Fixtures for the appliance tests: kiosk-admin pointed at a temporary config and
state directory, and the fake service control it uses instead of systemctl."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import maintenance_commands
from tests.e2e.appliance_helpers import FakeService


@pytest.fixture
def config_file(tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{state_dir}/printer.bin"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    return cfg


@pytest.fixture
def fake_service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    fake = FakeService()
    monkeypatch.setattr(maintenance_commands, "SERVICE_CONTROL", lambda: fake)
    return fake
