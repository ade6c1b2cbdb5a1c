"""kiosk-admin dian hash | certificate | fake-server | documents list|show | xml | send | test-set

``documents`` lists the outbox to DIAN (each document's state, DIAN's rule codes)
and shows one document's way (signed, sent, answered); ``xml`` writes a document's
signed XML; ``send`` sends what waits now (``--all``: rejected ones too, built and
signed again) or one document; ``test-set`` sends documents to DIAN's enablement
test set. ``hash`` recomputes a CUFE/CUDE from the values of a document's XML (a technician
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

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, print_table, services, settings
from kiosk.formatting import to_local

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
    register_outbox(dsub)


def register_outbox(dsub: argparse._SubParsersAction) -> None:
    d = dsub.add_parser("documents", help="fiscal documents on their way to DIAN")
    ds = d.add_subparsers(dest="documents_command", metavar="ACTION", required=True)
    ls = ds.add_parser("list", help="the outbox: each document's state, attempts and DIAN's rule codes")
    ls.add_argument("--state", choices=("waiting", *STATE_CHOICES), help="only documents in this state")
    ls.add_argument("--limit", type=int, default=None, help="at most this many (oldest first)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_documents_list)
    sh = ds.add_parser("show", help="one document's way to DIAN: signed, sent, DIAN's answers")
    sh.add_argument("document", metavar="PREFIXNUMBER", help="as printed, e.g. CJ1-15")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_documents_show)

    x = dsub.add_parser("xml", help="write a document's signed XML (as sent to DIAN) to a file")
    x.add_argument("document", metavar="PREFIXNUMBER")
    x.add_argument("--out", type=Path, required=True, help="file to write ('-': standard output)")
    x.set_defaults(func=cmd_xml)

    se = dsub.add_parser("send", help="send the waiting documents now (in order), or one document")
    se.add_argument("document", metavar="PREFIXNUMBER", nargs="?", help="only this one (a rejected one is rebuilt)")
    se.add_argument("--all", action="store_true", help="rejected documents too: build, sign and send them again")
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_send)

    t = dsub.add_parser("test-set", help="send documents to DIAN's enablement test set (SendTestSetAsync)")
    t.add_argument("--test-set-id", required=True, help="the TestSetId DIAN gave the software")
    t.add_argument("documents", metavar="PREFIXNUMBER", nargs="*",
                   help="documents to send (default: every document of this till, oldest first)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_test_set)


STATE_CHOICES = ("built", "signed", "sent", "accepted", "rejected", "contingency")


def _age(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def cmd_documents_list(args: argparse.Namespace) -> int:
    app = services(args)
    entries = app.dian.entries(args.state, limit=args.limit)
    summary = app.dian.summary()
    if args.json:
        print_json({"summary": summary.as_dict(), "documents": [e.as_dict() for e in entries]})
        return EXIT_OK
    print_table(("document", "kind", "issued", "state", "tries", "DIAN rules / last error"),
                [(e.document_number, e.kind.value, to_local(e.issued_at).strftime("%Y-%m-%d %H:%M"), e.state,
                  e.attempts, (e.rule_codes + " " + e.last_error).strip()[:70]) for e in entries], right=(4,))
    print()
    print(status_line(summary.as_dict()))
    return EXIT_OK


def cmd_documents_show(args: argparse.Namespace) -> int:
    app = services(args)
    entry = app.dian.entry(args.document)
    exchanges = app.dian.exchanges(entry.document_id)
    if args.json:
        print_json({**entry.as_dict(), "exchanges": [x.as_dict() for x in exchanges]})
        return EXIT_OK
    print(f"document  {entry.document_number} (type {entry.kind.value})")
    print(f"state     {entry.state}" + (f" ({entry.attempts} sendings)" if entry.attempts else ""))
    if entry.document_key:
        print(f"key       {entry.document_key}")
    if entry.rule_codes or entry.last_error:
        print(f"problem   {entry.rule_codes} {entry.last_error}".rstrip())
    if entry.next_attempt_at and entry.waiting:
        print(f"next try  {to_local(entry.next_attempt_at):%Y-%m-%d %H:%M:%S}")
    for x in exchanges:
        extra = " ".join(p for p in (x.file_name, f"HTTP {x.http_status}" if x.http_status else "",
                                     x.status_code and f"status {x.status_code}", x.rule_codes, x.message) if p)
        print(f"  {to_local(x.at):%Y-%m-%d %H:%M:%S}  {x.state:<11} {extra}".rstrip())
    return EXIT_OK


def cmd_xml(args: argparse.Namespace) -> int:
    app = services(args)
    entry = app.dian.entry(args.document)
    xml = app.dian.signed_xml(entry.document_id)
    if xml is None:
        raise CommandError(f"{entry.document_number} is not signed yet (state {entry.state}): "
                           "kiosk-admin dian send signs and sends it")
    if str(args.out) == "-":
        sys.stdout.buffer.write(xml)
    else:
        try:
            args.out.write_bytes(xml)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"{entry.document_number}: {len(xml)} bytes written to {args.out}")
    return EXIT_OK


def cmd_send(args: argparse.Namespace) -> int:
    app = services(args)
    if not app.fiscal.on:
        raise CommandError("the fiscal profile is off ([fiscal] country): there is nothing to send to DIAN")
    outbox = app.dian
    if args.document:
        report = outbox.resend(args.document)
    else:
        rejected = [e.document_id for e in outbox.entries("rejected")] if args.all else []
        for doc_id in rejected:
            outbox.mark_for_resend(doc_id)
        report = outbox.process(force=True)
    if args.json:
        print_json({**report.as_dict(), "summary": outbox.summary().as_dict()})
    else:
        for label, numbers in (("accepted", report.accepted), ("rejected", report.rejected),
                               ("no answer", report.waiting)):
            if numbers:
                print(f"{label}: {' '.join(numbers)}")
        if report.problem:
            print(f"PROBLEM: {report.problem}")
        if not (report.accepted or report.rejected or report.waiting or report.problem):
            print("nothing to send")
        print(status_line(outbox.summary().as_dict()))
    return EXIT_FAIL if (report.problem or report.rejected or report.waiting) else EXIT_OK


def cmd_test_set(args: argparse.Namespace) -> int:
    app = services(args)
    numbers = args.documents or [e.document_number for e in app.dian.entries()]
    if not numbers:
        raise CommandError("no fiscal documents yet: make the test set's sales first")
    results = []
    for number in numbers:
        answer = app.dian.send_test_set(number, args.test_set_id)
        results.append({"document": number, "outcome": answer.outcome.value, "track_id": answer.track_id,
                        "rules": [f"{m.code} {m.text}".strip() for m in answer.messages], "detail": answer.detail})
    if args.json:
        print_json(results)
    else:
        for r in results:
            print(f"{r['document']}: {r['outcome']} {r['track_id']} {'; '.join(r['rules'])} {r['detail']}".rstrip())
    return EXIT_OK if all(r["outcome"] in ("pending", "accepted") for r in results) else EXIT_FAIL


def status_line(summary: dict) -> str:
    """One line for ``kiosk-admin status`` and ``dian documents list``."""
    parts = [f"{summary['waiting']} waiting"]
    if summary["waiting"]:
        parts.append(f"oldest {_age(summary['oldest_age_hours'])}")
    if summary["overdue"]:
        parts.append(f"{summary['overdue']} OVERDUE (over 48 h)")
    if summary["rejected"]:
        parts.append(f"{summary['rejected']} rejected")
    if summary["contingency"]:
        parts.append(f"CONTINGENCY since {summary['contingency_since']}")
    if summary.get("problem"):
        parts.append(f"PROBLEM: {summary['problem']}")
    return "DIAN: " + ", ".join(parts)


def cmd_hash(args: argparse.Namespace) -> int:
    from kiosk.core.fiscal import hash_fields_from_values  # lazy: python-stdnum and the fiscal rules

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
