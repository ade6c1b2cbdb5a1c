"""Entry point of ``kiosk-admin``. Each command group lives in its own module with a
``register(subparsers)`` function; commands call services, never SQL or widgets.

Start-up time matters (every command on a Pi used to take 4-6 s to start): running a
command imports only the module that registers it (COMMANDS), and the command modules
keep the database layer, pydantic, python-escpos and the services out of their
top-level imports and load them inside the command that needs them. tests/cli/test_admin_start.py keeps it that way."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kiosk import __version__, journal_logging
from kiosk.cli.common import EXIT_FAIL, EXIT_USAGE, CommandError, hand_back
from kiosk.core.errors import DomainError
from kiosk.services import audit_origin

# Which module registers each command. Building the parser for one command imports
# only that command's module (``kiosk-admin status`` loads maintenance_commands alone);
# ``--help``, no command or an unknown one build the whole parser, so the help lists
# every command. tests/cli/test_admin_start.py checks this table against register().
COMMANDS: dict[str, str] = {
    "migrate": "kiosk.cli.db_commands", "demo-data": "kiosk.cli.db_commands", "config": "kiosk.cli.db_commands",
    "sales": "kiosk.cli.sales_commands",
    "returns": "kiosk.cli.returns_commands",
    "bench": "kiosk.cli.bench_command",
    "products": "kiosk.cli.products_commands",
    "stock": "kiosk.cli.stock_commands",
    **dict.fromkeys(["backup", "backups", "restore", "status", "logs", "udev-rules", "kivy-config", "upgrade",
                     "release"], "kiosk.cli.maintenance_commands"),
    **dict.fromkeys(["users", "set-pin", "permissions", "audit"], "kiosk.cli.staff_commands"),
    **dict.fromkeys(["selftest", "printer", "scanner", "drawer", "display"], "kiosk.cli.hardware_commands"),
    "scale": "kiosk.cli.scale_commands", "barcode": "kiosk.cli.scale_commands",
    "dian": "kiosk.cli.dian_commands",
    "customers": "kiosk.cli.customers_commands",
    "numbering": "kiosk.cli.numbering_commands",
    "till": "kiosk.cli.till_commands",
    "server": "kiosk.cli.sync_commands", "sync": "kiosk.cli.sync_commands",
    "report": "kiosk.cli.report_commands",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))  # the order of the help


def command_of(argv: list[str]) -> str | None:
    """The command word in ``argv`` (the first word that is neither an option nor the
    value of ``--config``), or None."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--config":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only ``command``'s module's commands when it
    is a known command (the one being run)."""
    parser = argparse.ArgumentParser(prog="kiosk-admin", description="Point-of-sale kiosk administration")
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_of(argv))
    args = parser.parse_args(argv)
    journal_logging.configure(logging.INFO if args.verbose else logging.WARNING,
                              fmt="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from kiosk.config import ConfigError

    try:
        with audit_origin.origin(audit_origin.cli_origin()):  # audit rows written by this command say so
            return int(args.func(args) or 0)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except (DomainError, CommandError) as exc:
        # A staff edit the shop server could not take says so in English, with the
        # server's answer (kiosk/services/sync_edits.py).
        technician = getattr(exc, "technician", None)
        print(f"error: {technician() if technician else exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    finally:
        hand_back()


if __name__ == "__main__":
    sys.exit(main())
