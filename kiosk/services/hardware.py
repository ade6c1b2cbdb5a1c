"""The hardware as the UI and kiosk-admin use it: start/stop the devices, the
printer banner of the selling screen, the manual "Abrir cajón" (the open_drawer
act, recorded in the audit log), the Hardware screen's device list and actions, and the receipt preview
rendered from the exact ESC/POS bytes of a print job.

Calls that talk to a device (test ticket, drawer, status) may block for up to
``[printer] timeout_s``: the UI runs them in a worker thread and returns the result
through ``Clock.schedule_once``. Registry listeners and scan handlers are called in
device threads as well.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hardware.drawer import DrawerError
from hardware.printer.decode import Decoded, decode, render_png
from hardware.events import ScanEvent, ScanHandler
from hardware.manager import HardwareManager
from hardware.printer.receipt_printer import ReceiptPrinter
from hardware.printer.connection import PrinterError
from hardware.printer.status import problem_text
from hardware.registry import DeviceState, Registry
from hardware.scan_check import ScanVerdict
from hardware.printer.test_ticket import render_test_ticket
from kiosk.core.errors import DomainError
from kiosk.i18n import N_, _, ngettext, translate
from kiosk.services.cart_feed import CartFeedPublisher
from kiosk.services.customer_display import CartSource, CustomerDisplayService
from kiosk.services.printing import PrintQueue
from kiosk.core.permissions import Act
from kiosk.services import audit
from kiosk.services.access import Authority, UserInfo
from kiosk.services.users import UserService

log = logging.getLogger(__name__)


class DrawerNotOpened(DomainError):
    code = "drawer_not_opened"
    template = N_("The cash drawer did not open: {reason}")


class PrinterFailed(DomainError):
    code = "printer_failed"
    template = N_("Nothing was printed: {reason}")


DEVICE_LABELS = {
    "printer": N_("Receipt printer"), "drawer": N_("Cash drawer"), "scanner": N_("Barcode scanner"),
    "scale": N_("Scale"), "led": N_("Status LED"), "buzzer": N_("Buzzer"), "button": N_("Button"),
    "gpio": N_("GPIO"), "touchscreen": N_("Touchscreen"), "customer_display": N_("Customer display"),
}
DRAWER_REASONS = {
    "none": N_("no cash drawer is configured"),
    "no_printer": N_("the drawer opens through the printer, but no printer is configured"),
    "gpio": N_("the drawer relay (GPIO) is not available"),
}


@dataclass(frozen=True)
class PrinterSummary:
    problem: str  # "" or a printer_status PROBLEM_TEXT code
    pending: int
    interrupted: int
    text: str  # the selling screen's banner; "" when there is nothing to say


@dataclass(frozen=True)
class DeviceView:
    """One row of the Hardware screen (texts already translated)."""

    name: str
    kind: str
    label: str
    ok: bool
    status: str  # "Ready", "Not connected", "Not available", ...
    last_event: str
    last_error: str
    info: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # what the device shows now (the customer display's two lines)


@dataclass(frozen=True)
class ReceiptPreview:
    lines: list[str]  # plain text picture of the paper
    png: bytes  # image of the paper (Kivy: CoreImage(BytesIO(png), ext="png").texture)
    decoded: Decoded


def pending_text(n: int) -> str:
    return ngettext("{n} ticket pending", "{n} tickets pending", n).format(n=n)


def interrupted_text(n: int) -> str:
    return ngettext("{n} ticket may not have printed: reprint or discard it",
                    "{n} tickets may not have printed: reprint or discard them", n).format(n=n)


class HardwareService:
    def __init__(self, settings: Any, printing: PrintQueue, users: UserService, *, printer: ReceiptPrinter,
                 registry: Registry | None = None, gpio_factory: Any = None, scale_factory: Any = "default",
                 evdev_opener: Any = None):
        self.settings = settings
        self.printing = printing
        self.users = users
        self.printer = printer
        self.registry = registry or Registry()
        # Injection points (tests, demo), read by start(): a gpiozero pin factory instead of
        # [gpio] pin_factory, the scale adapter factory, the evdev device opener.
        self.gpio_factory = gpio_factory
        self.scale_factory = scale_factory
        self.evdev_opener = evdev_opener
        self.manager: HardwareManager | None = None
        # The counter whose cart-changed and sale events feed the customer display
        # (set by the composition root once the counter exists).
        self.cart_source: CartSource | None = None
        self.customer_display: CustomerDisplayService | None = None
        self.cart_feed: CartFeedPublisher | None = None  # the second customer screen's socket

    # --- life cycle --------------------------------------------------------------------
    def start(self, on_scan: ScanHandler | None = None, on_button: Callable[[], None] | None = None
              ) -> HardwareManager:
        """Start every configured device (printer thread, scanners, drawer, GPIO,
        scale). ``on_scan`` receives every ScanEvent (in a device thread);
        ``on_button`` the GPIO button press (in gpiozero's thread)."""
        if self.manager is None:
            self.manager = HardwareManager(self.settings, queue=self.printing, on_scan=on_scan,
                                           registry=self.registry, printer=self.printer,
                                           state_dir=self.settings.state_dir, on_button=on_button,
                                           gpio_factory=self.gpio_factory, scale_factory=self.scale_factory,
                                           evdev_opener=self.evdev_opener)
            self.manager.start()
            socket_path = getattr(self.settings.customer_display, "screen_socket", "")
            if socket_path and self.cart_source is not None and self.cart_feed is None:
                try:
                    self.cart_feed = CartFeedPublisher(socket_path).start().attach(self.cart_source)
                except OSError as exc:  # a wrong folder must not stop the till
                    log.error("customer screen socket %s: %s", socket_path, exc)
            if self.manager.pole is not None and self.cart_source is not None:
                cd = self.settings.customer_display
                self.customer_display = CustomerDisplayService(self.manager.pole, greeting=cd.greeting,
                                                               shop_name=self.settings.shop.name, hold_s=cd.hold_s)
                self.customer_display.attach(self.cart_source)
        return self.manager

    def stop(self) -> None:
        if self.cart_feed is not None:
            self.cart_feed.stop()
            self.cart_feed = None
        if self.customer_display is not None:
            self.customer_display.detach()
            self.customer_display = None
        if self.manager is not None:
            self.manager.stop()
            self.manager = None

    @property
    def running(self) -> bool:
        return self.manager is not None

    def _manager(self) -> HardwareManager:
        if self.manager is None:
            raise RuntimeError("hardware not started: call HardwareService.start() first")
        return self.manager

    # --- the selling screen's banner --------------------------------------------------------
    def printer_summary(self) -> PrinterSummary:
        counts = self.printing.counts()
        pending = counts.get("pending", 0) + counts.get("sending", 0)
        interrupted = counts.get("interrupted", 0)
        state = self.registry.get("printer")
        problem = ""
        if state is not None and state.available and not state.ok:
            problem = state.info.get("problem") or "unreachable"
        parts = []
        if problem:
            parts.append(problem_text(problem))
            if pending:
                parts.append(pending_text(pending))
        if interrupted:
            parts.append(interrupted_text(interrupted))
        return PrinterSummary(problem, pending, interrupted, " — ".join(parts))

    def printer_banner(self) -> str:
        """E.g. "Impresora sin papel — 2 tickets pendientes"; "" when all is well."""
        return self.printer_summary().text

    # --- the cash drawer -------------------------------------------------------------------
    def open_for_sale(self, sale_id: int) -> bool:
        """A sale whose drawer decision (kiosk.core.drawer) is "relay": pulse it. Never
        raises: the sale is done whatever the drawer does (the problem shows on the
        Hardware screen)."""
        if self.manager is None:
            log.warning("sale %s: drawer not opened, hardware not started", sale_id)
            return False
        try:
            self.manager.drawer.open(f"sale {sale_id}")
            return True
        except DrawerError as exc:
            log.warning("sale %s: drawer not opened: %s", sale_id, exc)
            return False

    def open_drawer(self, by: UserInfo) -> Authority:
        """The manual "Abrir cajón": the ``open_drawer`` act (a cashier brings a manager's
        authorisation for it, once). The opening is recorded before the drawer is
        kicked, so no opening goes unrecorded; a kick that fails adds a second row.
        Raises ActNotPermitted, UserInactive or DrawerNotOpened."""
        who = self._drawer_act(by, "manual")
        self._open(who, "manual")
        return who

    def kick_drawer(self, by: UserInfo) -> Authority:
        """The Hardware screen's drawer test: it opens the drawer too, so it is the same
        act, recorded with the reason "test"."""
        who = self._drawer_act(by, "test")
        self._open(who, "test")
        return who

    def _drawer_act(self, by: UserInfo, why: str) -> Authority:
        access = self.users.access
        access.precheck(by, Act.OPEN_DRAWER)
        with self.users.db.write() as s:
            who = access.check(s, by, Act.OPEN_DRAWER)
            audit.record(s, "drawer_opened", why, by=who)
        return who

    def _open(self, who: Authority, why: str) -> None:
        d = self.settings.drawer
        gpio = None
        try:
            if self.manager is None:  # kiosk-admin: no device threads, a drawer just for this
                from hardware.drawer import Drawer
                from hardware.gpio import Gpio

                if d.mode == "gpio":
                    gpio = Gpio(self.gpio_factory if self.gpio_factory is not None else self.settings.gpio.pin_factory)
                drawer = Drawer(d, self.registry, printer=self.printer, gpio=gpio)
                drawer.start()
            else:
                drawer = self.manager.drawer
            drawer.open(why)
            if gpio is not None:
                time.sleep(d.gpio_pulse_ms / 1000 + 0.05)  # let the relay pulse end before closing the pin
        except DrawerError as exc:
            with self.users.db.write() as s:
                audit.record(s, "drawer_open_failed", why, after={"error": str(exc)[:150]}, by=who)
            raise DrawerNotOpened(reason=self._drawer_reason(exc), detail=str(exc)) from None
        finally:
            if gpio is not None:
                gpio.close()

    @staticmethod
    def _drawer_reason(exc: DrawerError) -> str:
        if exc.problem in DRAWER_REASONS:
            return translate(DRAWER_REASONS[exc.problem])
        return problem_text(exc.problem)

    def drawer_is_open(self) -> bool | None:
        """The drawer switch now (None: no sensor, or the printer cannot be asked)."""
        if self.manager is not None:
            return self.manager.drawer.is_open()
        return None

    # --- the Hardware screen -----------------------------------------------------------------
    def devices(self) -> list[DeviceView]:
        states = self.manager.states() if self.manager else sorted(self.registry.all(), key=lambda s: s.name)
        return [self._view(s) for s in states]

    def _view(self, s: DeviceState) -> DeviceView:
        if not s.available:
            status = _("Not available")
        elif s.kind == "printer" and not s.ok:
            status = problem_text(s.info.get("problem") or ("unreachable" if not s.connected else "error"))
        elif not s.connected:
            status = _("Not connected")
        elif s.last_error:
            status = _("Fault")
        else:
            status = _("Ready")
        label = translate(DEVICE_LABELS.get(s.kind, s.kind))
        if s.kind == "scanner" and s.name != "scanner-1":
            label = f"{label} ({s.name})"
        detail = ""
        lines = s.info.get("lines") if s.kind == "customer_display" else None
        if lines:
            detail = _("Shows: {lines}").format(lines="  /  ".join(f"\u00ab{line}\u00bb" for line in lines))
        return DeviceView(s.name, s.kind, label, s.ok, status, s.last_event, s.last_error, dict(s.info), detail)

    def refresh_printer(self) -> DeviceView | None:
        """Ask the printer's status now (blocks up to the printer timeout)."""
        if self.manager is None or self.manager.worker is None:
            return None
        return self._view(self.manager.worker.check())

    def print_test_ticket(self, by: UserInfo) -> None:
        """Print the test ticket directly (not queued: a test ticket printed an hour
        later is only confusing); the ``test_hardware`` act. Raises PrinterFailed."""
        from hardware.printer.receipt import receipt_layout

        self.users.access.precheck(by, Act.TEST_HARDWARE)
        self.users.access.require(self.users.db, by, Act.TEST_HARDWARE)

        p = self.settings.printer
        payload = render_test_ticket(self.settings.shop.name, receipt_layout(self.settings), connection=p.url,
                                     paper_width_mm=p.paper_width_mm)
        try:
            self.printer.print_job(payload)
        except PrinterError as exc:
            self.registry.update("printer", last_event=_("test ticket failed: {error}").format(error=exc))
            raise PrinterFailed(reason=problem_text(exc.problem), detail=str(exc)) from None
        self.registry.update("printer", last_event=_("test ticket printed"))

    def retry_job(self, job_id: int, by: UserInfo) -> None:
        """Send an interrupted or failed print job again (the ``reprint`` act)."""
        self.users.access.precheck(by, Act.REPRINT)
        self.users.access.require(self.users.db, by, Act.REPRINT)
        self.printing.retry(job_id)

    def discard_job(self, job_id: int, by: UserInfo) -> None:
        """Give up on a print job (the ``reprint`` act: the decision about a ticket)."""
        self.users.access.precheck(by, Act.REPRINT)
        self.users.access.require(self.users.db, by, Act.REPRINT)
        self.printing.cancel(job_id)

    def last_scan(self) -> tuple[ScanEvent, ScanVerdict] | None:
        return self.manager.last_scan if self.manager else None

    @property
    def scale(self) -> Any:
        """The scale adapter (hardware/scale) when one is configured, for "read the scale"."""
        return self.manager.scale if self.manager else None

    # --- receipt preview -----------------------------------------------------------------------
    def preview(self, payload: bytes) -> ReceiptPreview:
        p = self.settings.printer
        width = 384 if p.paper_width_mm == 58 else 576
        decoded = decode(payload, p.profile)
        return ReceiptPreview(decoded.text_lines(p.line_columns),
                              render_png(decoded, width=width, columns=p.line_columns), decoded)

    def job_preview(self, job_id: int | None = None, sale_id: int | None = None) -> ReceiptPreview | None:
        """Preview of a print job (default: the newest one, or the newest of a sale),
        rendered from the very bytes that were sent to the printer."""
        if job_id is None:
            job_id = self.printing.last_job_id(sale_id)
            if job_id is None:
                return None
        return self.preview(self.printing.payload(job_id))


__all__ = ["DeviceView", "DrawerNotOpened", "HardwareService", "PrinterFailed", "PrinterSummary", "ReceiptPreview"]
