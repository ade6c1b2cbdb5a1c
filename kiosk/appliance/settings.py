"""Configuration sections of the appliance: ``[devices]`` (USB ids that udev turns
into stable device names) and ``[backup]`` (rotation and the USB stick)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from kiosk.config import Section

# Stable names the udev rules give the devices; the hardware settings point at these.
DEVICE_NODES = {
    "scale": "/dev/kiosk-scale",
    "scanner": "/dev/kiosk-scanner",
    "printer": "/dev/kiosk-printer",
    "touchscreen": "/dev/kiosk-touch",
}

_USB_ID = r"^$|^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:[A-Za-z0-9._-]{1,64})?$"
_USB_ID_FORM = 'a USB id "VVVV:PPPP" or "VVVV:PPPP:SERIAL" as lsusb shows it, or "" for none'


@dataclass(frozen=True)
class UsbId:
    vendor: str
    product: str
    serial: str = ""

    @classmethod
    def parse(cls, text: str) -> UsbId | None:
        if not text:
            return None
        vendor, product, *rest = text.split(":", 2)
        return cls(vendor.lower(), product.lower(), rest[0] if rest else "")

    def __str__(self) -> str:
        return f"{self.vendor}:{self.product}" + (f":{self.serial}" if self.serial else "")


class DevicesSettings(Section):
    scale: str = Field("", pattern=_USB_ID, description=_USB_ID_FORM)
    scanner: str = Field("", pattern=_USB_ID, description=_USB_ID_FORM)
    printer: str = Field("", pattern=_USB_ID, description=_USB_ID_FORM)
    # "" means whatever the kernel reports as a touchscreen (the official Pi display is not USB).
    touchscreen: str = Field("", pattern=_USB_ID, description=_USB_ID_FORM)
    # Which Kivy provider reads the touchscreen. Only one: two providers on one screen
    # is what makes every touch arrive twice.
    touch_provider: Literal["hidinput", "mtdev"] = "hidinput"
    # Also accept a USB mouse (handy on the bench; off on the counter).
    mouse: bool = False

    @model_validator(mode="after")
    def _distinct(self) -> DevicesSettings:
        seen: dict[str, str] = {}
        for key in ("scale", "scanner", "printer", "touchscreen"):
            value = getattr(self, key).lower()
            if not value:
                continue
            if value in seen:
                raise ValueError(
                    f"{seen[value]} and {key} have the same USB id {value}; two identical adapters "
                    'need their serial numbers: "VVVV:PPPP:SERIAL" (udevadm info shows ID_SERIAL_SHORT)')
            seen[value] = key
        return self

    def usb_id(self, device: str) -> UsbId | None:
        return UsbId.parse(getattr(self, device))


class BackupSettings(Section):
    # Grandfather-father-son rotation of the daily backups in <state_dir>/backups.
    keep_daily: int = Field(7, ge=0, le=366)
    keep_weekly: int = Field(4, ge=0, le=520)
    keep_monthly: int = Field(12, ge=0, le=1200)
    # Safety copies taken before a migration, an upgrade or a restore.
    keep_safety: int = Field(10, ge=1, le=1000)
    # Mount point of a USB stick that gets a copy of every backup; "" for none.
    usb_dir: str = Field("", description='an absolute path such as "/media/kiosk-backup", or ""')
    # Free space a backup or restore must leave on the disk, in MB.
    min_free_mb: int = Field(50, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _sane(self) -> BackupSettings:
        if self.keep_daily + self.keep_weekly + self.keep_monthly < 1:
            raise ValueError("at least one of keep_daily, keep_weekly, keep_monthly must be above 0")
        if self.usb_dir and not self.usb_dir.startswith("/"):
            raise ValueError(f"usb_dir must be an absolute path (got {self.usb_dir!r})")
        return self
