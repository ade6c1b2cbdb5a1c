"""What a kiosk start imports (issue 18: memory beside a bare Kivy app, start time):
Alembic only when a migration runs, the DIAN signing stack (cryptography, lxml) only
when a document is sent, python-stdnum only when a NIT is checked. Checked in a fresh
interpreter, as a start sees it."""

from __future__ import annotations

import json
import subprocess
import sys

LATER = ("alembic", "cryptography", "lxml", "stdnum")


def imported_by(module: str) -> list[str]:
    code = (f"import json, sys; import {module}; "
            f"print(json.dumps(sorted(m for m in {LATER!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_building_the_application_leaves_migrations_and_signing_for_later() -> None:
    assert imported_by("kiosk.app_factory") == []


def test_the_migration_runner_imports_alembic_only_to_migrate() -> None:
    assert imported_by("db.migrate") == []


def test_a_nit_is_still_checked_when_stdnum_comes_late() -> None:
    code = ("import sys; from kiosk.core.fiscal import check_nit, nit_check_digit; "
            "assert 'stdnum' not in sys.modules; check_nit('900373076', '4', 'x'); "
            "print(nit_check_digit('900373076'), 'stdnum' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["4", "True"]
