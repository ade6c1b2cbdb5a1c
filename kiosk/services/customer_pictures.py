"""The customer screen's idle slides: the shop's logo, then the promotional pictures
of ``[customer_display] screen_pictures`` (sorted by name); with neither configured,
generated demo pictures with the shop's name (like the demo's product pictures).
A missing folder or an unreadable file is logged and left out: the screen shows what
it can and never stops for it."""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

from kiosk.i18n import N_, translate
from kiosk.services import media_files
from kiosk.services.images import promo_card

log = logging.getLogger(__name__)

DEMO_SLIDES = (  # (title, subtitle, colour); the title's {shop} is the shop's name
    ("{shop}", N_("Welcome!"), "#1565C0"),
    (N_("Offers of the week"), N_("Ask at the counter"), "#2E7D32"),
    (N_("Pay with QR"), N_("Scan the code on this screen"), "#6A1B9A"),
)


def slide_files(logo: str, folder: str) -> list[Path]:
    """The logo (if it is a file) and the folder's pictures."""
    files: list[Path] = []
    if logo:
        if Path(logo).is_file():
            files.append(Path(logo))
        else:
            log.warning("customer screen: the logo %s is not a file; left out", logo)
    if folder:
        try:
            files.extend(entry.path for entry in media_files.list_folder(folder, media_files.IMAGE_EXTENSIONS).files)
        except Exception as exc:  # noqa: BLE001 - NotFound, a stick that went away: no pictures from there
            log.warning("customer screen: the pictures folder %s cannot be read (%s)", folder, exc)
    return files


def demo_slides(shop: str, language: str | None = None, font_path: str | None = None) -> list[Image.Image]:
    return [promo_card(translate(title, language).format(shop=shop), translate(subtitle, language), color,
                       font_path=font_path) for title, subtitle, color in DEMO_SLIDES]


def load_slide(path: Path, size: tuple[int, int]) -> Image.Image | None:
    """The picture scaled down to fit ``size``; None (logged) when it cannot be read."""
    try:
        with Image.open(path) as img:
            img.thumbnail(size)
            return img.convert("RGBA")
    except (OSError, ValueError) as exc:
        log.warning("customer screen: picture %s not usable: %s", path, exc)
        return None
