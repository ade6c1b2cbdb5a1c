"""Composition root: settings -> database (migrated) -> services. The UI, kiosk-admin
and the tests all build the application here and nowhere else."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

from db.engine import Database
from db.migrate import MigrationResult, migrate
from hardware.printer.receipt import receipt_layout
from hardware.printer.receipt_printer import ReceiptPrinter
from kiosk import formatting
from kiosk.config import Settings
from kiosk.core.drawer import DrawerPolicy
from kiosk.core.receipt import ShopInfo
from kiosk.services.access import Access
from kiosk.services.audit import AuditService
from kiosk.services.cart_store import CartStore
from kiosk.services.catalog import CatalogService
from kiosk.services.counter import CounterService
from kiosk.services.customers import CustomerService
from kiosk.services.dian_outbox import DianOutbox, DianSender
from kiosk.services.fiscal_documents import FiscalDocuments
from kiosk.services.hardware import HardwareService
from kiosk.services.inventory import InventoryService
from kiosk.services.invoice_pdf import InvoicePdf
from kiosk.services.maintenance import NoDatabase
from kiosk.services.numbering import NumberingService
from kiosk.services.product_clone import ProductClone
from kiosk.services.product_csv import ProductCsv
from kiosk.services.preferences import PreferenceService
from kiosk.services.product_images import ProductImages
from kiosk.services.printing import PrintQueue, Sender
from kiosk.services.receipts import ReceiptService
from kiosk.services.returns import ReturnsService
from kiosk.services.scale_desk import ScaleDeskService
from kiosk.services.sales import SalesService
from kiosk.services.shop_report import ShopToday, shop_today
from kiosk.services.stock import StockService
from kiosk.services.till import TillService
from kiosk.services.till_sessions import TillSessions
from kiosk.services.dashboard import Dashboard
from kiosk.services.daily_report import DailyReports, ReportWorker
from kiosk.services.sync_edits import install as install_edit_rule
from kiosk.services.users import LOOKUP_KEY_FILE, UserService

if TYPE_CHECKING:
    from kiosk.services.sync_push import SyncWorker

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: CatalogService
    sales: SalesService
    users: UserService
    receipts: ReceiptService
    printing: PrintQueue
    till: TillService
    inventory: InventoryService
    stock: StockService
    product_images: ProductImages
    product_csv: ProductCsv
    counter: CounterService
    product_clone: ProductClone
    carts: CartStore
    preferences: PreferenceService
    customers: CustomerService
    numbering: NumberingService
    fiscal: FiscalDocuments  # fiscal.on: the Colombian fiscal profile ([fiscal] country = "CO")
    invoice_pdf: InvoicePdf
    migration: MigrationResult | None = None
    hardware: HardwareService | None = None  # devices; started by the UI (hardware.start(on_scan=...))
    access: Access | None = None  # the permission check (roles -> acts, [permissions])
    audit: AuditService | None = None
    returns: ReturnsService | None = None  # returns and voids (issue 14)
    dian: DianOutbox | None = None  # fiscal documents on their way to DIAN (outbox, contingency)
    dian_sender: DianSender | None = None  # its worker thread, started by start_dian_sender()

    def start_dian_sender(self) -> DianSender | None:
        """Start sending fiscal documents to DIAN in a worker thread (the kiosk does at
        start-up when the fiscal profile is on and a certificate is configured)."""
        if self.dian is None or not self.fiscal.on or self.settings.dian.certificate is None:
            return None
        if self.dian_sender is None:
            self.dian_sender = DianSender(self.dian).start()
            self.fiscal.on_issued(self._wake_dian_sender)
        return self.dian_sender

    def _wake_dian_sender(self) -> None:
        if self.dian_sender is not None:  # stopped meanwhile (close): the next start sends it
            self.dian_sender.wake()
    sessions: TillSessions | None = None  # the shop day: Abrir caja, cash in/out, Cerrar caja, X/Z
    reports: DailyReports | None = None  # the daily report file (PDF, XLSX, CSV)
    report_worker: ReportWorker | None = None  # makes it in the background after the last closing
    dashboard: Dashboard | None = None  # Resumen: the manager's day so far
    scale: ScaleDeskService | None = None  # the scale as the calculator uses it (reading, tare, demo controls)
    sync_worker: SyncWorker | None = None  # pushes documents to the shop server (start_sync_worker)
    # Resumen's shop line (kiosk.services.shop_report.shop_today): None without a shop server
    shop_today: Callable[[], ShopToday | None] | None = None

    def start_sync_worker(self) -> SyncWorker | None:
        """On a till registered with a shop server, push its documents in a worker
        thread (the kiosk does at start-up); a till that works alone starts nothing."""
        from kiosk.services.sync_link import credentials_path, registered

        if self.sync_worker is None and credentials_path(self.state_dir).is_file() and registered(self.db):
            from kiosk.services.sync_push import SyncWorker

            self.sync_worker = SyncWorker(self.db, self.state_dir).start()
        return self.sync_worker

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir

    def ui_context(self) -> UiContext:
        """The part of the application the touch screens may use (see UiContext)."""
        if self.hardware is None or self.access is None or self.audit is None:
            raise ValueError("the UI needs the services build() makes: hardware, access and audit")
        return UiContext(
            settings=self.settings, catalog=self.catalog, counter=self.counter, sales=self.sales, till=self.till,
            users=self.users, access=self.access, audit=self.audit, inventory=self.inventory, stock=self.stock,
            product_images=self.product_images, product_csv=self.product_csv, product_clone=self.product_clone,
            customers=self.customers, numbering=self.numbering, fiscal=self.fiscal, preferences=self.preferences,
            printing=self.printing, hardware=self.hardware,
            returns=self.returns, dian=self.dian, sessions=self.sessions,
            dashboard=self.dashboard, scale=self.scale,
            shop_today=self.shop_today)

    def close(self) -> None:
        if self.sync_worker is not None:
            self.sync_worker.stop()
            self.sync_worker = None
        if self.dian_sender is not None:
            self.dian_sender.stop()
            self.dian_sender = None
        if self.report_worker is not None:
            self.report_worker.wait()  # a report being written is finished, not cut off
        if self.hardware is not None:
            self.hardware.stop()
        self.carts.stop()
        self.db.dispose()


@dataclass(frozen=True)
class UiContext:
    """The one typed object the screens reach services through (``KioskScreen.services``,
    ``KioskPopup.services``). Built here, in the composition root, from ``Services``; it
    leaves out what a screen must not touch (the database, the stored carts behind the
    counter, migrations, the receipt renderer). tests/ui/test_context.py checks that
    the screens use nothing else."""

    settings: Settings
    catalog: CatalogService
    counter: CounterService
    sales: SalesService
    till: TillService
    users: UserService
    access: Access
    audit: AuditService
    inventory: InventoryService
    stock: StockService
    product_images: ProductImages
    product_csv: ProductCsv
    product_clone: ProductClone
    customers: CustomerService
    numbering: NumberingService
    fiscal: FiscalDocuments
    preferences: PreferenceService
    printing: PrintQueue
    hardware: HardwareService
    returns: ReturnsService | None = None  # returns and voids
    dian: DianOutbox | None = None  # what waits for DIAN (the manager's banner)
    sessions: TillSessions | None = None  # Caja: Abrir caja, cash in/out, Cerrar caja, X/Z
    dashboard: Dashboard | None = None  # Resumen: the manager's day so far
    scale: ScaleDeskService | None = None  # the scale panel's reading, tare and demo controls
    # Resumen's shop line (kiosk.services.shop_report.shop_today): None without a shop server
    shop_today: Callable[[], ShopToday | None] | None = None

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir


apply_locale = formatting.apply_locale  # its home is kiosk/formatting.py (kiosk-admin loads it without this module)


def state_path(settings: Settings, *parts: str) -> Path:
    path = settings.state_dir.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def receipt_printer(settings: Settings) -> ReceiptPrinter:
    p = settings.printer
    return ReceiptPrinter(p.url, timeout=p.timeout_s, status_query=p.status_query)


def build(settings: Settings, *, run_migrations: bool = True, sender: Sender | None = None,
          create: bool = True) -> Services:
    """The application on ``settings``' database, migrated to the newest schema.

    ``create``: make the state directory and the database when they are missing (the
    kiosk's own start-up, ``kiosk-admin migrate`` and ``demo-data``, tests). With
    False a missing database raises NoDatabase (naming the path and why there) and
    nothing is created: every other kiosk-admin command, so that one run against the
    wrong folder cannot leave an empty second database behind."""
    apply_locale(settings)
    if not create and not settings.database_path.is_file():
        raise NoDatabase.at(settings)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_path)
    migration = migrate(db, backup_dir=state_path(settings, "backups")) if run_migrations else None
    install_edit_rule(db, settings.state_dir)
    access = Access(settings.permissions.model())
    audit = AuditService(db, access)
    if migration is not None and migration.before is not None and migration.before != migration.after:
        record_upgrade(audit, migration)
    catalog = CatalogService(db, layouts=settings.barcodes.layouts(),
                             validate_check_digits=settings.barcodes.validate_check_digits)
    sales = SalesService(db, currency=settings.currency.code, out_of_stock=settings.sales.out_of_stock,
                         access=access, without_session=settings.till.without_session)
    sec = settings.security
    users = UserService(db, access=access, default_admin_pin=sec.default_admin_pin, min_length=sec.pin_min_length,
                        max_length=sec.pin_max_length, free_attempts=sec.free_attempts,
                        lockout_base_s=sec.lockout_base_s, lockout_max_s=sec.lockout_max_s,
                        key_path=settings.state_dir / LOOKUP_KEY_FILE)
    if run_migrations:
        users.ensure_default_admin()
    inv = settings.inventory
    fs = settings.fiscal
    customers = CustomerService(db, max_csv_bytes=inv.csv_max_bytes)
    numbering = NumberingService(db, warn_remaining=fs.numbering_warn_remaining, warn_days=fs.numbering_warn_days)
    fiscal = FiscalDocuments(db, fs, numbering, customers, decimals=settings.currency.decimals,
                             environment=str(settings.dian.environment))
    shop = ShopInfo(**settings.shop.model_dump())
    receipts = ReceiptService(sales, shop, fiscal if fs.on else None)
    printer = receipt_printer(settings)
    printing = PrintQueue(db, sender or printer, receipt_layout(settings),
                          receipt_for=lambda sale_id: receipts.receipt(sale_id=sale_id))
    hardware = HardwareService(settings, printing, users, printer=printer)
    till = TillService(sales, receipts, printing, drawer=hardware, save_timeout_s=settings.sales.save_timeout_s,
                       drawer_policy=DrawerPolicy(settings.drawer.mode, settings.drawer.open_on_cash), fiscal=fiscal)
    carts = CartStore(db)
    counter = CounterService(catalog, till, carts, out_of_stock=settings.sales.out_of_stock,
                             discount_reasons=settings.sales.discount_reasons,
                             parked_flag_hours=settings.sales.parked_flag_hours)
    hardware.cart_source = counter  # the customer display follows the counter's carts
    inventory = InventoryService(db, tax_rates_bp=settings.tax.rates_bp(),
                                 default_tax_rate_bp=settings.tax.default_rate_bp, state_dir=settings.state_dir,
                                 decimals=settings.currency.decimals, access=access)
    stock = StockService(db, catalog, history_days=inv.reorder_history_days, cover_days=inv.reorder_cover_days,
                         decimals=settings.currency.decimals, access=access)
    product_images = ProductImages(settings.state_dir, max_bytes=inv.image_max_bytes, max_pixels=inv.image_max_pixels,
                                   mount_globs=inv.media_globs, folders=inv.media_folders, inventory=inventory)
    product_csv = ProductCsv(db, inventory, decimals=settings.currency.decimals, max_bytes=inv.csv_max_bytes,
                             mount_globs=tuple(inv.media_globs), folders=tuple(inv.media_folders))
    sessions = till_sessions(settings, db, access, printing, hardware)
    return Services(settings, db, catalog, sales, users, receipts, printing, till, inventory, stock,
                    product_images, product_csv, counter, ProductClone(db, inventory), carts, PreferenceService(db),
                    customers, numbering, fiscal, InvoicePdf(fiscal, settings.state_dir, paper=fs.pdf_paper),
                    migration, hardware, access=access, audit=audit, sessions=sessions,
                    dashboard=Dashboard(db, low_stock=stock.low_stock),
                    scale=ScaleDeskService(lambda: hardware.scale, counter),
                    shop_today=functools.partial(shop_today, settings.state_dir, shop=settings.shop.name),
                    dian=DianOutbox(db, fiscal, settings.dian),
                    returns=ReturnsService(db, printing, shop, access=access, fiscal=fiscal,
                                           drawer_policy=DrawerPolicy(settings.drawer.mode, settings.drawer.open_on_cash),
                                           currency=settings.currency.code, drawer=hardware),
                    **daily_reports(settings, db, stock, sessions))


def daily_reports(settings: Settings, db: Database, stock: StockService, sessions: TillSessions) -> dict:
    """The daily report and its worker; with [till] report_on_close, closing the last
    open session of a day starts the day's report in the background."""
    t = settings.till
    reports = DailyReports(db, settings.state_dir, shop=settings.shop.name, low_stock=stock.low_stock,
                           mount_globs=tuple(settings.inventory.media_globs), decimals=settings.currency.decimals)
    worker = ReportWorker(reports, formats=tuple(t.report_formats), to_usb=t.report_to_usb)
    if t.report_on_close:
        def after_close(z) -> None:  # noqa: ANN001 - a ZInfo
            if sessions.current() is None:  # the last session of the day (one till: always)
                worker.start(z.business_date)
        sessions.on_closed.append(after_close)
    return {"reports": reports, "report_worker": worker}


def till_sessions(settings: Settings, db: Database, access: Access, printing: PrintQueue,
                  drawer: HardwareService | None) -> TillSessions:
    """The shop day's service: notes from [currency] cash_notes, coins from [till] coins
    (else the currency's usual ones), the note threshold in minor units."""
    from kiosk.core.money import to_minor
    from kiosk.core.till_day import DEFAULT_COINS, DEFAULT_COINS_MINOR

    cur = settings.currency
    if settings.till.coins:
        coins = [to_minor(c, cur.decimals) for c in settings.till.coins]
    elif cur.code in DEFAULT_COINS:
        coins = [to_minor(c, cur.decimals) for c in DEFAULT_COINS[cur.code]]
    else:
        coins = DEFAULT_COINS_MINOR if cur.decimals == 2 else [1, 5, 10, 25, 50, 100]
    return TillSessions(db, access, printing, notes=cur.notes(), coins=coins,
                        note_over=to_minor(settings.till.note_over, cur.decimals),
                        drawer_policy=DrawerPolicy(settings.drawer.mode, True), drawer=drawer,
                        till_name=settings.shop.name)


def record_upgrade(audit: AuditService, migration: MigrationResult, release: str = "") -> None:
    """The audit row of a schema migration (start-up or kiosk-admin upgrade)."""
    from kiosk import __version__

    after = {"schema": migration.after, "version": __version__}
    if release:
        after["release"] = release
    audit.note("upgrade", f"{migration.before} -> {migration.after}", before={"schema": migration.before},
               after=after)
