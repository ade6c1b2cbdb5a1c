"""Where the appliance templates (systemd/ in the source tree) are found.

The installer copies systemd/ to /opt/kiosk/share, so ``kiosk-admin udev-rules`` and
``kivy-config`` work on the device too; ``$KIOSK_SHARE_DIR`` overrides both."""

from __future__ import annotations

import os
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2] / "systemd"
INSTALLED_DIR = Path("/opt/kiosk/share")


class TemplateMissing(Exception):
    pass


def template(name: str) -> Path:
    candidates = []
    if os.environ.get("KIOSK_SHARE_DIR"):
        candidates.append(Path(os.environ["KIOSK_SHARE_DIR"]))
    candidates += [INSTALLED_DIR, SOURCE_DIR]
    for folder in candidates:
        if (folder / name).is_file():
            return folder / name
    raise TemplateMissing(f"template {name} not found in " + ", ".join(str(c) for c in candidates))
