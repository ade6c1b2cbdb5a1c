"""The staff screens, built together the first time they are needed (app.ensure_staff).
Kept apart from kiosk/ui/staff.py, whose base class every staff screen imports, so
that module imports none of them (no import cycle)."""

from __future__ import annotations

from kiosk.ui.base import KioskScreen

STAFF_KV = ("forms.kv", "staff.kv", "product_list.kv", "product_editor.kv", "file_chooser.kv",
            "stock_popups.kv", "stock_screens.kv", "categories.kv", "progress.kv", "csv_screen.kv", "users.kv",
            "audit.kv", "customers.kv", "till.kv")


def staff_screens() -> list[KioskScreen]:
    # Widget classes the kv rules name must be imported (registered) first.
    import kiosk.ui.file_chooser
    import kiosk.ui.forms
    import kiosk.ui.progress
    import kiosk.ui.stock_popups  # noqa: F401
    from kiosk.ui.audit import AuditScreen
    from kiosk.ui.categories import CategoriesScreen
    from kiosk.ui.csv_screen import CsvScreen
    from kiosk.ui.customers import CustomersScreen
    from kiosk.ui.product_editor import ProductEditorScreen
    from kiosk.ui.product_list import ProductListScreen
    from kiosk.ui.stock_screens import CountScreen, DeliveryScreen, LedgerScreen, LowStockScreen
    from kiosk.ui.summary import SummaryScreen
    from kiosk.ui.till import TillScreen
    from kiosk.ui.users import UsersScreen

    from kiosk.ui.staff import StaffMenuScreen

    return [StaffMenuScreen(name="staff"), ProductListScreen(name="products"),
            ProductEditorScreen(name="editor"), LedgerScreen(name="ledger"), DeliveryScreen(name="delivery"),
            CountScreen(name="count"), LowStockScreen(name="lowstock"), CategoriesScreen(name="categories"),
            CsvScreen(name="csv"), UsersScreen(name="users"), AuditScreen(name="audit"), CustomersScreen(name="customers"),
            TillScreen(name="till"), SummaryScreen(name="summary")]
