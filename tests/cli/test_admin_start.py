"""kiosk-admin starts fast (issue 18: 4.5-6.5 s per command on a Pi): building its
parser, and so ``kiosk-admin --help``, loads no database layer, configuration models,
printer library or UI. Checked by what is imported, never by timing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_the_command_table_names_every_command_its_module_registers():
    import argparse
    import importlib

    from kiosk.cli.main import COMMAND_MODULES, COMMANDS

    registered = {}
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == COMMANDS


def test_a_command_loads_only_the_module_that_registers_it():
    from kiosk.cli.main import command_of

    assert command_of(["--config", "status", "-v", "status", "--json"]) == "status"
    assert command_of(["--config=x.toml", "products", "import", "a.csv"]) == "products"
    assert command_of(["--help"]) is None
    modules = _modules_after("from kiosk.cli.main import build_parser\n"
                             "args = build_parser('status').parse_args(['status', '--json'])\n"
                             "assert args.json and args.func.__name__ == 'cmd_status'")
    cli = sorted(m for m in modules if m.startswith("kiosk.cli.") and m.endswith("_commands"))
    assert cli == ["kiosk.cli.maintenance_commands"]


def test_an_unknown_command_is_refused_with_the_list_of_every_command():
    out = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "stauts"], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 2
    assert "invalid choice: 'stauts'" in out.stderr and "'status'" in out.stderr and "'till'" in out.stderr


def test_help_prints_every_command_without_loading_the_application():
    code = ("import contextlib, io\nfrom kiosk.cli.main import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):\n    main(['--help'])\n"
            "assert 'status' in buf.getvalue() and 'products' in buf.getvalue(), buf.getvalue()")
    assert _heavy(_modules_after(code)) == []


def test_python_escpos_reads_its_printer_database_from_a_kept_cache(tmp_path):
    """The parsed capabilities are pickled once in the kiosk's cache folder (python-escpos
    would otherwise parse its JSON with PyYAML at every start, in a new temp folder), and
    no empty folder is left in the temporary folder (python-escpos makes one at import
    even when told where its pickle is)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "CACHE_DIRECTORY": str(tmp_path / "cache"),
           "TMPDIR": str(tmp)}
    code = ("import os\nimport hardware.printer.text\n"
            "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])")
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                             env=env)
    folder = Path(out.stdout.strip())
    assert folder == tmp_path / "cache" / "escpos"  # the service's CacheDirectory=
    assert [p.name.endswith(".capabilities.pickle") for p in folder.iterdir()] == [True]
    assert list(tmp.iterdir()) == []
    from hardware.printer.text import profile_names
    assert "default" in profile_names()


STATUS_HEAVY = ["sqlalchemy", "alembic", "escpos", "kivy", "PIL", "serial", "evdev", "gpiozero", "lxml",
                "cryptography", "signxml", "fpdf", "stdnum", "db.engine", "db.models", "db.migrate",
                "hardware.printer", "kiosk.core.receipt", "kiosk.app_factory", "kiosk.services.printing"]


def test_status_reads_the_database_without_alembic_sqlalchemy_or_the_receipt_renderer(app):
    """``kiosk-admin status`` (admin_start_s) reads the schema revision, the print queue
    and the PINs with sqlite3, and the newest revision from the migration files; the
    default printer settings are not rendered into a sample receipt at every start."""
    app.close()
    code = ("import contextlib, io, os, sys\nfrom kiosk.cli.main import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n    rc = main(['status', '--json'])\n"
            "import json\nst = json.loads(buf.getvalue())\n"
            "info = st['database_info']\n"
            "assert rc == 0 and info['schema'] == info['schema_head'] and info['integrity'] == 'ok', st\n"
            "assert st['print_queue_pending'] == 0, st")
    env = {"HOME": str(app.state_dir), "PATH": "/usr/bin:/bin", "STATE_DIRECTORY": str(app.state_dir)}
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    modules = set(out.stdout.split())
    assert sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in STATUS_HEAVY)) == []


def test_the_newest_revision_read_from_the_files_is_alembics():
    from db.heads import head_from_files
    from db.migrate import alembic_head, head_revision

    assert head_from_files() == alembic_head() == head_revision()


def test_the_files_reader_leaves_a_branched_history_to_alembic(tmp_path):
    from db.heads import head_from_files

    for name, rev, down in [("a.py", "a1", None), ("b.py", "b1", "a1"), ("c.py", "c1", "a1")]:
        (tmp_path / name).write_text(f'revision = "{rev}"\ndown_revision = {down!r}\n')
    assert head_from_files(tmp_path) is None
    (tmp_path / "c.py").write_text('revision = "c1"\ndown_revision = "b1"\n')
    assert head_from_files(tmp_path) == "c1"


def test_the_translations_are_compiled_once_and_read_from_the_cache(tmp_path):
    """The .po files are parsed with Babel only when the cache has no compilation of
    them (40-100 ms at every start otherwise); the cached catalog translates the same."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "CACHE_DIRECTORY": str(tmp_path / "cache")}
    code = ("import sys\nfrom kiosk import i18n\ncat = i18n._load_catalog('es')\n"
            "print(cat.gettext('wrong check digit'), cat.ngettext('{n} sale', '{n} sales', 2))\n"
            "print('babel.messages.pofile' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env=env).stdout.splitlines() for _ in range(2)]
    assert runs[0][1] == "True" and runs[1][1] == "False"  # parsed the first time only
    assert runs[0][0] == runs[1][0] and runs[0][0].startswith("dígito de control incorrecto")
    assert [p.suffix for p in (tmp_path / "cache" / "i18n").iterdir()] == [".mo"]


def test_status_still_reports_a_damaged_database(app):
    """status runs SQLite's quick check (the full one took seconds at 100k products):
    pages overwritten in the middle of the file are still reported, not "ok"."""
    from kiosk.services.maintenance import MaintenanceService

    path = app.db.path
    raw = app.db.raw_connection()  # enough pages that the damage lands inside a table
    raw.execute("CREATE TABLE filler(x TEXT)")
    raw.execute("INSERT INTO filler SELECT hex(randomblob(200)) FROM (WITH RECURSIVE n(i) AS"
                " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) SELECT i FROM n)")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    app.close()
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(b"\x0d" + b"\xff" * 8000)
    info = MaintenanceService(app.settings).status()["database_info"]
    assert info["integrity"] != "ok" and info["integrity"]


@pytest.mark.skipif(os.geteuid() != 0, reason="what root may cache")
def test_root_caches_translations_in_its_own_home_only_and_never_a_pickle():
    import pwd

    from hardware.printer.capabilities import cache_dir

    home = pwd.getpwuid(0).pw_dir
    assert cache_dir({"HOME": home}, sub="i18n", data_only=True) == Path(home) / ".cache" / "kiosk" / "i18n"
    assert cache_dir({"HOME": "/home/someone"}, sub="i18n", data_only=True) is None  # sudo kept a user's HOME
    assert cache_dir({"HOME": home}) is None  # python-escpos's pickle: code, not for root


@pytest.mark.skipif(os.geteuid() != 0, reason="root's own path")
def test_root_reads_the_printer_database_without_yaml_and_leaves_nothing_behind(tmp_path):
    """As root (no cache folder) the database is still read from a pickle written with
    the json module, in a private folder removed at once; the variable pointing at it
    is not inherited by child processes."""
    import pwd

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"HOME": pwd.getpwuid(0).pw_dir, "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp)}
    code = ("import os, yaml\n"
            "def refuse(*a, **k):\n    raise AssertionError('parsed with PyYAML')\n"
            "yaml.safe_load = refuse\n"
            "import hardware.printer.text as t\n"
            "assert 'default' in t.profile_names() and t.for_printer('default', 'CP850').codepage == 'CP850'\n"
            "print(os.environ.get('ESCPOS_CAPABILITIES_PICKLE_DIR', '-'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "-"
    assert list(tmp.iterdir()) == []
