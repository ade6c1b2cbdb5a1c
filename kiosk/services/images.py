"""Product pictures with Pillow: generated placeholders (initials on the category's
colour) and the square thumbnail/catalog sizes stored under the state directory."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CATALOG_SIZE = 256
THUMB_SIZE = 96


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()


def _hex(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) != 6:
        return (96, 125, 139)
    return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def placeholder(name: str, color: str = "#607D8B", size: int = CATALOG_SIZE) -> Image.Image:
    """A square tile: the product's initials in white on its category colour, with a
    lighter band so neighbouring tiles of one category still look different."""
    base = _hex(color)
    img = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(img)
    light = tuple(min(255, int(c + (255 - c) * 0.25)) for c in base)
    seed = sum(ord(ch) for ch in name)
    band = size // 6
    y = size // 2 + (seed % 5 - 2) * band // 2
    draw.rectangle([0, y + size // 4, size, size], fill=light)
    font = ImageFont.load_default(size=size * 2 // 5)
    text = initials(name)
    box = draw.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((size - w) / 2 - box[0], (size - h) / 2 - box[1] - size // 12), text, font=font,
              fill=(255, 255, 255))
    return img


def square(img: Image.Image, size: int) -> Image.Image:
    """Centre-crop to a square and resize."""
    img = img.convert("RGB")
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return img.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)


def save_placeholder(directory: Path, key: str, name: str, color: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key}.png"
    placeholder(name, color).save(path, optimize=True)
    return path


def illustration(name: str, color: str, sale_mode: str, size: int = CATALOG_SIZE) -> Image.Image:
    """Demo product picture: a simple silhouette for the sale mode (bottle for
    liquids, sack for powders, box for unit items, badge for services) with initials."""
    base = _hex(color)
    bg = tuple(min(255, int(c + (255 - c) * 0.82)) for c in base)
    img = Image.new("RGB", (size, size), bg)
    d = ImageDraw.Draw(img)
    s = size / 256
    if sale_mode == "volume":
        d.rounded_rectangle([100 * s, 28 * s, 156 * s, 70 * s], radius=8 * s, fill=base)
        d.rounded_rectangle([64 * s, 60 * s, 192 * s, 236 * s], radius=34 * s, fill=base)
    elif sale_mode == "weight":
        d.polygon([(56 * s, 60 * s), (200 * s, 60 * s), (220 * s, 236 * s), (36 * s, 236 * s)], fill=base)
        d.rectangle([56 * s, 44 * s, 200 * s, 64 * s], fill=tuple(int(c * 0.8) for c in base))
    elif sale_mode == "service":
        d.ellipse([36 * s, 36 * s, 220 * s, 220 * s], fill=base)
    else:
        d.rounded_rectangle([44 * s, 56 * s, 212 * s, 224 * s], radius=14 * s, fill=base)
        d.line([44 * s, 96 * s, 212 * s, 96 * s], fill=bg, width=max(1, int(6 * s)))
    font = ImageFont.load_default(size=int(64 * s))
    text = initials(name)
    box = d.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    cy = 150 * s if sale_mode in ("volume", "weight", "unit") else 128 * s
    d.text(((size - w) / 2 - box[0], cy - h / 2 - box[1]), text, font=font, fill=(255, 255, 255))
    return img


def promo_card(title: str, subtitle: str, color: str, size: tuple[int, int] = (960, 540),
               font_path: str | None = None) -> Image.Image:
    """Demo promotional picture for the customer screen's idle slides: a title and a
    line under it, white on the colour, with a lighter band (like the product tiles).
    ``font_path``: a TrueType font with the language's letters (Pillow's own font has
    no "¡")."""

    def font_of(font_size: int) -> ImageFont.FreeTypeFont:
        if font_path:
            try:
                return ImageFont.truetype(font_path, font_size)
            except OSError:
                pass
        return ImageFont.load_default(size=font_size)

    width, height = size
    base = _hex(color)
    img = Image.new("RGB", size, base)
    d = ImageDraw.Draw(img)
    light = tuple(min(255, int(c + (255 - c) * 0.25)) for c in base)
    d.rectangle([0, height * 4 // 5, width, height], fill=light)
    d.ellipse([width * 3 // 4, -height // 4, width + height // 4, height // 2], fill=light)
    for text, font_size, cy in ((title, height // 7, height * 0.38), (subtitle, height // 13, height * 0.58)):
        font = font_of(font_size)
        while d.textlength(text, font=font) > width * 0.9 and font_size > 10:
            font_size -= 2
            font = font_of(font_size)
        box = d.textbbox((0, 0), text, font=font)
        w, h = box[2] - box[0], box[3] - box[1]
        d.text(((width - w) / 2 - box[0], cy - h / 2 - box[1]), text, font=font, fill=(255, 255, 255))
    return img
