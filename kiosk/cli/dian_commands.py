"""kiosk-admin dian hash | certificate | fake-server

``hash`` recomputes a CUFE/CUDE from the values of a document's XML (a technician
diagnosing "CUFE no coincide" compares the printed input with DIAN's);
``certificate`` checks the signing certificate; ``fake-server`` runs the fake DIAN
web service on 127.0.0.1 for the demo and for trying a till's configuration."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, settings
from kiosk.core.fiscal import hash_fields_from_values

_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}-05:00$")


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected an amount such as 1500000.00, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"expected an amount such as 1500000.00, got {text!r}")
    return value


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _time(text: str) -> str:
    if not _TIME.match(text):
        raise argparse.ArgumentTypeError(f"expected HH:MM:SS-05:00 as in the XML's IssueTime, got {text!r}")
    return text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dian", help="DIAN electronic documents: CUFE/CUDE, certificate, fake service")
    dsub = p.add_subparsers(dest="dian_command", metavar="ACTION", required=True)

    h = dsub.add_parser("hash", help="compute a CUFE or CUDE from a document's values and show its input")
    h.add_argument("--kind", choices=("cufe", "cude"), required=True,
                   help="cufe: invoice, --key is the range's technical key; cude: POS document or note, --key is the PIN")
    h.add_argument("--number", required=True, help="cbc:ID, prefix and number (e.g. SETP990000002)")
    h.add_argument("--date", type=_date, required=True, help="cbc:IssueDate, YYYY-MM-DD")
    h.add_argument("--time", type=_time, required=True, help="cbc:IssueTime, HH:MM:SS-05:00")
    h.add_argument("--subtotal", type=_amount, required=True, help="LegalMonetaryTotal/LineExtensionAmount")
    h.add_argument("--iva", type=_amount, default=Decimal(0), help="IVA (tax 01) amount, default 0.00")
    h.add_argument("--inc", type=_amount, default=Decimal(0), help="INC (tax 04) amount, default 0.00")
    h.add_argument("--ica", type=_amount, default=Decimal(0), help="ICA (tax 03) amount, default 0.00")
    h.add_argument("--total", type=_amount, required=True, help="LegalMonetaryTotal/PayableAmount")
    h.add_argument("--seller-nit", required=True, help="seller's NIT without check digit")
    h.add_argument("--buyer-id", required=True, help="buyer's id number (222222222222 for consumidor final)")
    h.add_argument("--key", required=True, help="technical key (CUFE) or software PIN (CUDE)")
    h.add_argument("--environment", choices=("1", "2"), required=True, help="1 production, 2 testing")
    h.add_argument("--json", action="store_true")
    h.set_defaults(func=cmd_hash)

    c = dsub.add_parser("certificate", help="check the signing certificate (PKCS#12 and password file)")
    c.add_argument("--p12", type=Path, help="default: [dian] certificate")
    c.add_argument("--password-file", type=Path, help="default: [dian] certificate_password_file")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_certificate)

    fs = dsub.add_parser("fake-server", help="run the fake DIAN web service on 127.0.0.1 (demo, tests)")
    fs.add_argument("--port", type=int, default=8099, help="TCP port (0: any free port); default 8099")
    fs.add_argument("--pin", required=True, help="software PIN the CUDEs are made with")
    fs.add_argument("--technical-key", action="append", default=[], metavar="RESOLUTION=KEY",
                    help="technical key of a numbering resolution, for CUFEs (repeatable)")
    fs.add_argument("--schemas", type=Path, help="UBL 2.1 XSD folder (default: found as [dian] schema_dir)")
    fs.set_defaults(func=cmd_fake_server)


def cmd_hash(args: argparse.Namespace) -> int:
    fields = hash_fields_from_values(number=args.number, issue_date=args.date, issue_time=args.time,
                                     subtotal=args.subtotal, iva=args.iva, inc=args.inc, ica=args.ica,
                                     total=args.total, seller_nit=args.seller_nit, buyer_id=args.buyer_id,
                                     key=args.key, environment=args.environment)
    if args.json:
        print_json({"kind": args.kind, "input": fields.input(), "hash": fields.hash()})
    else:
        print(f"input: {fields.input()}")
        print(f"{args.kind}: {fields.hash()}")
    return EXIT_OK


def cmd_certificate(args: argparse.Namespace) -> int:
    from kiosk.fiscal.certificate import certificate_report

    p12, password = args.p12, args.password_file
    if p12 is None or password is None:
        conf = settings(args).dian
        p12 = p12 or conf.certificate
        password = password or conf.certificate_password_file
    if p12 is None or password is None:
        raise CommandError("no certificate: pass --p12 and --password-file or set [dian] certificate "
                           "and certificate_password_file")
    report = certificate_report(p12, password)
    if args.json:
        print_json({"ok": report.ok, "problem": report.problem, "subject": report.subject, "issuer": report.issuer,
                    "serial": report.serial, "not_before": report.not_before, "not_after": report.not_after,
                    "days_left": report.days_left, "expires_soon": report.expires_soon})
    else:
        if report.subject:
            print(f"subject   {report.subject}")
            print(f"issuer    {report.issuer}")
            print(f"serial    {report.serial}")
            print(f"valid     {report.not_before:%Y-%m-%d} to {report.not_after:%Y-%m-%d} ({report.days_left} days left)")
        print("OK" if report.ok else f"PROBLEM: {report.problem}")
        if report.ok and report.expires_soon:
            print("WARNING: the certificate expires soon: order its renewal")
    return EXIT_OK if report.ok else EXIT_FAIL


def _technical_keys(pairs: list[str]) -> dict[str, str]:
    keys = {}
    for pair in pairs:
        resolution, sep, key = pair.partition("=")
        if not sep or not resolution or not key:
            raise CommandError(f"--technical-key: expected RESOLUTION=KEY, got {pair!r}")
        keys[resolution] = key
    return keys


def cmd_fake_server(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError
    from kiosk.fiscal.fake_dian import FakeDian
    from kiosk.fiscal.schemas import UblValidator

    configured = args.schemas
    if configured is None:
        try:
            configured = settings(args).dian.schema_dir
        except ConfigError:  # the fake also runs beside a kiosk whose configuration is broken
            configured = None
    validator = UblValidator.find(configured)
    fake = FakeDian(software_pin=args.pin, technical_keys=_technical_keys(args.technical_key), validator=validator,
                    port=args.port)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        fake.start()
        print(fake.url, flush=True)
        print(f"fake DIAN service on {fake.url} (schemas {validator.directory}); "
              f"control: {fake.url.rsplit('/', 1)[0]}/control; Ctrl-C to stop", file=sys.stderr, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        fake.stop()
    return EXIT_OK
