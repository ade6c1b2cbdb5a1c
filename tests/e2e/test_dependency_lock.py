"""requirements.lock covers pyproject.toml: every dependency it names (runtime, each
extra, the build backend) is pinned to one version inside the range asked for, with
its hashes; and `make test`/`make run` install exactly that, checked by hash."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"


def _lock_tool():
    spec = importlib.util.spec_from_file_location("kiosk_lock_tool", ROOT / "tools" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


lock_tool = _lock_tool()


def test_every_dependency_in_pyproject_is_pinned_with_hashes() -> None:
    found = lock_tool.problems(PYPROJECT, LOCK)
    assert not found, "\n".join(found) + "\n" + lock_tool.advice()


def test_the_check_names_a_new_dependency_the_lock_lacks(tmp_path: Path) -> None:
    """What another engineer sees after adding a dependency without `make lock`."""
    text = PYPROJECT.read_text(encoding="utf-8")
    assert '"pydantic>=2.6,<3",' in text
    changed = tmp_path / "pyproject.toml"
    changed.write_text(text.replace('"pydantic>=2.6,<3",', '"pydantic>=2.6,<3",\n    "reportlab>=4.0",')
                       .replace('"pytest>=8",', '"pytest>=99",'), encoding="utf-8")
    found = lock_tool.problems(changed, LOCK)
    assert len(found) == 2, found
    assert "requirements.lock does not pin reportlab ([project] dependencies in pyproject.toml: 'reportlab>=4.0')" in found
    assert any(line.startswith("requirements.lock pins pytest==") and "'>=99'" in line and
               "[project.optional-dependencies] test" in line for line in found), found
    assert "run `make lock`" in lock_tool.advice() and "commit requirements.lock" in lock_tool.advice()
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "lock.py"), "check"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_lock_entry_that_is_not_one_hashed_version_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK.read_text(encoding="utf-8") + "xlsxwriter>=3.1\n", encoding="utf-8")
    assert lock_tool.problems(PYPROJECT, lock) == ["requirements.lock: xlsxwriter is not pinned to one version (>=3.1)"]
    lock.write_text(LOCK.read_text(encoding="utf-8") + "xlsxwriter==3.2.0\n", encoding="utf-8")
    assert lock_tool.problems(PYPROJECT, lock) == ["requirements.lock pins xlsxwriter==3.2.0 without a hash"]


def test_pip_and_the_build_backend_come_first_from_the_lock() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "lock.py"), "bootstrap"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    pins = lock_tool.read_lock(LOCK)
    assert [line.split("==")[0] for line in out.splitlines() if not line.startswith(" ")] == \
        ["pip", "setuptools", "wheel"]
    for name in ("pip", "setuptools", "wheel"):
        assert f"{name}=={pins[name].version}" in out
        assert all(f"--hash={h}" in out for h in pins[name].hashes)


def test_this_environment_is_the_lock() -> None:
    """make test ran in a virtual environment built from the lock: every locked package
    for this machine is installed at its locked version."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.markers import Marker

    wrong = []
    for pin in lock_tool.read_lock(LOCK).values():
        if pin.marker and not Marker(pin.marker).evaluate():
            continue
        try:
            have = version(pin.name)
        except PackageNotFoundError:
            have = "not installed"
        if have != pin.version:
            wrong.append(f"{pin.name}: {have}, locked {pin.version}")
    assert not wrong, "\n".join(wrong) + "\nrun `make setup` (or `make test`) to rebuild .venv from the lock"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_makefile_rebuilds_the_environment_when_the_lock_changes() -> None:
    """`make -n -W requirements.lock`: what make would run if the lock were newer."""
    out = subprocess.run(["make", "-n", "-W", "requirements.lock", ".venv/.installed"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    steps = [line for line in out.stdout.splitlines() if "pip install" in line]
    assert "rm -rf .venv" in out.stdout
    assert len(steps) == 3, out.stdout
    bootstrap, everything, kiosk = steps
    assert "--require-hashes --no-deps -r .venv/bootstrap.lock" in bootstrap
    assert "--require-hashes --no-build-isolation -r requirements.lock" in everything
    assert "--no-deps --no-build-isolation --no-index -e ." in kiosk
    assert "pip check" in out.stdout
