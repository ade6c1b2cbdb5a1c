"""What a screen, popup or widget may ask of the running application: ``Shell``.

Screens reach services through ``UiContext`` (built in the composition root,
kiosk/app_factory.py) and everything else — navigation, popups, the signed-in user,
banners, the layout scale and theme their kv rules read — through this typed face of
``KioskApp``. tests/ui/test_context.py checks that kiosk/ui's screens (Python and
kv) use nothing of the App that is not named here and that KioskApp has all of it;
anything new a screen needs is added here first, on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from kivy.app import App

if TYPE_CHECKING:
    from kivy.uix.modalview import ModalView
    from kivy.uix.screenmanager import Screen, ScreenManager

    from kiosk.app_factory import UiContext
    from kiosk.config import Settings
    from kiosk.core.cart import Cart
    from kiosk.core.permissions import Act
    from kiosk.services.access import UserInfo
    from kiosk.ui.hardware_link import HardwareLink
    from kiosk.ui.images import TextureCache
    from kiosk.ui.theme import Theme


class Shell(Protocol):
    # the services, typed (never the App's other attributes)
    context: UiContext
    settings: Settings
    # view state the kv rules read (Kivy properties of KioskApp)
    theme: Theme
    k: float  # layout scale: 1.0 at 800x480
    portrait: bool
    user_name: str
    clock_text: str
    pulse: float
    banner_text: str
    banner_level: str
    modal: ModalView | None
    staff: UserInfo | None
    can_manage: bool
    low_count: int
    # the session
    user: UserInfo | None
    images: TextureCache
    devices: HardwareLink
    sm: ScreenManager

    @property
    def resuming(self) -> bool: ...

    @property
    def cart(self) -> Cart: ...

    def bind(self, **kwargs: Any) -> Any: ...

    def unbind(self, **kwargs: Any) -> Any: ...

    # navigation
    def screen(self, name: str) -> Screen: ...

    def show(self, name: str) -> None: ...

    def show_history(self) -> None: ...

    def show_hardware(self) -> None: ...

    def show_checkout(self) -> None: ...

    def show_till(self, then: str = "staff") -> None: ...  # Caja; Back (or opening, from Cobrar) goes to ``then``

    def show_done(self, result: Any) -> None: ...

    def show_receipt(self, *, sale_id: int | None = None, job_id: int | None = None) -> None: ...

    def open_modal(self, view: ModalView) -> None: ...

    def close_modal(self) -> None: ...

    def later(self, fn: Callable[..., Any], seconds: float = 0) -> Any: ...

    # users and acts
    def signed_in(self, user: UserInfo) -> None: ...

    def wait_recorded(self, timeout: float = 30.0) -> None: ...

    def pin_changed(self, user: UserInfo) -> None: ...

    def lock(self, event: str = "lock") -> None: ...

    def with_act(self, act: Act, run: Callable[[UserInfo], None]) -> None: ...

    def ensure_staff(self) -> None: ...

    def open_staff(self) -> None: ...

    def leave_staff(self) -> None: ...

    def ask_drawer(self) -> None: ...

    # what happened elsewhere
    def catalog_changed(self) -> None: ...

    def stock_moved(self, product_ids: Any) -> None: ...

    def pulse_low(self) -> None: ...  # the low-stock marks blink a few times, then rest

    def refresh_low_count(self) -> None: ...

    def toggle_theme(self) -> None: ...

    # feedback
    def notify(self, text: str, level: str = "info", seconds: float = 6) -> None: ...

    def beep(self) -> None: ...


def running_shell() -> Shell:
    """The running KioskApp, seen through ``Shell`` (for widgets that are not a
    KioskScreen or KioskPopup: list rows, tiles, keypads)."""
    return App.get_running_app()  # type: ignore[return-value]


def ui_context() -> UiContext:
    return running_shell().context
