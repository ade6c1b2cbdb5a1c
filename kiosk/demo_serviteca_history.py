"""Days of serviteca history (``kiosk-admin demo-data --shop serviteca --days N``),
made through the real services with the fiscal profile on: on each of the last N
days before today one till session (opened at 07:30 with a float, a change top-up,
a supplier paid in cash, closed at 18:00 with the exact count: its Z report), jobs
rung up by the demo cashier (an oil change with oil from the drum and a filter, tyres
fitted, alignment, washes, batteries, wiper blades, diagnostics by the hour), some
to the consumidor final as POS documents, some to a person, and the fleet companies'
as electronic invoices; returns by the demo manager as credit notes, one void (its
credit note too), the day's report files. Then, when a DIAN is given (the demo's
fake service), every document is signed and sent: all accepted but one, rejected,
to show what staff see. Seeded: the same N gives the same history."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.demo import DEMO_STAFF, load_demo_staff
from kiosk.demo_history import DemoDayOpen, HistoryResult, _restock, _unprinted, _utc, counted
from kiosk.demo_serviteca import CUSTOMERS
from kiosk.formatting import local_today
from kiosk.services.access import TECHNICIAN
from kiosk.services.fiscal_documents import FiscalRequest

OPEN, CLOSE = time(7, 30), time(18, 0)
FLOAT, TOP_UP, SUPPLIER = 200_000, 100_000, 60_000  # pesos (the serviteca has no decimals)
REJECTION = ("FAK24", "Rechazo de demostración: el NIT del adquiriente no figura en el RUT con la "
                      "responsabilidad fiscal informada")

# Jobs: (sku, quantity in base units) per line; bulk lines in ml / g.
JOBS: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = (
    (14, (("SRV-ACE", 1), ("ACE-2050", 4000), ("FIL-AC1", 1))),
    (8, (("SRV-ACE", 1), ("ACE-5W30", 4500), ("FIL-AC2", 1), ("FIL-AIR", 1))),
    (10, (("SRV-ALB", 1),)),
    (6, (("LLA-14", 2), ("SRV-MON", 2), ("SRV-ALB", 1))),
    (4, (("LLA-13", 4), ("SRV-MON", 4))),
    (3, (("LLA-15", 2), ("SRV-MON", 2))),
    (14, (("SRV-LAV", 1),)),
    (6, (("SRV-LAV", 1), ("SRV-LMO", 1), ("AMB-PIN", 1))),
    (3, (("SRV-TAP", 2), ("SRV-LAV", 1))),
    (4, (("BAT-45", 1), ("SRV-MOB", 1))),
    (2, (("BAT-60", 1),)),
    (6, (("PLU-18", 1), ("PLU-20", 1))),
    (4, (("SRV-DIA", 1), ("SRV-MOB", 2), ("BOM-H4", 2))),
    (4, (("SRV-DES", 1), ("AGU-600", 2))),
    (3, (("REF-GRA", 2000), ("LIM-PAR", 1000))),
    (3, (("VAL-8090", 1500), ("GRA-LIT", 250), ("SRV-MOB", 1))),
    (2, (("NEU-BIC", 1), ("NEU-TUB", 1))),
    (3, (("FRE-DOT4", 1), ("SRV-ROT", 1))),
)
METHODS = ((PaymentMethod.CASH, 50), (PaymentMethod.CARD, 35), (PaymentMethod.QR, 15))


@dataclass
class ServitecaHistory(HistoryResult):
    """The cleaning shop's counts (days, sales, returns, voids, deliveries, Z numbers)
    and the serviteca's documents, cash movements, report files and DIAN's answers."""

    pos_documents: int = 0
    invoices: int = 0
    credit_notes: int = 0
    cash_movements: int = 0
    reports: list[str] = field(default_factory=list)  # the daily report files written
    accepted: list[str] = field(default_factory=list)  # document numbers DIAN accepted
    rejected: list[str] = field(default_factory=list)  # ... and rejected (one, on purpose)
    waiting: list[str] = field(default_factory=list)  # not sent (no DIAN given, or it did not answer)


def make_serviteca_history(app, days: int, *, dian=None, seed: int = 21,  # noqa: ANN001, C901, PLR0915
                           per_day: tuple[int, int] = (8, 16), report_formats: tuple[str, ...] | None = None
                           ) -> ServitecaHistory:
    """Ring up the ``days`` days before today (the serviteca's catalog, customers and
    resolutions loaded: kiosk.demo_serviteca.load_serviteca); ``dian``: a
    kiosk.demo_serviteca.DemoDian to sign and send the documents to. Refuses to mix
    history into an open till (DemoDayOpen); callers check that the shop has no sales."""
    if app.sessions.current() is not None:
        raise DemoDayOpen()
    rng = random.Random(seed)
    load_demo_staff(app.users)
    staff = {u.name: u for u in app.users.users()}
    cashier, manager = (staff[name] for name, _, _ in DEMO_STAFF)
    fleet = [app.customers.by_identification(c.id_type, c.number) for c in CUSTOMERS if c.fleet]
    persons = [app.customers.by_identification(c.id_type, c.number) for c in CUSTOMERS if not c.fleet]
    fleet, persons = [c for c in fleet if c is not None], [c for c in persons if c is not None]
    jobs = [job for job in JOBS if all(app.catalog.by_sku(sku) is not None for sku, _ in job[1])]
    formats = report_formats or tuple(app.settings.till.report_formats)
    result = ServitecaHistory(days=days)
    saved = (app.sales.clock, app.returns.clock, app.sessions.clock, app.fiscal.clock)
    hooks = list(app.sessions.on_closed)
    app.sessions.on_closed.clear()  # the day's report is written here, not by the background worker
    today = local_today()
    last_invoice: str = ""
    try:
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)

            def at(t: time, minutes: int = 0, _day=day) -> datetime:  # noqa: ANN001
                return _utc(datetime.combine(_day, t) + timedelta(minutes=minutes))

            def clock(moment: datetime) -> None:
                app.sales.clock = app.returns.clock = app.sessions.clock = app.fiscal.clock = lambda: moment

            clock(at(OPEN))
            app.sessions.open(TECHNICIAN, amount=FLOAT)
            clock(at(OPEN, 5))
            app.sessions.cash_movement(TECHNICIAN, "in", TOP_UP, "change")
            result.cash_movements += 1
            count = rng.randint(*per_day)
            span = int((datetime.combine(day, CLOSE) - datetime.combine(day, OPEN)).total_seconds() // 60) - 60
            minutes = sorted(rng.randint(15, span) for _ in range(count))
            for i, m in enumerate(minutes):
                sold_at = at(OPEN, m)
                clock(sold_at)
                cart = Cart()
                _, lines = rng.choices(jobs, [w for w, _ in jobs])[0]
                for sku, quantity in lines:
                    cart.add(app.catalog.by_sku(sku), quantity)
                _restock(app, cart, manager, result)
                roll = rng.random()
                request = None
                if fleet and (roll < 0.3 or (i == 1 and back == days)):
                    request = FiscalRequest(customer_id=rng.choice(fleet).id, invoice=True)
                elif persons and roll < 0.45:
                    request = FiscalRequest(customer_id=rng.choice(persons).id, invoice=False)
                if request is not None and request.invoice:
                    method = rng.choice((PaymentMethod.CARD, PaymentMethod.CARD, PaymentMethod.QR))
                else:
                    method = rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0]
                tendered = cart.total
                if method is PaymentMethod.CASH:
                    tendered = -(-cart.total // 10_000) * 10_000  # the next 10.000 note
                sale = app.till.complete_sale(cart, [Tender(method, tendered)], cashier, fiscal=request)
                _unprinted(app, sale.print_job)  # history's tickets are not printed now
                result.sales += 1
                doc = app.fiscal.sale_document(sale.sale_id)
                if doc is not None and doc.kind.value == "01":
                    result.invoices += 1
                    last_invoice = doc.document_number
                elif doc is not None:
                    result.pos_documents += 1
                # the last day's fourth job was rung by mistake: voided (a credit note)
                if back == 1 and i == 3:
                    clock(sold_at + timedelta(minutes=4))
                    done = app.returns.void(manager, sale.number, "rung by mistake")
                    _unprinted(app, done.print_job)
                    result.voids += 1
                    result.credit_notes += 1 if done.credit_note else 0
                # one job a day (and now and then another) comes back: a return, a credit note
                elif i == 2 or rng.random() < 0.04:
                    clock(sold_at + timedelta(minutes=rng.randint(20, 90)))
                    returnable = app.returns.sale(sale.number)
                    left = [ln for ln in returnable.lines if ln.left > 0]
                    goods = [ln for ln in left if ln.sale_mode != "service"] or left
                    line = rng.choice(goods)
                    quantity = 1 if line.uom == "unit" else max(1, line.left // 4)
                    done = app.returns.make_return(manager, sale.number, [(line.position, quantity)],
                                                   rng.choice(("damaged", "wrong_product", "changed_mind")))
                    _unprinted(app, done.print_job)
                    result.returns += 1
                    result.credit_notes += 1 if done.credit_note else 0
            clock(at(CLOSE, -30))
            app.sessions.cash_movement(TECHNICIAN, "out", SUPPLIER, "supplier", force=True)
            result.cash_movements += 1
            clock(at(CLOSE))
            closed = app.sessions.close(TECHNICIAN, counted=app.sessions.expected_cash())
            _unprinted(app, closed.print_job)
            result.z.append(closed.number)
            if formats:
                result.reports += [p.name for p in app.reports.make(day, formats=formats)]
    finally:
        app.sales.clock, app.returns.clock, app.sessions.clock, app.fiscal.clock = saved
        app.sessions.on_closed[:] = hooks
    if dian is not None:
        send_history(app, dian, result, reject=last_invoice)
    else:
        result.waiting = [e.document_number for e in app.dian.entries("waiting")]
    return result


def send_history(app, dian, result: ServitecaHistory, *, reject: str = "") -> None:  # noqa: ANN001
    """Sign and send every waiting document to the demo's DIAN: ``reject`` (a
    document number) is rejected with a made-up rule, to show staff a rejection."""
    outbox = dian.outbox(app)
    if reject:
        dian.fake.set_mode("reject", rule=REJECTION[0], message=REJECTION[1])
        try:
            report = outbox.process(force=True, documents=[outbox.entry(reject).document_id])
        finally:
            dian.fake.behave()
        result.rejected += report.rejected
    report = outbox.process(force=True)
    result.accepted += report.accepted
    result.rejected += report.rejected
    result.waiting = [e.document_number for e in outbox.entries("waiting")]


def describe(r: ServitecaHistory) -> str:
    z = f", Z {r.z[0]}-{r.z[-1]}" if r.z else ""
    dian = (f"; DIAN: {len(r.accepted)} accepted, {len(r.rejected)} rejected ({', '.join(r.rejected)}), "
            f"{len(r.waiting)} waiting")
    return (f"{counted(r.sales, 'sale')} on {counted(r.days, 'day')} ({counted(r.invoices, 'invoice')}, "
            f"{counted(r.pos_documents, 'POS document')}), {counted(r.returns, 'return')}, "
            f"{counted(r.voids, 'void')}, {counted(r.credit_notes, 'credit note')}, "
            f"{counted(r.deliveries, 'delivery', 'deliveries')}, {r.cash_movements} cash in/out{z}, "
            f"{counted(len(r.reports), 'report file')}{dian}")
