"""kiosk-admin selftest | printer test|status|queue|retry|cancel|preview | scanner listen | drawer open|status

Technician tools for the devices. ``selftest`` and ``scanner listen`` open the
devices themselves, so the kiosk should be stopped first (a grabbed scanner or an
open serial port cannot be shared); they refuse while the kiosk runs unless --force.
"""

from __future__ import annotations

import argparse
import getpass
import json
import select
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CommandError, print_json, print_table, services, settings
from kiosk.core.permissions import Act

# The device modules (python-escpos, pyserial, evdev, Pillow) are imported by the
# commands that use them, not here: kiosk-admin's start-up time (kiosk/cli/main.py).


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("selftest", help="check every configured device; non-zero exit on any failure")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scan-wait", type=float, default=5.0, metavar="S", help="seconds to wait for a scan (5)")
    p.add_argument("--require-scan", action="store_true", help="fail a scanner that reads no code in the wait")
    p.add_argument("--simulated", action="store_true",
                   help="run against simulated devices (printer on 127.0.0.1, pty scanner, mock GPIO)")
    p.add_argument("--led-seconds", type=float, default=2.0, metavar="S", help="how long the LED blinks (2)")
    p.add_argument("--force", action="store_true", help="run even while the kiosk is running")
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("printer", help="receipt printer and print queue")
    psub = p.add_subparsers(dest="printer_command", metavar="ACTION", required=True)
    t = psub.add_parser("test", help="print a test ticket (shop name, accents, barcode, QR)")
    t.add_argument("--url", help="tcp://HOST:9100, serial:///dev/ttyUSB0?baudrate=19200, usb://04b8:0202, "
                                 "file:///dev/usb/lp0 (default: the configured printer)")
    t.add_argument("--profile", help="python-escpos printer profile (default: configured)")
    t.add_argument("--width", type=int, choices=(58, 80), help="paper width in mm (default: configured)")
    t.add_argument("--status-query", choices=("auto", "on", "off"), help="DLE EOT status (default: configured)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_printer_test)
    st = psub.add_parser("status", help="printer status (DLE EOT) and print queue")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_printer_status)
    q = psub.add_parser("queue", help="list print jobs")
    q.add_argument("--status", choices=("pending", "sending", "printed", "interrupted", "cancelled"))
    q.add_argument("--limit", type=int, default=20)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_printer_queue)
    r = psub.add_parser("retry", help="print an interrupted or cancelled job again")
    r.add_argument("job", type=int)
    r.set_defaults(func=cmd_printer_retry)
    c = psub.add_parser("cancel", help="discard a pending or interrupted job")
    c.add_argument("job", type=int)
    c.set_defaults(func=cmd_printer_cancel)
    pv = psub.add_parser("preview", help="show a print job as text (and optionally a PNG)")
    pv.add_argument("job", type=int, nargs="?", help="job id (default: the newest)")
    pv.add_argument("--png", type=Path, metavar="PATH", help="also write the picture of the paper here")
    pv.set_defaults(func=cmd_printer_preview)

    p = sub.add_parser("scanner", help="barcode scanners")
    ssub = p.add_subparsers(dest="scanner_command", metavar="ACTION", required=True)
    ls = ssub.add_parser("listen", help="print every code read, its symbology and check-digit verdict")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.add_argument("--seconds", type=float, help="stop after this long")
    ls.add_argument("--count", type=int, help="stop after this many codes")
    ls.add_argument("--force", action="store_true", help="run even while the kiosk is running")
    ls.set_defaults(func=cmd_scanner_listen)

    p = sub.add_parser("drawer", help="cash drawer")
    dsub = p.add_subparsers(dest="drawer_command", metavar="ACTION", required=True)
    o = dsub.add_parser("open", help="open the drawer (manager PIN; recorded)")
    o.add_argument("--pin", help="manager PIN (asked for when missing)")
    o.set_defaults(func=cmd_drawer_open)
    ds = dsub.add_parser("status", help="drawer switch (when a sensor is configured)")
    ds.add_argument("--json", action="store_true")
    ds.set_defaults(func=cmd_drawer_status)

    from hardware.pole.protocols import NAMES as POLE_NAMES

    p = sub.add_parser("display", help="customer pole display (2x20)")
    vsub = p.add_subparsers(dest="display_command", metavar="ACTION", required=True)
    vt = vsub.add_parser("test", help="show a test screen (alignment, accents) on the pole display")
    vt.add_argument("--port", help="serial port (default: [customer_display] port)")
    vt.add_argument("--protocol", choices=POLE_NAMES, help="command set (default: [customer_display] protocol)")
    vt.add_argument("--baudrate", type=int, help="default: [customer_display] baudrate (9600)")
    vt.add_argument("--line1", help="upper line instead of the test screen")
    vt.add_argument("--line2", help="lower line instead of the test screen")
    vt.add_argument("--force", action="store_true", help="even while the kiosk runs and holds the display")
    vt.add_argument("--json", action="store_true")
    vt.set_defaults(func=cmd_display_test)


def _refuse_if_kiosk_runs(s, force: bool) -> None:  # noqa: ANN001
    from hardware.manager import SNAPSHOT_NAME
    from hardware.registry import read_snapshot

    snap = read_snapshot(Path(s.state_dir) / SNAPSHOT_NAME)
    if snap and snap.get("running") and not force:
        raise CommandError(f"the kiosk is running (pid {snap['pid']}) and holds the devices: stop it first "
                           "(sudo systemctl stop kiosk) or use --force")


# --- selftest --------------------------------------------------------------------------------

def cmd_selftest(args: argparse.Namespace) -> int:
    from hardware.selftest import run_selftest

    s = settings(args)
    sims = []
    answer = None  # the simulated scanner's "person", who scans when asked to
    if args.simulated:
        s, sims, answer = _simulated(s)
    else:
        _refuse_if_kiosk_runs(s, args.force)
    show = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.json else (lambda _m: None)

    def say(message: str) -> None:
        show(message)
        if answer is not None:
            answer(message)

    try:
        checks = run_selftest(s, scan_wait_s=args.scan_wait, require_scan=args.require_scan,
                              led_s=args.led_seconds, progress=say)
    finally:
        for sim in sims:
            sim.stop() if hasattr(sim, "stop") else sim.close()
    checks.extend(_dian_certificate(s))
    failed = [c for c in checks if c.failed]
    if args.json:
        print_json({"ok": not failed, "checks": [c.__dict__ for c in checks]})
    else:
        print_table(["device", "result", "detail"], [(c.device, c.result.upper(), c.detail) for c in checks])
        print(f"{len(failed)} failed" if failed else "all configured devices passed")
    return EXIT_FAIL if failed else EXIT_OK


def _dian_certificate(s) -> list:  # noqa: ANN001 - hardware.selftest.Check
    """The DIAN signing certificate, when the fiscal profile is on: expired, not yet
    valid or unreadable fails the selftest (documents wait until it is put right)."""
    from hardware.selftest import Check
    from kiosk.fiscal.certificate import configured_certificate_problem

    found = configured_certificate_problem(s.fiscal.on, s.dian.certificate, s.dian.certificate_password_file)
    if found is None:
        return []
    return [Check("dian certificate", "certificate", found[0], found[1])]


def _simulated(s):  # noqa: ANN001, ANN202
    """Settings that use simulators: printer on 127.0.0.1, a pty scanner that scans a
    code when the selftest asks for one (``answer``, given the progress messages), a
    simulated scale, an Epson pole display on a pty, mock GPIO pins."""
    from hardware.settings import ScannerDevice
    from hardware.printer.simulator import SimPrinter
    from hardware.sim_scanner import SimSerialScanner
    from hardware.printer.test_ticket import TEST_EAN
    from hardware.pole.simulator import SimPoleDisplay
    from hardware.selftest import SCAN_PROMPT

    printer = SimPrinter(drawer_close_after_s=3).start()
    pole = SimPoleDisplay("epson").start()
    scanner = SimSerialScanner()

    def answer(message: str) -> None:
        # Scan when the selftest asks for it, as a technician would: the scanner's port
        # is open by then. A code sent before the port is opened is lost (opening a
        # serial port discards what waits in its input buffer), so a scan on a timer
        # was lost whenever start-up took longer than the timer.
        if message.startswith(SCAN_PROMPT) and scanner.master >= 0:
            scanner.scan(TEST_EAN)
    s = s.model_copy(update={
        "printer": s.printer.model_copy(update={"url": printer.url, "status_query": "on"}),
        "drawer": s.drawer.model_copy(update={"mode": "printer", "sensor": "printer"}),
        "gpio": s.gpio.model_copy(update={"pin_factory": "mock", "led_pin": 23, "buzzer_pin": 24,
                                          "button_pin": 25}),
        "scanner": s.scanner.model_copy(update={"devices": [ScannerDevice(kind="serial", url=scanner.path)]}),
        "scale": s.scale.model_copy(update={"simulate": True}),
        "customer_display": s.customer_display.model_copy(update={"protocol": "epson", "port": pole.path}),
    })
    return s, [printer, scanner, pole], answer


# --- printer ---------------------------------------------------------------------------------

def cmd_printer_test(args: argparse.Namespace) -> int:
    from hardware.printer.receipt_printer import ReceiptPrinter
    from hardware.printer.connection import PrinterError
    from hardware.printer.test_ticket import render_test_ticket
    from kiosk.printer_url import parse_printer_url

    s = settings(args)
    url = args.url or s.printer.url
    try:
        parsed = parse_printer_url(url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if parsed.scheme == "none":
        print("error: no printer: give --url or set [printer] url", file=sys.stderr)
        return EXIT_USAGE
    from hardware.printer.receipt import receipt_layout

    width = args.width or s.printer.paper_width_mm
    layout = replace(receipt_layout(s), drawer_pin=None, profile=args.profile or s.printer.profile,
                     columns=(32 if width == 58 else 48) if args.width else s.printer.line_columns)
    payload = render_test_ticket(s.shop.name, layout, connection=str(parsed), paper_width_mm=width)
    printer = ReceiptPrinter(parsed, timeout=s.printer.timeout_s, status_query=args.status_query or s.printer.status_query)
    try:
        outcome = printer.print_job(payload)
    except PrinterError as exc:
        if args.json:
            print_json({"ok": False, "url": str(parsed), "error": str(exc), "problem": exc.problem})
        else:
            print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    status = outcome.status.describe() if outcome.status else (printer.status_note or "no status from this printer")
    if args.json:
        print_json({"ok": True, "url": str(parsed), "bytes": len(payload), "confirmed_by": outcome.confirmed_by,
                    "status": status})
    else:
        print(f"test ticket sent to {parsed} ({len(payload)} bytes, confirmed by {outcome.confirmed_by}): {status}")
    return EXIT_OK


def cmd_printer_status(args: argparse.Namespace) -> int:
    from hardware.printer.connection import PrinterError

    app = services(args)
    p = app.settings.printer
    counts = app.printing.counts()
    result = {"url": p.url, "reachable": False, "status": None, "problem": "", "error": "",
              "pending": counts.get("pending", 0), "interrupted": counts.get("interrupted", 0)}
    try:
        st = app.hardware.printer.status() if p.url != "none" else None
        result["reachable"] = p.url != "none"
        if p.url == "none":
            result["status"] = "no printer configured"
        elif st is not None:
            result.update(status=st.describe(), problem=st.problem or "", paper=st.paper,
                          drawer_pin3=st.drawer_pin3)
        else:
            result["status"] = app.hardware.printer.status_note or "no status from this printer"
    except PrinterError as exc:
        result.update(error=str(exc), problem=exc.problem)
    app.close()
    if args.json:
        print_json(result)
    else:
        state = result["error"] or result["status"] or "-"
        print(f"printer {p.url}: {state}")
        print(f"queue: {result['pending']} pending, {result['interrupted']} interrupted")
    return EXIT_OK if not result["error"] and not result["problem"] else EXIT_FAIL


def cmd_printer_queue(args: argparse.Namespace) -> int:
    app = services(args)
    jobs = app.printing.jobs(args.status, limit=args.limit)
    app.close()
    if args.json:
        print_json([j.__dict__ for j in jobs])
    else:
        print_table(["id", "created", "kind", "sale", "status", "tries", "bytes", "drawer", "last error"],
                    [(j.id, f"{j.created_at:%Y-%m-%d %H:%M:%S}", j.kind, j.sale_id or "", j.status, j.attempts,
                      j.size or "-", j.drawer, j.last_error[:50]) for j in jobs], right=(0, 5, 6))
        # "-": a sale's receipt not laid out yet (that happens when it is first sent)
    return EXIT_OK


def _change_job(args: argparse.Namespace, action: str) -> int:
    from kiosk.services.printing import JobNotFound

    app = services(args)
    try:
        getattr(app.printing, action)(args.job)
    except JobNotFound as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        app.close()
    print(f"job {args.job}: {'queued again' if action == 'retry' else 'cancelled'}")
    return EXIT_OK


def cmd_printer_retry(args: argparse.Namespace) -> int:
    return _change_job(args, "retry")


def cmd_printer_cancel(args: argparse.Namespace) -> int:
    return _change_job(args, "cancel")


def cmd_printer_preview(args: argparse.Namespace) -> int:
    from hardware.printer.decode import decode, render_png
    from kiosk.services.printing import JobNotFound

    app = services(args)
    try:
        job = args.job or app.printing.last_job_id()
        if job is None:
            raise CommandError("the print queue is empty")
        try:
            payload = app.printing.payload(job)
        except JobNotFound as exc:
            raise CommandError(str(exc)) from None
        p = app.settings.printer
        decoded = decode(payload, p.profile)
        print(f"job {job} ({len(payload)} bytes)")
        print("\n".join(decoded.text_lines(p.line_columns)))
        for k in decoded.kicks:
            print(f"[drawer kick: pin {k.pin}, {k.on_ms} ms]")
        for w in decoded.warnings:
            print(f"warning: {w}", file=sys.stderr)
        if args.png:
            args.png.write_bytes(render_png(decoded, width=384 if p.paper_width_mm == 58 else 576,
                                            columns=p.line_columns))
            print(f"picture written to {args.png}")
    finally:
        app.close()
    return EXIT_OK


# --- scanners --------------------------------------------------------------------------------

LISTEN_PROMPT = "listening on"  # on stderr once the scanners' ports are open: scan now
LISTEN_CONNECT_S = 5.0


def cmd_scanner_listen(args: argparse.Namespace) -> int:
    from hardware.events import ScanEvent
    from hardware.manager import build_scanners
    from hardware.registry import Registry
    from hardware.scan_check import verdict

    s = settings(args)
    _refuse_if_kiosk_runs(s, args.force)
    registry = Registry()
    lock = threading.Lock()
    seen = {"codes": 0}
    done = threading.Event()

    def show(record: dict, text: str) -> None:
        with lock:
            if args.json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                print(text, flush=True)

    def handler_for(name: str):  # noqa: ANN202
        def handle(event: ScanEvent) -> None:
            v = verdict(event.code, event.symbology)
            show({"device": name, **v.as_dict(), "ok": v.ok, "message": v.message()},
                 f"{v.symbology.value:8} {event.code:20} {'check OK' if v.check == 'ok' else 'CHECK DIGIT WRONG' if v.check == 'bad' else 'no check digit'}  [{name}]")
            seen["codes"] += 1
            if args.count and seen["codes"] >= args.count:
                done.set()
        return handle

    def refused(name: str, message: str) -> None:
        show({"device": name, "error": message}, f"refused: {message}  [{name}]")

    scanners = build_scanners(s.scanner, handler_for, registry, on_error=refused, usb_id=s.devices.scanner)
    for scanner in scanners:
        scanner.start()
    wedge = not scanners  # a keyboard wedge types into this terminal
    end = time.monotonic() + args.seconds if args.seconds else None
    # Say "listening" once the ports are open (a scan sent before a serial port is
    # opened is discarded with its input buffer), or after LISTEN_CONNECT_S at most.
    deadline = time.monotonic() + LISTEN_CONNECT_S
    while time.monotonic() < deadline and not all(st.connected for st in registry.all()):
        time.sleep(0.05)
    names = ", ".join(f"{st.name} ({st.info.get('type')} {st.info.get('device', '')})".strip()
                      for st in registry.all()) or "keyboard (wedge): scan into this terminal"
    print(f"{LISTEN_PROMPT} {names}; Ctrl-C to stop", file=sys.stderr, flush=True)  # stderr: --json stays JSON
    reported: dict[str, str] = {}
    try:
        while not done.is_set() and (end is None or time.monotonic() < end):
            for st in registry.all():
                if st.last_error and reported.get(st.name) != st.last_error:
                    reported[st.name] = st.last_error
                    print(f"{st.name}: {st.last_error}", file=sys.stderr, flush=True)
            if wedge:
                ready, _, _ = select.select([sys.stdin], [], [], 0.1)
                if ready:
                    line = sys.stdin.readline()
                    if not line:
                        break
                    if line.strip():
                        handler_for("wedge")(ScanEvent(line.strip(), "wedge"))
            else:
                done.wait(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        for scanner in scanners:
            scanner.stop()
    return EXIT_OK


# --- drawer ----------------------------------------------------------------------------------

def cmd_display_test(args: argparse.Namespace) -> int:
    from hardware.pole.device import PoleDisplayError, write_screen
    from hardware.pole.protocols import decode as pole_decode, encode as pole_encode, get as pole_protocol
    from kiosk.services.customer_display import fit

    s = settings(args)
    cd = s.customer_display
    port = args.port or cd.port
    name = args.protocol or (cd.protocol if cd.protocol != "none" else "")
    if not port or not name:
        raise CommandError("no customer display configured: give --port PORT --protocol epson|cd5220 "
                           "(or set [customer_display] protocol and port)")
    if port == cd.port:
        _refuse_if_kiosk_runs(s, args.force)
    protocol = pole_protocol(name)
    if args.line1 is not None or args.line2 is not None:
        lines = (args.line1 or "", args.line2 or "")
    else:
        lines = (fit(f"Visor {protocol.name}", "OK"), "áéíóú ñÑ ü ¿? ¡!  $")
    try:
        write_screen(port, protocol, lines, baudrate=args.baudrate or cd.baudrate)
    except PoleDisplayError as exc:
        raise CommandError(str(exc)) from None
    shown = tuple(pole_decode(pole_encode(line)).ljust(20) for line in lines)
    if args.json:
        print_json({"port": port, "protocol": protocol.name, "lines": list(shown)})
    else:
        print(f"sent to {port} ({protocol.title}):")
        print("+" + "-" * 20 + "+")
        for line in shown:
            print(f"|{line}|")
        print("+" + "-" * 20 + "+")
    return EXIT_OK


def cmd_drawer_open(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        pin = args.pin or getpass.getpass("manager PIN: ")
        # The PIN's owner must hold open_drawer (throttled and recorded like the till's prompt).
        user = app.users.authorize_user(pin, Act.OPEN_DRAWER)
        app.hardware.open_drawer(user)
    finally:
        app.close()
    print(f"drawer opened (by {user.name}; recorded)")
    return EXIT_OK


def cmd_drawer_status(args: argparse.Namespace) -> int:
    from hardware.printer.receipt_printer import ReceiptPrinter
    from hardware.printer.connection import PrinterError

    s = settings(args)
    d = s.drawer
    value = None
    if d.sensor == "printer" and s.printer.url != "none":
        printer = ReceiptPrinter(s.printer.url, timeout=s.printer.timeout_s, status_query=s.printer.status_query)
        try:
            st = printer.status()
            value = st.drawer_open(d.sensor_open_level) if st else None
        except PrinterError as exc:
            raise CommandError(str(exc)) from None
    elif d.sensor == "gpio":
        from hardware.gpio import Gpio, InputPin

        gpio = Gpio(s.gpio.pin_factory)
        pin = InputPin(gpio, d.sensor_pin, d.sensor_open_level)
        if not pin.available:
            gpio.close()
            raise CommandError(pin.reason)
        value = pin.active
        gpio.close()
    text = {True: "open", False: "closed", None: "unknown (no sensor)"}[value]
    if args.json:
        print_json({"sensor": d.sensor, "open": value})
    else:
        print(f"drawer: {text}")
    return EXIT_OK
