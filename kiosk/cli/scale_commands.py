"""kiosk-admin scale read | detect | simulate, and kiosk-admin barcode CODE."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from hardware.scale.protocols import NAMES as PROTOCOL_NAMES  # every registered protocol
from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, print_table, services, settings
from kiosk.core.errors import DomainError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scale", help="serial scale: read, detect, simulate")
    ssub = p.add_subparsers(dest="scale_command", metavar="ACTION", required=True)

    rd = ssub.add_parser("read", help="print one reading from the scale")
    rd.add_argument("--port", help="serial port (default: [scale] port)")
    rd.add_argument("--protocol", choices=PROTOCOL_NAMES, help="default: [scale] protocol")
    rd.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for a stable weight")
    rd.add_argument("--json", action="store_true")
    rd.set_defaults(func=cmd_read)

    dt = ssub.add_parser("detect", help="probe serial ports and name the scale protocol found")
    dt.add_argument("--port", action="append", dest="ports", metavar="PORT",
                    help="port to probe (repeatable; default: every USB/serial port but the console)")
    dt.add_argument("--json", action="store_true")
    dt.set_defaults(func=cmd_detect)

    sm = ssub.add_parser("simulate", help="run a simulated scale on a pseudo-terminal")
    sm.add_argument("--protocol", choices=PROTOCOL_NAMES, required=True)
    sm.add_argument("--weight", default="0", metavar="KG", help="weight on the scale, in kilos")
    sm.add_argument("--unit", choices=("kg", "lb", "g"), help="unit the scale reports in")
    sm.add_argument("--link", metavar="PATH", help="port path to create (a symlink to the pty)")
    sm.add_argument("--adam-model", choices=("azextra", "cpwplus", "continuous"), default="azextra",
                    help="Adam only: the model family whose commands it answers (docs/scales.md)")
    sm.set_defaults(func=cmd_simulate)

    bc = sub.add_parser("barcode", help="explain a barcode: symbology, check digit, weight/price, product")
    bc.add_argument("code")
    bc.add_argument("--json", action="store_true")
    bc.set_defaults(func=cmd_barcode)


# --- scale read ---------------------------------------------------------------------

def cmd_read(args: argparse.Namespace) -> int:
    from hardware.scale.detect import is_console
    from hardware.scale.display import format_reading, format_weight
    from hardware.scale.factory import adapter_from_settings
    from hardware.scale.reading import ScaleState

    conf = settings(args).scale
    protocol = args.protocol or (conf.protocol if conf.protocol != "none" else None)
    port = args.port or conf.port
    if not protocol:
        raise CommandError("no protocol: pass --protocol or set [scale] protocol")
    if not port:
        raise CommandError("no port: pass --port or set [scale] port")
    if is_console(port):
        raise CommandError(f"{port} is the system console port, not a scale")
    adapter = adapter_from_settings(conf, port=port, protocol=protocol)
    adapter.poll_s = min(adapter.poll_s, 0.1)
    adapter.silence_s = min(adapter.silence_s, max(0.5, args.timeout / 2))
    adapter.reconnect_s = 0.2
    adapter.want_weight()  # an on-demand scale (Adam) is asked while the command waits
    adapter.start()
    try:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if adapter.latest().state is ScaleState.STABLE:
                break
            time.sleep(0.05)
        reading = adapter.latest()
    finally:
        adapter.stop()
    if args.json:
        print_json({**reading.to_dict(), "protocol": protocol, "port": port})
    else:
        print(format_reading(reading))
        if reading.weight_known:
            print(f"gross {format_weight(reading.gross_g, reading.unit)}  "
                  f"tare {format_weight(reading.tare_g, reading.unit)}  "
                  f"net {format_weight(reading.net_g, reading.unit)}  ({reading.net_g} g)")
    return EXIT_OK if reading.state not in (ScaleState.DISCONNECTED, ScaleState.ERROR) else EXIT_FAIL


# --- scale detect -------------------------------------------------------------------

def cmd_detect(args: argparse.Namespace) -> int:
    from hardware.scale.detect import candidate_ports, detect

    ports = args.ports or candidate_ports()
    if not ports:
        if args.json:
            print_json([])
        else:
            print("no serial ports found (besides the console)")
        return EXIT_FAIL
    found = detect(ports)
    if args.json:
        print_json([d.to_dict() for d in found])
    else:
        print_table(["port", "protocol", "detail"], [(d.port, d.protocol or "-", d.detail) for d in found])
    return EXIT_OK if any(d.protocol for d in found) else EXIT_FAIL


# --- scale simulate -----------------------------------------------------------------

def cmd_simulate(args: argparse.Namespace) -> int:
    from hardware.scale.simulator import ScaleSimulator

    try:
        extra = {"adam_model": args.adam_model} if args.protocol == "adam" else {}
        sim = ScaleSimulator(args.protocol, unit=args.unit, link=args.link, **extra)
        sim.set_weight_kg(args.weight.replace(",", "."))
    except (ValueError, ArithmeticError) as exc:
        raise CommandError(f"--weight: expected kilos such as 1.25 ({exc})") from None

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # kill / systemctl stop: clean up like Ctrl-C
    try:
        path = sim.start()
        print(path, flush=True)
        print(f"{args.protocol} simulator on {path}; type 'help' for commands, Ctrl-C to stop",
              file=sys.stderr, flush=True)
        for line in sys.stdin:
            if line.strip().lower() in ("quit", "exit", "q"):
                return EXIT_OK
            reply = sim.command(line)
            if reply:
                print(reply, flush=True)
        # stdin closed (started in the background): keep serving until interrupted.
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sim.stop()
    return EXIT_OK


# --- barcode ------------------------------------------------------------------------

def explain_barcode(app, code: str) -> dict[str, object]:  # noqa: ANN001 - Services
    from kiosk.core.barcodes import Symbology, classify, gtin_check_digit
    from kiosk.core.pricing import line_total

    code = code.strip()
    info = classify(code)
    expected = None
    if info.symbology is Symbology.UPCE and info.expanded:
        expected = gtin_check_digit(info.expanded[:-1])
    elif info.symbology is not Symbology.OTHER:
        expected = gtin_check_digit(code[:-1])
    out: dict[str, object] = {
        "code": code, "symbology": info.symbology.value, "check_digit_valid": info.check_ok,
        "expected_check_digit": expected, "lookup_key": info.key, "upca": info.expanded,
        "variable": None, "product": None, "quantity_base": None, "amount_minor": None,
        "line_total_minor": None, "error": None,
    }
    measure = app.catalog.variable_measure(code)
    if measure is not None:
        out["variable"] = {"prefix": measure.prefix, "item_code": measure.item_code,
                           "kind": measure.kind.value, "value": measure.value,
                           "price_check_valid": measure.price_check_ok}
    try:
        match = app.catalog.lookup_barcode(code)
    except DomainError as exc:
        out["error"] = str(exc)
        return out
    if match is not None:
        p = match.product
        out["product"] = {"id": p.id, "sku": p.sku, "name": p.name, "sale_mode": p.sale_mode.value,
                          "uom": p.uom.value, "price_minor": p.price, "active": p.active}
        out["quantity_base"] = match.quantity
        out["amount_minor"] = match.amount
        if match.amount is not None:
            out["line_total_minor"] = match.amount
        elif match.quantity is not None:
            out["line_total_minor"] = line_total(match.quantity, p.price, p.uom)
    return out


def cmd_barcode(args: argparse.Namespace) -> int:
    from kiosk.formatting import format_quantity, format_unit_price
    from kiosk.i18n import format_money

    app = services(args)
    try:
        info = explain_barcode(app, args.code)
    finally:
        app.close()
    if args.json:
        print_json(info)
        return EXIT_OK if info["product"] else EXIT_FAIL
    print(f"code:        {info['code']}")
    print(f"symbology:   {info['symbology']}")
    if info["check_digit_valid"] is None:
        print("check digit: none (not a retail EAN/UPC code)")
    else:
        verdict = "valid" if info["check_digit_valid"] else f"WRONG (should be {info['expected_check_digit']})"
        print(f"check digit: {verdict}")
    if info["upca"]:
        print(f"as UPC-A:    {info['upca']}")
    v = info["variable"]
    if v:
        what = f"weight {v['value']} g" if v["kind"] == "weight" else f"price {format_money(v['value'])}"
        check = {None: "", True: ", price check digit valid", False: ", price check digit WRONG"}[
            v["price_check_valid"]]
        print(f"label:       prefix {v['prefix']}, item {v['item_code']}, {what}{check}")
    p = info["product"]
    if p:
        line = f"product:     {p['sku']}  {p['name']}  {format_unit_price(p['price_minor'], p['uom'])}"
        print(line + ("" if p["active"] else "  (inactive)"))
        if info["quantity_base"] is not None:
            print(f"sells:       {format_quantity(info['quantity_base'], p['uom'])} "
                  f"for {format_money(info['line_total_minor'])}")
        elif info["amount_minor"] is not None:
            print(f"sells:       {format_money(info['amount_minor'])} worth")
    elif info["error"]:
        print(f"problem:     {info['error']}")
    else:
        print("product:     none has this code")
    return EXIT_OK if p else EXIT_FAIL
