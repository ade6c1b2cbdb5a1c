"""Entry point of ``kiosk-admin``. Each command group lives in its own module with a
``register(subparsers)`` function; commands call services, never SQL or widgets.

Start-up time matters (every command on a Pi used to take 4-6 s to start): building
the parser imports only the command modules, which keep the database layer, pydantic,
python-escpos and the services out of their top-level imports and load them inside
the command that needs them. tests/cli/test_admin_start.py keeps it that way."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from kiosk import __version__, journal_logging
from kiosk.cli.common import EXIT_FAIL, EXIT_USAGE, CommandError, hand_back
from kiosk.core.errors import DomainError
from kiosk.services import audit_origin

COMMAND_MODULES = [
    "kiosk.cli.db_commands",
    "kiosk.cli.sales_commands",
    "kiosk.cli.returns_commands",
    "kiosk.cli.bench_command",
    "kiosk.cli.products_commands",
    "kiosk.cli.stock_commands",
    "kiosk.cli.maintenance_commands",
    "kiosk.cli.staff_commands",
    "kiosk.cli.hardware_commands",
    "kiosk.cli.scale_commands",
    "kiosk.cli.dian_commands",
    "kiosk.cli.customers_commands",
    "kiosk.cli.numbering_commands",
    "kiosk.cli.till_commands",
    "kiosk.cli.sync_commands",
    "kiosk.cli.report_commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-admin", description="Point-of-sale kiosk administration")
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
