"""kiosk-admin starts fast (issue 18: 4.5-6.5 s per command on a Pi): building its
parser, and so ``kiosk-admin --help``, loads no database layer, configuration models,
printer library or UI. Checked by what is imported, never by timing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["sqlalchemy", "alembic", "escpos", "kivy", "pydantic", "PIL", "serial", "evdev", "gpiozero", "lxml",
         "cryptography", "signxml", "fpdf", "db", "kiosk.config", "kiosk.app_factory", "kiosk.services.audit"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_the_parser_of_every_command_loads_nothing_heavy():
    modules = _modules_after("from kiosk.cli.main import build_parser\nbuild_parser()")
    assert "kiosk.cli.maintenance_commands" in modules and "kiosk.cli.stock_commands" in modules
    assert _heavy(modules) == []


def test_help_prints_every_command_without_loading_the_application():
    code = ("import contextlib, io\nfrom kiosk.cli.main import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):\n    main(['--help'])\n"
            "assert 'status' in buf.getvalue() and 'products' in buf.getvalue(), buf.getvalue()")
    assert _heavy(_modules_after(code)) == []


def test_python_escpos_reads_its_printer_database_from_a_kept_cache(tmp_path):
    """The parsed capabilities are pickled once in the kiosk's cache folder (python-escpos
    would otherwise parse its JSON with PyYAML at every start, in a new temp folder)."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "CACHE_DIRECTORY": str(tmp_path / "cache")}
    code = ("import os\nimport hardware.printer.text\n"
            "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])")
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                             env=env)
    folder = Path(out.stdout.strip())
    assert folder == tmp_path / "cache" / "escpos"  # the service's CacheDirectory=
    assert [p.name.endswith(".capabilities.pickle") for p in folder.iterdir()] == [True]
    from hardware.printer.text import profile_names
    assert "default" in profile_names()
