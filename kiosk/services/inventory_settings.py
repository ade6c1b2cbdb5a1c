"""The ``[inventory]`` section of kiosk.toml: picture limits, where the file chooser
looks for USB sticks, and the reorder suggestion's windows.

Imported by kiosk.config (which builds ``Settings``); read it as ``settings.inventory``.
"""

from __future__ import annotations

from pydantic import Field

from kiosk.config_base import Section


class InventorySettings(Section):
    # Pictures larger than this are refused before being opened.
    image_max_mb: int = Field(20, ge=1, le=200, description="a whole number of megabytes (1-200)")
    # The most pixels a picture is decoded to (checked from its header, before decoding).
    # JPEG photos are decoded at 1/2-1/8 scale, so a 48 MP phone photo passes; a PNG,
    # WebP, GIF or BMP with more pixels than this is refused.
    image_max_megapixels: int = Field(12, ge=1, le=200, description="a whole number of megapixels (1-200)")
    # Globs of mount points offered as USB sticks in the file chooser.
    media_globs: list[str] = Field(default_factory=lambda: ["/media/*/*", "/media/*", "/run/media/*/*", "/mnt/*"])
    # Folders always offered in the file chooser, mounted or not (e.g. "/home/pi/Pictures").
    media_folders: list[str] = Field(default_factory=list)
    # Largest CSV file accepted by the import.
    csv_max_mb: int = Field(50, ge=1, le=500, description="a whole number of megabytes (1-500)")
    # Reorder suggestion: sales over the last history days, enough for cover days.
    reorder_history_days: int = Field(30, ge=1, le=365, description="a whole number of days (1-365)")
    reorder_cover_days: int = Field(14, ge=1, le=365, description="a whole number of days (1-365)")

    @property
    def image_max_bytes(self) -> int:
        return self.image_max_mb * 2**20

    @property
    def image_max_pixels(self) -> int:
        return self.image_max_megapixels * 1_000_000

    @property
    def csv_max_bytes(self) -> int:
        return self.csv_max_mb * 2**20
