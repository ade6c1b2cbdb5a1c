"""``kiosk-customer-screen``: the customer-facing second screen.

    kiosk-customer-screen                       as configured (/etc/kiosk/kiosk.toml)
    kiosk-customer-screen --demo --windowed     beside ``kiosk --demo --windowed``

It reads ``[customer_display] screen_socket`` (where the main kiosk publishes its
cart), the shop's name, the day/night theme and ``screen_logo``/``screen_pictures``
from the same configuration as the kiosk. In demo mode the socket is the demo's
(``demo_socket``), which ``kiosk --demo --customer-screen`` also publishes on.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from kiosk import __version__, journal_logging
from kiosk.config import ConfigError, Settings
from kiosk.customer_screen import demo_socket
from kiosk.main import EXIT_CONFIG, configure_kivy, resolve_settings

log = logging.getLogger("kiosk.customer_screen")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk-customer-screen",
                                description="The customer-facing second screen of the kiosk")
    p.add_argument("--config", metavar="PATH", help="configuration file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)")
    p.add_argument("--demo", nargs="?", const="cleaning", default=None, choices=["cleaning", "serviteca"],
                   metavar="SHOP", help="follow `kiosk --demo [SHOP] --customer-screen` (its state directory and socket)")
    p.add_argument("--windowed", action="store_true", help="run in a window instead of fullscreen")
    p.add_argument("--state", metavar="DIR", help="state directory (as given to kiosk --state)")
    p.add_argument("--size", metavar="WxH", help="window size, e.g. 800x480 or 1280x800")
    p.add_argument("--language", choices=["es", "en"], help="language of the screen (default: from config, es)")
    p.add_argument("--socket", metavar="PATH", help="the cart feed's socket (default: [customer_display] screen_socket)")
    p.add_argument("--verbose", "-v", action="store_true", help="log more detail")
    p.add_argument("--version", action="version", version=f"kiosk-customer-screen {__version__}")
    return p.parse_args(argv)


def socket_path(args: argparse.Namespace, settings: Settings) -> str:
    if args.socket:
        return args.socket
    if settings.customer_display.screen_socket:
        return settings.customer_display.screen_socket
    if args.demo:
        return str(demo_socket(settings.state_dir))
    return ""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    journal_logging.configure(logging.DEBUG if args.verbose else logging.INFO)
    try:
        settings = resolve_settings(args)
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_CONFIG
    path = socket_path(args, settings)
    if not path:
        print("kiosk-customer-screen: no cart feed to follow: set [customer_display] screen_socket "
              '(e.g. "/run/kiosk/customer-screen.sock") in the configuration, or give --socket PATH',
              file=sys.stderr)
        return EXIT_CONFIG
    # Its own Kivy home (config and logs), and no input devices: the touchscreen and
    # the scanner belong to the counter's screen.
    os.environ.setdefault("KIVY_HOME", str(settings.state_dir / "kivy-customer-screen"))
    configure_kivy(settings)
    from kivy.config import Config

    for option in Config.options("input"):
        Config.remove_option("input", option)

    from kiosk.formatting import apply_locale

    apply_locale(settings)  # the language and the quantities' number format (money comes as text)
    from kiosk.customer_screen.app import CustomerScreenApp

    cd = settings.customer_display
    log.info("customer screen following %s", path)
    CustomerScreenApp(path, shop_name=settings.shop.name, theme=settings.ui.theme, logo=cd.screen_logo,
                      pictures=cd.screen_pictures, rotate_s=cd.screen_rotate_s, hold_s=cd.hold_s,
                      own_process=True).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
