"""kiosk-admin sales list | show"""

from __future__ import annotations

import argparse
import shutil
from datetime import date
from pathlib import Path

from kiosk.cli.common import EXIT_OK, CommandError, print_json, print_table, services
from kiosk.cli.returns_commands import register_sales
from kiosk.core.fiscal_shop_errors import FiscalDocumentMissing
from kiosk.core.payments import method_label
from kiosk.cli.returns_commands import sale_reference  # lazy wrapper: kiosk.core.receipt is heavy
from kiosk.formatting import format_quantity, format_unit_price, local_day_bounds, local_today
from kiosk.i18n import format_money


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sales", help="sale history")
    ssub = p.add_subparsers(dest="sales_command", metavar="ACTION", required=True)
    ls = ssub.add_parser("list", help="list sales (today by default)")
    ls.add_argument("--date", type=date.fromisoformat, help="a day, YYYY-MM-DD")
    ls.add_argument("--from", dest="start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    ls.add_argument("--to", dest="end", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    sh = ssub.add_parser("show", help="one sale in detail")
    sh.add_argument("number", type=int)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)
    pdf = ssub.add_parser("pdf", help="the sale's fiscal document (an invoice) as a PDF under <state>/invoices")
    pdf.add_argument("number", type=int)
    pdf.add_argument("--to", type=Path, metavar="DIR", help="also copy it to DIR (a USB stick)")
    pdf.add_argument("--credit-notes", action="store_true", help="also the sale's credit notes")
    pdf.add_argument("--json", action="store_true")
    pdf.set_defaults(func=cmd_pdf)
    register_sales(ssub)


KIND_TEXT = {"pos": "POS document", "contingency": "POS document (contingency)", "invoice": "electronic invoice",
             "adjustment_note": "nota de ajuste", "credit_note": "credit note"}


def cmd_list(args: argparse.Namespace) -> int:
    app = services(args)
    today = local_today()  # the shop's day ([locale] timezone), as the history screen counts it
    first = args.start or args.date or today
    last = args.end or args.date or (args.start and today) or first
    if last < first:
        raise CommandError("--to is before --from")
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    sales = app.sales.history(start, end, limit=100_000)
    if args.json:
        print_json([{"number": s.number, "time": s.created_at, "cashier": s.cashier,
                     "methods": list(s.methods), "total_minor": s.total, "status": s.status} for s in sales])
    else:
        rows = [(s.number, s.created_at.strftime("%Y-%m-%d %H:%M"), s.cashier,
                 ", ".join(method_label(m) for m in s.methods), format_money(s.total), s.status)
                for s in sales]
        print_table(["#", "time", "cashier", "paid by", "total", "status"], rows, right=(0, 4))
        print(f"{len(sales)} sales, {format_money(sum(s.total for s in sales if s.status == 'completed'))}")
    app.close()
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    app = services(args)
    d = app.sales.detail(number=args.number)
    documents = app.fiscal.for_sale(d.summary.id)
    original = documents[0].summary() if documents and not documents[0].is_credit_note else None
    returnable = app.returns.sale(args.number)
    if args.json:
        print_json({
            "number": d.number, "time": d.summary.created_at, "cashier": d.summary.cashier,
            "status": d.summary.status, "total_minor": d.total, "subtotal_minor": d.subtotal,
            "tax_minor": d.tax_total, "change_minor": d.change,
            "lines": [{"position": r.position, "sku": ln.sku, "name": ln.name, "quantity_base": ln.quantity,
                       "uom": ln.uom, "unit_price_minor": ln.unit_price, "total_minor": ln.total,
                       "tax_rate_bp": ln.tax_rate_bp, "entry": ln.entry, "returned": r.returned,
                       "returned_minor": r.returned_net}
                      for ln, r in zip(d.lines, returnable.lines)],
            "returns": [{"number": x.number, "reference": x.reference, "time": x.created_at,
                         "total_minor": x.total, "reason": x.reason, "methods": list(x.methods)}
                        for x in returnable.returns],
            "void_reason": returnable.void_reason or None,
            "payments": [{"method": p.method, "amount_minor": p.amount, "tendered_minor": p.tendered,
                          "change_minor": p.change, "reference": p.reference} for p in d.payments],
            "taxes": [{"rate_bp": t.rate_bp, "gross_minor": t.gross, "tax_minor": t.tax} for t in d.taxes],
            # the fiscal document (fiscal profile): kind, prefix, number, customer (None: consumidor final)
            "document": original,
            "credit_notes": [doc.summary() for doc in documents if doc.is_credit_note],
        })
    else:
        s = d.summary
        print(f"Sale #{s.number}  {s.created_at:%Y-%m-%d %H:%M}  {s.cashier}  [{s.status}]")
        print_table(["#", "sku", "product", "quantity", "price", "total", "returned"],
                    [(r.position, ln.sku, ln.name, format_quantity(ln.quantity, ln.uom),
                      format_unit_price(ln.unit_price, ln.uom), format_money(ln.total),
                      format_quantity(r.returned, ln.uom) if r.returned else "")
                     for ln, r in zip(d.lines, returnable.lines)],
                    right=(0, 3, 4, 5, 6))
        print(f"subtotal {format_money(d.subtotal)}  tax {format_money(d.tax_total)}  "
              f"total {format_money(d.total)}")
        for x in returnable.returns:
            print(f"return {x.reference}  {x.created_at:%Y-%m-%d %H:%M}  {format_money(x.total)}  ({x.reason})")
        if returnable.void_reason:
            print(f"voided: {returnable.void_reason}")
        for p in d.payments:
            ref = f" ref {p.reference}" if p.reference else ""
            change = f", change {format_money(p.change)}" if p.change else ""
            print(f"  {method_label(p.method)}: {format_money(p.amount)} "
                  f"(tendered {format_money(p.tendered)}{change}){ref}")
        for doc in documents:
            buyer = doc.buyer.name + ("" if doc.buyer.is_consumidor_final else f" ({doc.buyer.identification})")
            print(f"{KIND_TEXT[doc.summary()['kind']]} {doc.document_number}  {buyer}  {format_money(doc.total)}")
    app.close()
    return EXIT_OK


def cmd_pdf(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        detail = app.sales.detail(number=args.number)
        documents = app.fiscal.for_sale(detail.summary.id)
        if not documents or documents[0].is_credit_note:
            raise FiscalDocumentMissing(reference=sale_reference(args.number))
        paths = [app.invoice_pdf.write(doc) for doc in (documents if args.credit_notes else documents[:1])]
    finally:
        app.close()
    copies = []
    if args.to is not None:
        for path in paths:
            try:
                copies.append(Path(shutil.copy2(path, args.to)))
            except OSError as exc:
                raise CommandError(f"cannot copy {path.name} to {args.to}: {exc.strerror or exc}") from None
    if args.json:
        print_json({"files": paths, "copies": copies})
    else:
        for path in paths + copies:
            print(path)
    return EXIT_OK
