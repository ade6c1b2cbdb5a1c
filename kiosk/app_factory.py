"""Composition root: settings -> database (migrated) -> services. The UI, kiosk-admin
and the tests all build the application here and nowhere else."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from db.engine import Database
from db.migrate import MigrationResult, migrate
from hardware.escpos_receipt import receipt_layout
from hardware.printer import ReceiptPrinter
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
from kiosk.services.sales import SalesService
from kiosk.services.stock import StockService
from kiosk.services.till import TillService
from kiosk.services.users import LOOKUP_KEY_FILE, UserService

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

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir

    def close(self) -> None:
        if self.hardware is not None:
            self.hardware.stop()
        self.carts.stop()
        self.db.dispose()


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
    access = Access(settings.permissions.model())
    audit = AuditService(db, access)
    if migration is not None and migration.before is not None and migration.before != migration.after:
        record_upgrade(audit, migration)
    catalog = CatalogService(db, layouts=settings.barcodes.layouts(),
                             validate_check_digits=settings.barcodes.validate_check_digits)
    sales = SalesService(db, currency=settings.currency.code, out_of_stock=settings.sales.out_of_stock,
                         access=access)
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
    printing = PrintQueue(db, sender or printer, receipt_layout(settings))
    hardware = HardwareService(settings, printing, users, printer=printer)
    till = TillService(sales, receipts, printing, drawer=hardware, save_timeout_s=settings.sales.save_timeout_s,
                       drawer_policy=DrawerPolicy(settings.drawer.mode, settings.drawer.open_on_cash), fiscal=fiscal)
    carts = CartStore(db)
    counter = CounterService(catalog, till, carts, out_of_stock=settings.sales.out_of_stock)
    inventory = InventoryService(db, tax_rates_bp=settings.tax.rates_bp(),
                                 default_tax_rate_bp=settings.tax.default_rate_bp, state_dir=settings.state_dir,
                                 decimals=settings.currency.decimals, access=access)
    stock = StockService(db, catalog, history_days=inv.reorder_history_days, cover_days=inv.reorder_cover_days,
                         decimals=settings.currency.decimals, access=access)
    product_images = ProductImages(settings.state_dir, max_bytes=inv.image_max_bytes, max_pixels=inv.image_max_pixels,
                                   mount_globs=inv.media_globs, folders=inv.media_folders, inventory=inventory)
    product_csv = ProductCsv(db, inventory, decimals=settings.currency.decimals, max_bytes=inv.csv_max_bytes,
                             mount_globs=tuple(inv.media_globs), folders=tuple(inv.media_folders))
    return Services(settings, db, catalog, sales, users, receipts, printing, till, inventory, stock,
                    product_images, product_csv, counter, ProductClone(db, inventory), carts, PreferenceService(db),
                    customers, numbering, fiscal, InvoicePdf(fiscal, settings.state_dir, paper=fs.pdf_paper),
                    migration, hardware, access=access, audit=audit)


def record_upgrade(audit: AuditService, migration: MigrationResult, release: str = "") -> None:
    """The audit row of a schema migration (start-up or kiosk-admin upgrade)."""
    from kiosk import __version__

    after = {"schema": migration.after, "version": __version__}
    if release:
        after["release"] = release
    audit.note("upgrade", f"{migration.before} -> {migration.after}", before={"schema": migration.before},
               after=after)
