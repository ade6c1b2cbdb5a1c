"""The Kivy configuration file of the kiosk ($KIVY_HOME/config.ini).

It must be complete: Kivy fills a file without ``config_version`` (or with an older
one) with its defaults, and those add ``%(name)s = probesysfs`` to ``[input]``, which
reads every input device, the barcode scanner included. So the defaults of the
installed Kivy are taken from a throw-away $KIVY_HOME and our settings laid over them,
with ``[input]`` replaced as a whole."""

from __future__ import annotations

import configparser
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from kiosk.appliance.templates import template

if TYPE_CHECKING:  # kiosk-admin's parser loads this module: pydantic comes with render()
    from kiosk.appliance.settings import DevicesSettings

TEMPLATE = "kivy-config.ini.in"


class KivyConfigError(Exception):
    pass


def kivy_defaults(python: str = sys.executable) -> configparser.RawConfigParser:
    """Kivy's default configuration, written by Kivy itself in a fresh $KIVY_HOME."""
    with tempfile.TemporaryDirectory(prefix="kivy-defaults-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "KCFG_"))}
        env.update(KIVY_HOME=home, KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1")
        out = subprocess.run([python, "-c", "import kivy.config"], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
        path = Path(home) / "config.ini"
        if out.returncode != 0 or not path.is_file():
            raise KivyConfigError(f"could not read Kivy's defaults: {out.stderr.strip()[-500:]}")
        parser = configparser.RawConfigParser()
        parser.optionxform = str  # keep option names as written
        parser.read(path, encoding="utf-8")
        return parser


def render(devices: DevicesSettings, defaults: configparser.RawConfigParser | None = None,
           text: str | None = None) -> str:
    from kiosk.appliance.settings import DEVICE_NODES

    text = template(TEMPLATE).read_text(encoding="utf-8") if text is None else text
    filled = Template(text).substitute(
        touch_provider=devices.touch_provider,
        touch_node=DEVICE_NODES["touchscreen"],
        show_cursor="1" if devices.mouse else "0",
        # disable_on_activity: the mouse stops while a finger is down, no double events
        mouse_entry="mouse = mouse,disable_on_activity" if devices.mouse else
        "# no mouse ([devices] mouse = false)",
    )
    ours = configparser.RawConfigParser()
    ours.optionxform = str
    ours.read_string(filled)
    merged = defaults if defaults is not None else kivy_defaults()
    if merged.has_section("input"):
        merged.remove_section("input")
    for section in ours.sections():
        if not merged.has_section(section):
            merged.add_section(section)
        for key, value in ours.items(section):
            merged.set(section, key, value)
    header = []
    for line in filled.splitlines():
        if line.startswith("["):
            break
        header.append(line)
    buf = io.StringIO()
    merged.write(buf)
    return "\n".join(header).rstrip("\n") + "\n\n" + buf.getvalue().rstrip("\n") + "\n"
