"""kiosk/core must stay pure: importing all of it pulls in no UI, ORM or device library."""

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ["kivy", "sqlalchemy", "serial", "escpos", "gpiozero", "evdev", "alembic", "lxml", "cryptography", "signxml"]


def test_core_imports_no_framework_or_device_library():
    core = Path(__file__).resolve().parents[2] / "kiosk" / "core"
    modules = sorted(f"kiosk.core.{p.stem}" for p in core.glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=core.parents[1])
    assert len(modules) >= 10
    assert out.stdout.strip() == "", f"kiosk.core imported: {out.stdout.strip()}"
