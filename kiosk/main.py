"""``kiosk``: start the touch UI.

    kiosk                         fullscreen, as configured (/etc/kiosk/kiosk.toml)
    kiosk --demo --windowed       the demo shop in a window, simulated printer and scale
    kiosk --demo --windowed --customer-screen
                                  the same, and the customer's second screen in another window

Start-up: read and validate the configuration (a bad value stops here with the
message on stderr and exit code 2), configure Kivy through its environment and
Config *before* importing it, build the services (which migrates the database),
load the demo shop when asked and the catalog is empty, and open the lock screen.

The kiosk is the appliance's own start-up, so — unlike kiosk-admin, whose commands
refuse a missing database — it creates its state directory and database when they
are missing (first start of the service, ``--demo``, development). Its state
directory follows the same rule as every command (kiosk/config.py): the service gets
``$STATE_DIRECTORY`` = /var/lib/kiosk from systemd. Started by root on a state
directory that belongs to another user (the service's), it refuses: files it made
there would be root's and the service could no longer write them.

In demo mode the devices are simulators (hardware/demo.py): a network printer on
127.0.0.1 whose jobs the receipt preview shows, a scale on a pseudo-terminal that
the calculator's demo control moves, mock GPIO pins.
"""

from __future__ import annotations

import argparse
import logging
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

from kiosk import __version__, journal_logging
from kiosk.appliance.ownership import owner_of
from kiosk.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
log = logging.getLogger("kiosk")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiosk", description="Point-of-sale kiosk touch UI")
    p.add_argument("--config", metavar="PATH", help="configuration file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)")
    p.add_argument("--demo", nargs="?", const="cleaning", default=None, choices=["cleaning", "serviteca"],
                   metavar="SHOP",
                   help="run on a demo shop with a simulated printer and scale: the cleaning-products shop "
                        "(default; state in ~/.local/share/kiosk-demo) or 'serviteca', the Colombian car-service "
                        "shop with electronic documents sent to a fake DIAN service on 127.0.0.1 (state in "
                        "~/.local/share/kiosk-demo-serviteca)")
    p.add_argument("--windowed", action="store_true", help="run in a window instead of fullscreen")
    p.add_argument("--state", metavar="DIR", help="state directory (database, images, receipts)")
    p.add_argument("--size", metavar="WxH", help="window size, e.g. 800x480 or 1280x800")
    p.add_argument("--language", choices=["es", "en"], help="language of the screens (default: from config, es)")
    p.add_argument("--customer-screen", action="store_true",
                   help="also start the customer's second screen (kiosk-customer-screen) in its own window, "
                        "following this kiosk's cart ([customer_display] screen_socket, else a socket in the "
                        "state directory)")
    p.add_argument("--verbose", "-v", action="store_true", help="log more detail")
    p.add_argument("--version", action="version", version=f"kiosk {__version__}")
    return p.parse_args(argv)


def demo_state_dir(env: dict[str, str], shop: str = "cleaning") -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local" / "share")
    return Path(base) / ("kiosk-demo" if shop == "cleaning" else f"kiosk-demo-{shop}")


def resolve_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    """Configuration with the command line's overrides; raises ConfigError."""
    env = dict(os.environ if env is None else env)
    overrides: dict[str, dict] = {}
    if args.state:
        env["STATE_DIRECTORY"] = str(Path(args.state).expanduser().resolve())
    elif args.demo:
        env["STATE_DIRECTORY"] = str(demo_state_dir(env, args.demo))
    ui: dict = {}
    if args.windowed:
        ui["fullscreen"] = False
    if args.size:
        m = re.fullmatch(r"(\d+)[xX](\d+)", args.size.strip())
        if not m:
            raise ConfigError("--size", [("--size", f"expected WIDTHxHEIGHT such as 800x480 (got {args.size!r})")])
        ui["width"], ui["height"] = int(m.group(1)), int(m.group(2))
    if ui:
        overrides["ui"] = ui
    if args.language:
        overrides["locale"] = {"language": args.language}
    if args.demo == "serviteca":
        from kiosk.demo_serviteca import settings_overrides

        for section, values in settings_overrides().items():
            overrides[section] = {**values, **overrides.get(section, {})}
    if args.demo:
        # The demo shop sells at once: the first sale opens the till (float 0) and says so.
        overrides["till"] = {"without_session": "open"}
    return load_settings(args.config, env=env, overrides=overrides)


def configure_kivy(settings: Settings) -> None:
    """Must run before the first ``import kivy``."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Kivy keeps a config and logs in KIVY_HOME (~/.kivy by default): keep them with the
    # kiosk's state, which is writable under systemd when $HOME may not be.
    os.environ.setdefault("KIVY_HOME", str(settings.state_dir / "kivy"))
    from kivy.config import Config

    ui = settings.ui
    Config.set("graphics", "width", str(ui.width))
    Config.set("graphics", "height", str(ui.height))
    Config.set("graphics", "fullscreen", "auto" if ui.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if ui.fullscreen else "0")
    Config.set("graphics", "resizable", "0" if ui.fullscreen else "1")
    Config.set("graphics", "show_cursor", "0" if ui.fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "0")  # a scanner or a stray key must never quit the till
    Config.set("kivy", "keyboard_mode", "system")
    if os.environ.get("SDL_VIDEODRIVER") == "kmsdrm":
        # On the appliance (KMS/DRM, no desktop) SDL turns every touch into a mouse event
        # too: a mouse provider next to the touchscreen's would deliver each touch twice.
        # The installed Kivy configuration has the touchscreen, and a mouse only with
        # [devices] mouse = true.
        if Config.has_option("input", "mouse") and not settings.devices.mouse:
            Config.remove_option("input", "mouse")
    else:
        Config.set("input", "mouse", "mouse,disable_multitouch")


def load_lxml_before_the_window() -> None:
    """Load lxml before Kivy makes its window. Making the GL context loads the GL
    driver, and Mesa's software one (llvmpipe, through libLLVM) puts the system's older
    libxml2 into the process's global symbol scope: an lxml loaded after that binds its
    calls to that copy instead of its own, and the DIAN worker's schema check then
    refused every signed document (a certificate's 48-digit serial number "is not a
    valid value of the atomic type xs:integer"); openpyxl's reports use lxml too."""
    import lxml.etree  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    journal_logging.configure(logging.DEBUG if args.verbose else logging.INFO)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = resolve_settings(args)
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_CONFIG
    owner = owner_of(settings.state_dir)
    if owner is not None:
        try:
            user = pwd.getpwuid(owner[0]).pw_name
        except KeyError:
            user = str(owner[0])
        print(f"kiosk: {settings.state_dir} belongs to user {user}: run the kiosk as that user "
              "(sudo systemctl start kiosk), not as root", file=sys.stderr)
        return EXIT_CONFIG
    configured = settings.paths.state_dir
    from_systemd = settings.state_dir_origin == "environment" and not (args.state or args.demo)
    if from_systemd and configured is not None and configured != settings.state_dir:
        log.warning("[paths] state_dir %s is not used: the state directory is %s ($STATE_DIRECTORY); "
                    "kiosk-admin run by hand would use %s", configured, settings.state_dir, configured)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    configure_kivy(settings)
    load_lxml_before_the_window()

    from kiosk.app_factory import build

    demo = demo_dian = None
    if args.demo:
        from hardware.demo import start_demo_hardware

        demo = start_demo_hardware(settings)
        settings = demo.settings
    if args.demo == "serviteca":
        demo_dian = start_serviteca_dian(settings)
        if demo_dian is not None:
            settings = demo_dian.settings(settings)
    customer_screen = None
    if args.customer_screen:
        settings, customer_screen = start_customer_screen(args, settings)
    services = build(settings)
    if args.demo == "serviteca":
        from kiosk.demo_serviteca import load_serviteca

        added = load_serviteca(services, settings.state_dir)
        if added:
            log.info("serviteca demo loaded: %d products in %s", added, settings.state_dir)
    elif args.demo:
        from kiosk.demo import load_demo, load_demo_staff

        added = load_demo(services.db, settings.state_dir, settings.currency.decimals)
        if added:
            load_demo_staff(services.users)
            log.info("demo shop loaded: %d products in %s", added, settings.state_dir)
    else:
        services.audit.record_settings(settings)  # a changed kiosk.toml (or [permissions]) is recorded
    log.info("state directory %s; printer %s", settings.state_dir, settings.printer.url)
    if settings.till.report_at and services.report_worker is not None:
        services.report_worker.schedule_daily(settings.till.report_at)  # [till] report_at

    from kiosk.ui.app import KioskApp

    ready = os.environ.get("KIOSK_READY_FILE")
    app = KioskApp(services, ready_file=Path(ready) if ready else None, own_process=True)
    try:
        app.run()
    finally:
        services.close()
        if customer_screen is not None:
            customer_screen.terminate()
            try:
                customer_screen.wait(10)
            except subprocess.TimeoutExpired:
                customer_screen.kill()
        if demo_dian is not None:
            demo_dian.stop()
        if demo is not None:
            demo.stop()
    return 0


def start_customer_screen(args: argparse.Namespace, settings: Settings):  # noqa: ANN201
    """``--customer-screen``: the second screen's process, in its own window, following
    this kiosk's feed. Returns (settings with the socket, the process)."""
    from kiosk.customer_screen import demo_socket

    path = settings.customer_display.screen_socket or str(demo_socket(settings.state_dir))
    settings = settings.model_copy(update={
        "customer_display": settings.customer_display.model_copy(update={"screen_socket": path})})
    command = [sys.executable, "-m", "kiosk.customer_screen.main", "--socket", path,
               "--state", str(settings.state_dir), "--windowed"]
    if args.config:
        command += ["--config", args.config]
    if args.language:
        command += ["--language", args.language]
    if args.demo:
        command += ["--demo", args.demo]
    log.info("customer screen: %s", " ".join(command))
    return settings, subprocess.Popen(command, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """In the customer screen's child: a kiosk killed outright (no clean exit to stop
    it) takes its second window along (Linux PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_serviteca_dian(settings: Settings):  # noqa: ANN201 - kiosk.demo_serviteca.DemoDian | None
    """The serviteca demo's throw-away certificate and fake DIAN service; None (the
    documents wait, and the staff menu says so) when the UBL schemas are missing."""
    from kiosk.demo_serviteca import start_demo_dian
    from kiosk.fiscal.errors import SchemaUnavailable

    try:
        return start_demo_dian(settings.state_dir)
    except SchemaUnavailable as exc:
        log.warning("serviteca demo without the fake DIAN service: %s", exc)
        return None


if __name__ == "__main__":
    sys.exit(main())
