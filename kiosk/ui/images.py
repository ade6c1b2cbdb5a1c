"""Product pictures as Kivy textures, cached. Image paths in the database are
relative to the state directory (absolute paths work too); a product without a
readable picture gets a generated placeholder (initials on its category colour).
Placeholders are cached by (initials, colour), pictures by path, so scrolling a
10,000-product catalog decodes each file once and never regenerates a tile. Both
caches keep the most recently used ones only (a 128 px texture is 64 KB, and a real
catalog has thousands of initials-and-colour pairs: unbounded, a day of searching a
large catalog would have kept them all)."""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path

from kivy.graphics.texture import Texture
from PIL import Image

from kiosk.services.images import initials, placeholder

log = logging.getLogger(__name__)
SIZE = 128


def texture_from_pil(img: Image.Image) -> Texture:
    img = img.convert("RGBA")
    tex = Texture.create(size=img.size, colorfmt="rgba")
    tex.blit_buffer(img.transpose(Image.FLIP_TOP_BOTTOM).tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    return tex


def texture_from_png(data: bytes) -> Texture:
    return texture_from_pil(Image.open(io.BytesIO(data)))


def qr_texture(text: str, box_size: int = 8) -> Texture:
    """A QR code saying ``text``, sharp when scaled up (the payment's code)."""
    import qrcode  # only when a code is shown: it adds nothing to start-up

    buf = io.BytesIO()
    qrcode.make(text, box_size=box_size, border=2).save(buf, format="PNG")
    texture = texture_from_png(buf.getvalue())
    texture.mag_filter = "nearest"
    return texture


class TextureCache:
    def __init__(self, state_dir: Path, limit: int = 600, size: int = SIZE, placeholder_limit: int = 300):
        self.state_dir = Path(state_dir)
        self.size = size
        # Per cache, the most recently used: a picture by its path, a placeholder by
        # (initials, colour).
        self._pictures = functools.lru_cache(maxsize=limit)(self._load_picture)
        self._placeholders = functools.lru_cache(maxsize=placeholder_limit)(self._make_placeholder)

    def resolve(self, image: str | None) -> Path | None:
        if not image:
            return None
        path = Path(image)
        return path if path.is_absolute() else self.state_dir / path

    def picture(self, image: str | None) -> Texture | None:
        return self._pictures(image or "")

    def _load_picture(self, image: str) -> Texture | None:
        path = self.resolve(image)
        if path is None:
            return None
        try:
            with Image.open(path) as img:
                img.thumbnail((self.size, self.size))
                return texture_from_pil(img)
        except (OSError, ValueError) as exc:
            log.info("product picture %s not usable: %s", path, exc)
            return None

    def placeholder(self, name: str, color: str) -> Texture:
        return self._placeholders(initials(name), color)

    def _make_placeholder(self, letters: str, color: str) -> Texture:
        return texture_from_pil(placeholder(letters, color, size=self.size))

    def for_product(self, name: str, image: str | None, color: str) -> Texture:
        return self.picture(image) or self.placeholder(name, color)
