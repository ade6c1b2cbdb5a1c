"""Which device nodes the configuration expects, and which of them are missing.

A missing node is the technician's most common problem (unplugged, wrong USB id,
udev rules not installed); ``kiosk-admin config check`` and ``status`` report it
with the key to look at instead of letting the kiosk fail later."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.appliance.settings import DEVICE_NODES
from kiosk.config import Settings
from kiosk.i18n import N_, translate
from kiosk.printer_url import parse_printer_url


DEVICE_LABELS = {"scale": N_("scale"), "scanner": N_("barcode scanner"), "printer": N_("receipt printer"),
                 "touchscreen": N_("touchscreen")}


@dataclass(frozen=True)
class DeviceNode:
    key: str  # the setting that asks for it, e.g. "[devices] scale"
    device: str
    node: str
    usb_id: str
    present: bool

    def problem(self, language: str | None = None) -> str:
        device = translate(DEVICE_LABELS[self.device], language)
        if self.usb_id:
            return translate(N_("{node} is missing: the {device} with USB id {usb_id} is not plugged in, "
                                "or the udev rules are not installed (kiosk-admin udev-rules --install)"),
                             language).format(node=self.node, device=device, usb_id=self.usb_id)
        return translate(N_("{node} is missing: is the {device} plugged in and switched on?"),
                         language).format(node=self.node, device=device)


def expected_nodes(settings: Settings, exists: Callable[[str], bool] = os.path.exists) -> list[DeviceNode]:
    nodes = []
    for device, node in DEVICE_NODES.items():
        usb_id = getattr(settings.devices, device)
        if usb_id:
            nodes.append(DeviceNode(f"[devices] {device}", device, node, usb_id, exists(node)))
    url = parse_printer_url(settings.printer.url)
    if url.scheme in ("file", "serial") and url.path.startswith("/dev/") \
            and all(n.node != url.path for n in nodes):
        nodes.append(DeviceNode("[printer] url", "printer", url.path, "", exists(url.path)))
    return nodes


def missing_nodes(settings: Settings, exists: Callable[[str], bool] = os.path.exists) -> list[DeviceNode]:
    return [n for n in expected_nodes(settings, exists) if not n.present]
