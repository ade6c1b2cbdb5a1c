"""The shop's logo at the top of receipts: a PNG (or any picture Pillow reads) turned
into a monochrome ESC/POS raster image (``GS v 0``) once, then reused.

The picture is laid on white (transparent parts print nothing), scaled down to the
paper's printable width if wider (never up), dithered to black and white
(Floyd-Steinberg, so grey logos keep their shades) and centred by the receipt. The
converted bytes are kept in memory and in ``<state>/cache/`` under a name made of the
picture's content hash and the width, so a changed file is converted again and an
unchanged one never is, also across restarts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Printable dots across the paper (203 dpi heads): 58 mm -> 384, 80 mm -> 512 (the
# width every 80 mm printer prints; TM-T88/T20 print 576, which 512 leaves margin for).
PRINTABLE_DOTS = {58: 384, 80: 512}
MAX_HEIGHT = 400  # dots (~5 cm): a logo, not a poster

_memory: dict[tuple[str, int], bytes] = {}
_lock = threading.Lock()


class LogoError(Exception):
    """The picture cannot be used; the message names the file and why."""


def raster_command(bits: bytes, width: int, height: int) -> bytes:
    """GS v 0 m xL xH yL yH d...: ``bits`` row-major, 1 = black, rows of (width+7)//8 bytes."""
    row = (width + 7) // 8
    if len(bits) != row * height:
        raise ValueError("raster data does not match its size")
    return b"\x1dv0\x00" + bytes([row & 0xFF, row >> 8, height & 0xFF, height >> 8]) + bits


def convert(data: bytes, max_width: int, source: str = "logo") -> bytes:
    """Picture bytes -> the GS v 0 command that prints it. Raises LogoError."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            picture = ImageOps.exif_transpose(img).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise LogoError(f"{source}: not a picture Pillow can read ({exc})") from None
    white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, picture).convert("L")
    if grey.width > max_width or grey.height > MAX_HEIGHT:
        grey.thumbnail((max_width, MAX_HEIGHT), Image.LANCZOS)
    width = (grey.width + 7) // 8 * 8  # whole bytes per row, padded with white
    padded = Image.new("L", (width, grey.height), 255)
    padded.paste(grey, ((width - grey.width) // 2, 0))
    mono = padded.convert("1")  # Floyd-Steinberg dithering; 0 = black
    bits = bytes(b ^ 0xFF for b in mono.tobytes())  # ESC/POS: 1 = black
    if not any(bits):
        raise LogoError(f"{source}: the picture is blank once turned black and white")
    return raster_command(bits, width, mono.height)


def load_logo(path: Path | str, paper_width_mm: int = 80, cache_dir: Path | None = None) -> bytes:
    """The logo's GS v 0 bytes for this paper, converted at most once per content.
    Raises LogoError (missing file, not a picture)."""
    path = Path(path)
    max_width = PRINTABLE_DOTS.get(paper_width_mm, PRINTABLE_DOTS[80])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LogoError(f"{path}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()[:24]
    key = (digest, max_width)
    with _lock:
        stored = cache_dir / f"logo-{digest}-{max_width}.bin" if cache_dir is not None else None
        raster = _memory.get(key)
        if raster is None and stored is not None and stored.is_file():
            raster = stored.read_bytes()
        if raster is None:
            raster = convert(data, max_width, str(path))
        if stored is not None and not stored.is_file():
            try:
                stored.parent.mkdir(parents=True, exist_ok=True)
                tmp = stored.with_suffix(".part")
                tmp.write_bytes(raster)
                os.replace(tmp, stored)
            except OSError as exc:  # a read-only state dir: converted again next start
                log.warning("logo cache not written: %s", exc)
        _memory[key] = raster
        return raster


def configured_logo(settings) -> bytes | None:  # noqa: ANN001 - kiosk.config.Settings
    """The ``[printer] logo`` raster, or None (none set, or unusable: logged, receipts
    print without it rather than not at all)."""
    p = settings.printer
    if not getattr(p, "logo", ""):
        return None
    cache = Path(settings.state_dir) / "cache" if getattr(settings, "state_dir", None) else None
    try:
        return load_logo(p.logo, p.paper_width_mm, cache)
    except LogoError as exc:
        log.warning("receipts print without the logo: %s", exc)
        return None
