"""udev rules rendered from ``[devices]``: stable names (/dev/kiosk-scale, -scanner,
-printer, -touch), access for the kiosk user, ModemManager kept off the serial devices,
and the scanner hidden from everything that reads keyboards.

The template (systemd/70-kiosk.rules.in) has one block per device, opened by a
``#@device`` line; a device without a USB id keeps only a comment (the touchscreen
block matches any touchscreen when it has no id)."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from kiosk.appliance.templates import template

if TYPE_CHECKING:  # annotations only: kiosk-admin's parser loads this module (no pydantic at start)
    from kiosk.appliance.settings import DevicesSettings, UsbId

RULES_NAME = "70-kiosk.rules"
RULES_PATH = Path("/etc/udev/rules.d") / RULES_NAME
ALWAYS = {"touchscreen"}


def _match(usb: UsbId | None) -> str:
    if usb is None:
        return ""
    text = f', ATTRS{{idVendor}}=="{usb.vendor}", ATTRS{{idProduct}}=="{usb.product}"'
    if usb.serial:
        text += f', ATTRS{{serial}}=="{usb.serial}"'
    return text


def split_blocks(text: str) -> tuple[str, dict[str, str]]:
    head, blocks, current = [], {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("#@"):
            current = line[2:].strip()
            blocks[current] = ""
        elif current is None:
            head.append(line)
        else:
            blocks[current] += line
    return "".join(head), blocks


def render_rules(devices: DevicesSettings, user: str = "kiosk", config: str = "/etc/kiosk/kiosk.toml",
                 text: str | None = None) -> str:
    text = template(RULES_NAME + ".in").read_text(encoding="utf-8") if text is None else text
    head, blocks = split_blocks(text)
    out = [Template(head).substitute(config=config)]
    for device, block in blocks.items():
        usb = devices.usb_id(device)
        if usb is None and device not in ALWAYS:
            out.append(f'# {device}: not configured ([devices] {device} = "")\n\n')
            continue
        out.append(Template(block).substitute(match=_match(usb), user=user))
    return "".join(out).rstrip("\n") + "\n"
