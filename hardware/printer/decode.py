"""A small ESC/POS decoder for exactly what this kiosk sends: text through the
selected code page, alignment, bold/underline/size/invert, line feeds, cuts, drawer
kicks, ``GS k`` barcodes, ``GS ( k`` QR codes, ``GS v 0`` and ``ESC *`` images and
the real-time status queries.

Used by the tests to assert what a receipt says, by ``kiosk-admin printer preview``
and by the on-screen receipt preview, which renders the very bytes sent to the
printer (``render_png``), so what staff see is what the printer gets.

Unknown commands never stop the decoder: they are kept as ``Unknown`` elements and
listed in ``warnings``.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC t n -> code page, Epson numbering (python-escpos' "default" profile uses the same).
EPSON_CODEPAGES = {0: "CP437", 2: "CP850", 3: "CP860", 4: "CP863", 5: "CP865", 16: "CP1252",
                   17: "CP866", 18: "CP852", 19: "CP858"}
BARCODE_KINDS = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
                 65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
                 72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DataBar Omni", 76: "GS1 DataBar Truncated",
                 77: "GS1 DataBar Limited", 78: "GS1 DataBar Expanded", 79: "CODE128 auto"}


@dataclass(frozen=True)
class Style:
    bold: bool = False
    underline: int = 0
    width: int = 1  # character width multiplier
    height: int = 1
    invert: bool = False
    font: int = 0


@dataclass(frozen=True)
class Run:
    text: str
    style: Style = Style()


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    align: str = "left"

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def columns(self) -> int:
        return sum(len(r.text) * r.style.width for r in self.runs)


def wrap_line(line: Line, columns: int) -> list[Line]:
    """Split a line the way the printer does when it reaches the right edge."""
    if line.columns <= columns:
        return [line]
    out: list[Line] = []
    runs: list[Run] = []
    used = 0
    for run in line.runs:
        text = run.text
        while text:
            room = (columns - used) // run.style.width
            if room <= 0:
                out.append(Line(tuple(runs), line.align))
                runs, used = [], 0
                continue
            piece, text = text[:room], text[room:]
            runs.append(Run(piece, run.style))
            used += len(piece) * run.style.width
    out.append(Line(tuple(runs), line.align))
    return out


@dataclass(frozen=True)
class Feed:
    lines: int = 0
    dots: int = 0


@dataclass(frozen=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True)
class DrawerKick:
    pin: int  # 2 or 5
    on_ms: int
    off_ms: int
    realtime: bool = False  # DLE DC4 instead of ESC p


@dataclass(frozen=True)
class Barcode:
    kind: str
    data: str
    height: int = 162
    module: int = 3
    hri: str = "none"  # none | above | below | both
    align: str = "left"


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int = 3  # module size in dots
    ec: str = "L"
    align: str = "left"


@dataclass(frozen=True)
class Raster:
    width: int  # dots
    height: int
    bits: bytes  # row-major, 1 = black, rows padded to whole bytes
    align: str = "left"

    def pixel(self, x: int, y: int) -> bool:
        row = (self.width + 7) // 8
        return bool(self.bits[y * row + x // 8] & (0x80 >> (x % 8)))


@dataclass(frozen=True)
class CodePage:
    number: int
    name: str


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class StatusQuery:
    n: int


@dataclass(frozen=True)
class Unknown:
    data: bytes


Element = Line | Feed | Cut | DrawerKick | Barcode | QrCode | Raster | CodePage | Init | StatusQuery | Unknown


@dataclass
class Decoded:
    elements: list[Element] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.elements if isinstance(e, kind)]

    @property
    def lines(self) -> list[Line]:
        return self.of(Line)

    @property
    def kicks(self) -> list[DrawerKick]:
        return self.of(DrawerKick)

    @property
    def cuts(self) -> list[Cut]:
        return self.of(Cut)

    @property
    def barcodes(self) -> list[Barcode]:
        return self.of(Barcode)

    @property
    def qr_codes(self) -> list[QrCode]:
        return self.of(QrCode)

    @property
    def images(self) -> list[Raster]:
        return self.of(Raster)

    @property
    def text(self) -> str:
        """The printed text, one receipt line per line, without layout."""
        return "\n".join(line.text for line in self.lines)

    def bold_text(self) -> list[str]:
        return [r.text for line in self.lines for r in line.runs if r.style.bold and r.text.strip()]

    def text_lines(self, columns: int = 48) -> list[str]:
        """A plain-text picture of the paper: alignment applied, double-width text
        counted as two columns, barcodes/QR/images as bracketed placeholders."""
        out: list[str] = []

        def place(text: str, align: str, used: int | None = None) -> str:
            used = len(text) if used is None else used
            room = max(0, columns - used)
            pad = {"center": room // 2, "right": room}.get(align, 0)
            return (" " * pad + text).rstrip()

        for e in self.elements:
            if isinstance(e, Line):
                for part in wrap_line(e, columns):
                    out.append(place(part.text, part.align, part.columns))
            elif isinstance(e, Feed):
                out.extend([""] * e.lines)
            elif isinstance(e, Cut):
                out.append("~" * columns)
            elif isinstance(e, Barcode):
                out.append(place(f"[{e.kind} {e.data}]", e.align))
            elif isinstance(e, QrCode):
                out.append(place(f"[QR {e.data}]", e.align))
            elif isinstance(e, Raster):
                out.append(place(f"[image {e.width}x{e.height}]", e.align))
        return out


@functools.lru_cache(maxsize=8)
def codepage_table(profile: str = "default") -> dict[int, str]:
    """ESC t numbers of a python-escpos printer profile."""
    try:
        from escpos.capabilities import get_profile

        pages = get_profile(profile).codePages
        table = {int(k): v for k, v in pages.items() if v and v != "Unknown"}
        return table or dict(EPSON_CODEPAGES)
    except Exception:  # noqa: BLE001 - unknown profile: Epson numbering
        return dict(EPSON_CODEPAGES)


def _codec(name: str) -> str | None:
    n = name.upper().replace("_", "-")
    if n.startswith("CP") and n[2:].isdigit():
        codec = "cp" + n[2:]
    elif n.startswith("ISO-8859-"):
        codec = "iso8859_" + n.rsplit("-", 1)[1]
    else:
        return None
    try:
        "".encode(codec)
    except LookupError:
        return None
    return codec


class _Decoder:
    def __init__(self, data: bytes, profile: str):
        self.data = data
        self.i = 0
        self.table = codepage_table(profile)
        self.out = Decoded()
        self.reset()
        self.barcode_height, self.barcode_module, self.hri = 162, 3, "none"
        self.qr_size, self.qr_ec, self.qr_data = 3, "L", b""

    def reset(self) -> None:
        self.codec = "cp437"
        self.align = "left"
        self.style = Style()
        self.runs: list[Run] = []
        self.text = bytearray()
        self.line_open = False

    # --- helpers -----------------------------------------------------------------------
    def take(self, n: int) -> bytes | None:
        if self.i + n > len(self.data):
            self.out.warnings.append(f"truncated command at byte {self.i}")
            self.i = len(self.data)
            return None
        chunk = self.data[self.i:self.i + n]
        self.i += n
        return chunk

    def flush_text(self) -> None:
        if self.text:
            self.runs.append(Run(bytes(self.text).decode(self.codec, errors="replace"), self.style))
            self.text.clear()

    def set_style(self, **changes: Any) -> None:
        self.flush_text()
        self.style = Style(**{**self.style.__dict__, **changes})

    def end_line(self) -> None:
        self.flush_text()
        self.out.elements.append(Line(tuple(self.runs), self.align))
        self.runs = []
        self.line_open = False

    def block(self, element: Element) -> None:
        """Barcodes, QR and images print on their own line."""
        if self.runs or self.text:
            self.end_line()
        self.out.elements.append(element)

    def unknown(self, start: int) -> None:
        data = self.data[start:self.i]
        self.out.elements.append(Unknown(data))
        self.out.warnings.append(f"unknown command {data.hex(' ')} at byte {start}")

    # --- the stream ------------------------------------------------------------------------
    def run(self) -> Decoded:
        while self.i < len(self.data):
            b = self.data[self.i]
            start = self.i
            self.i += 1
            if b >= 0x20:
                self.text.append(b)
                self.line_open = True
            elif b == 0x0A:
                self.end_line()
            elif b == 0x09:
                self.text.extend(b" " * (8 - (len(self.text) % 8)))
            elif b in (0x0D, 0x0C, 0x00):
                pass
            elif b == ESC:
                self.esc(start)
            elif b == GS:
                self.gs(start)
            elif b == DLE:
                self.dle(start)
            elif b == FS:
                p = self.take(1)
                if p is not None and p not in (b".", b"&", b"C"):
                    self.unknown(start)
            else:
                self.unknown(start)
        if self.runs or self.text:
            self.end_line()
        return self.out

    def esc(self, start: int) -> None:
        c = self.take(1)
        if c is None:
            return
        c = c[0]
        if c == 0x40:  # @ init
            if self.runs or self.text:
                self.end_line()
            self.reset()
            self.out.elements.append(Init())
        elif c == 0x74:  # t n code page
            n = self.take(1)
            if n is None:
                return
            self.flush_text()
            name = self.table.get(n[0], f"#{n[0]}")
            codec = _codec(name)
            if codec is None:
                self.out.warnings.append(f"code page {name} (ESC t {n[0]}) not known: text shown as CP437")
                codec = "cp437"
            self.codec = codec
            self.out.elements.append(CodePage(n[0], name))
        elif c == 0x61:  # a n
            n = self.take(1)
            if n is not None:
                self.align = {0: "left", 1: "center", 2: "right"}.get(n[0] % 48, "left")
        elif c in (0x45, 0x47):  # E n bold, G n double strike
            n = self.take(1)
            if n is not None:
                self.set_style(bold=bool(n[0] & 1))
        elif c == 0x2D:  # - n underline
            n = self.take(1)
            if n is not None:
                self.set_style(underline=n[0] % 48)
        elif c == 0x21:  # ! n print mode
            n = self.take(1)
            if n is not None:
                m = n[0]
                self.set_style(font=m & 1, bold=bool(m & 0x08), height=2 if m & 0x10 else 1,
                               width=2 if m & 0x20 else 1, underline=1 if m & 0x80 else 0)
        elif c == 0x4D:  # M n font
            n = self.take(1)
            if n is not None:
                self.set_style(font=n[0] % 48)
        elif c == 0x64:  # d n feed lines
            n = self.take(1)
            if n is not None:
                if self.runs or self.text:
                    self.end_line()
                    n = bytes([max(0, n[0] - 1)])
                self.out.elements.append(Feed(lines=n[0]))
        elif c == 0x4A:  # J n feed dots
            n = self.take(1)
            if n is not None:
                self.out.elements.append(Feed(dots=n[0]))
        elif c == 0x70:  # p m t1 t2 drawer kick
            p = self.take(3)
            if p is not None:
                self.out.elements.append(DrawerKick(2 if p[0] in (0, 48) else 5, p[1] * 2, p[2] * 2))
        elif c in (0x69, 0x6D):  # i / m legacy cut
            self.block(Cut(partial=c == 0x6D))
        elif c == 0x2A:  # * m nL nH column image
            self.column_image()
        elif c == 0x32:  # 2 default line spacing
            pass
        elif c in (0x33, 0x7B, 0x56, 0x20, 0x52, 0x55, 0x65, 0x3D):
            self.take(1)  # 3 n spacing, { n upside down, V n rotate, SP n, R n, U n, e n, = n
        elif c == 0x24:  # $ nL nH absolute position
            self.take(2)
        elif c == 0x44:  # D n1..nk NUL tab stops
            end = self.data.find(b"\x00", self.i)
            self.i = len(self.data) if end < 0 else end + 1
        elif c == 0x63:  # c 3/4/5 n (paper sensors, panel buttons)
            self.take(2)
        else:
            self.unknown(start)

    def gs(self, start: int) -> None:
        c = self.take(1)
        if c is None:
            return
        c = c[0]
        if c == 0x21:  # ! n size
            n = self.take(1)
            if n is not None:
                self.set_style(width=(n[0] >> 4) + 1, height=(n[0] & 0x0F) + 1)
        elif c == 0x42:  # B n invert
            n = self.take(1)
            if n is not None:
                self.set_style(invert=bool(n[0] & 1))
        elif c == 0x56:  # V m [n] cut
            m = self.take(1)
            if m is None:
                return
            if m[0] in (65, 66, 97, 98, 103, 104):
                self.take(1)
            self.block(Cut(partial=m[0] in (1, 49, 66, 98, 104)))
        elif c == 0x68:  # h n barcode height
            n = self.take(1)
            if n is not None:
                self.barcode_height = n[0]
        elif c == 0x77:  # w n barcode module width
            n = self.take(1)
            if n is not None:
                self.barcode_module = n[0]
        elif c == 0x48:  # H n HRI position
            n = self.take(1)
            if n is not None:
                self.hri = {0: "none", 1: "above", 2: "below", 3: "both"}.get(n[0] % 48, "none")
        elif c in (0x66, 0x62, 0x61, 0x49):  # f n HRI font, b n smoothing, a n ASB, I n
            self.take(1)
        elif c in (0x4C, 0x57, 0x50):  # L/W nL nH margins, P x y
            self.take(2)
        elif c == 0x6B:  # k barcode
            self.barcode(start)
        elif c == 0x28:  # ( fn pL pH ...
            self.function(start)
        elif c == 0x76:  # v 0 m xL xH yL yH raster
            self.raster(start)
        else:
            self.unknown(start)

    def dle(self, start: int) -> None:
        c = self.take(1)
        if c is None:
            return
        if c[0] == 0x04:
            n = self.take(1)
            if n is not None:
                self.out.elements.append(StatusQuery(n[0]))
        elif c[0] == 0x14:  # DC4 fn ...
            fn = self.take(1)
            if fn is None:
                return
            if fn[0] == 1:
                p = self.take(2)
                if p is not None:
                    self.out.elements.append(DrawerKick(2 if p[0] == 0 else 5, p[1] * 100, p[1] * 100, True))
            elif fn[0] == 2:
                self.take(2)
            elif fn[0] == 8:
                self.take(7)
            else:
                self.unknown(start)
        elif c[0] == 0x05:  # ENQ n
            self.take(1)
        else:
            self.unknown(start)

    def barcode(self, start: int) -> None:
        m = self.take(1)
        if m is None:
            return
        kind = BARCODE_KINDS.get(m[0], f"type {m[0]}")
        if m[0] <= 6:
            end = self.data.find(b"\x00", self.i)
            if end < 0:
                self.out.warnings.append(f"barcode at byte {start} has no terminating NUL")
                end = len(self.data)
            raw = self.data[self.i:end]
            self.i = min(len(self.data), end + 1)
        else:
            n = self.take(1)
            raw = self.take(n[0]) if n is not None else None
            if raw is None:
                return
        data = raw.decode("ascii", errors="replace")
        if kind == "CODE128" and data[:2] in ("{A", "{B", "{C"):
            data = data[2:]
        self.block(Barcode(kind, data, self.barcode_height, self.barcode_module, self.hri, self.align))

    def function(self, start: int) -> None:
        hdr = self.take(3)
        if hdr is None:
            return
        fn, length = hdr[0], hdr[1] | hdr[2] << 8
        body = self.take(length)
        if body is None:
            return
        if fn != 0x6B or len(body) < 2 or body[0] != 49:  # only QR (cn = 49) is understood
            if fn in (0x4C, 0x44):  # graphics / settings: skip silently
                return
            self.unknown(start)
            return
        func = body[1]
        if func == 67 and len(body) > 2:  # size
            self.qr_size = body[2]
        elif func == 69 and len(body) > 2:  # error correction
            self.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(body[2], "L")
        elif func == 80:  # store data (after m = 48)
            self.qr_data = body[3:]
        elif func == 81:  # print
            self.block(QrCode(self.qr_data.decode("utf-8", errors="replace"), self.qr_size, self.qr_ec,
                              self.align))

    def raster(self, start: int) -> None:
        hdr = self.take(6)
        if hdr is None:
            return
        if hdr[0] != 0x30:
            self.unknown(start)
            return
        xbytes, rows = hdr[2] | hdr[3] << 8, hdr[4] | hdr[5] << 8
        bits = self.take(xbytes * rows)
        if bits is None:
            return
        self.block(Raster(xbytes * 8, rows, bits, self.align))

    def column_image(self) -> None:
        hdr = self.take(3)
        if hdr is None:
            return
        mode, cols = hdr[0], hdr[1] | hdr[2] << 8
        depth = 3 if mode in (32, 33) else 1
        data = self.take(cols * depth)
        if data is None:
            return
        rows, row_bytes = depth * 8, (cols + 7) // 8
        bits = bytearray(rows * row_bytes)
        for x in range(cols):
            for k in range(depth):
                byte = data[x * depth + k]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        y = k * 8 + bit
                        bits[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
        self.block(Raster(cols, rows, bytes(bits), self.align))


def decode(data: bytes, profile: str = "default") -> Decoded:
    return _Decoder(bytes(data), profile).run()


# --- picture of the paper ------------------------------------------------------------------

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
)
BOLD_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono-Bold.ttf",
)


def _font_path(candidates: tuple[str, ...]) -> str | None:
    for path in candidates:
        if Path(path).exists():
            return path
    try:  # Kivy ships a monospace font
        import kivy

        path = Path(kivy.__file__).parent / "data" / "fonts" / "RobotoMono-Regular.ttf"
        if path.exists():
            return str(path)
    except ImportError:
        pass
    return None


@functools.lru_cache(maxsize=8)
def _fonts(cell: int) -> tuple[Any, Any, bool]:
    """(regular, bold, real_bold) at the size where one character is ``cell`` dots wide."""
    from PIL import ImageFont

    regular = _font_path(FONT_CANDIDATES)
    if regular is None:
        font = ImageFont.load_default()
        return font, font, False
    size = max(6, round(cell / 0.602))  # monospace advance is ~0.6 em
    font = ImageFont.truetype(regular, size)
    bold_path = _font_path(BOLD_CANDIDATES)
    bold_ok = bold_path is not None and bold_path != regular
    return font, (ImageFont.truetype(bold_path, size) if bold_ok else font), bold_ok


def _barcode_modules(kind: str, data: str) -> str | None:
    try:
        import barcode as pybarcode

        name = {"CODE128": "code128", "EAN13": "ean13", "EAN8": "ean8", "UPC-A": "upca",
                "CODE39": "code39", "ITF": "itf", "CODABAR": "codabar"}.get(kind)
        if name is None:
            return None
        if name in ("ean13", "ean8", "upca"):
            data = data[:-1] if len(data) in (13, 8, 12) else data  # python-barcode adds the check digit
        options = {"add_checksum": False} if name == "code39" else {}
        return "".join(pybarcode.get_barcode_class(name)(data, **options).build())
    except Exception:  # noqa: BLE001 - data the library refuses: drawn as a placeholder
        return None


def render_image(data: bytes | Decoded, *, width: int = 576, columns: int = 48, profile: str = "default") -> Any:
    """A PIL image (mode "L") of the printed paper: ``width`` dots (576 for 80 mm,
    384 for 58 mm), ``columns`` characters per line in the normal font."""
    from PIL import Image, ImageDraw

    decoded = data if isinstance(data, Decoded) else decode(data, profile)
    cell = max(4, width // columns)
    line_h = cell * 2
    font, bold_font, real_bold = _fonts(cell)
    try:
        ascent, descent = font.getmetrics()
        top = max(0, (line_h - ascent - descent) // 2)  # descenders (j, p, ñ) inside the line
    except AttributeError:  # Pillow's bitmap fallback font
        top = line_h // 8
    margin = 8
    pieces: list[tuple[Image.Image, str]] = []

    def text_piece(line: Line) -> Image.Image:
        height = line_h * max((r.style.height for r in line.runs), default=1)
        img = Image.new("L", (max(1, min(width, line.columns * cell)), height), 255)
        x = 0
        for run in line.runs:
            if not run.text:
                continue
            s = run.style
            w, h = len(run.text) * cell, line_h
            tile = Image.new("L", (w, h), 0 if s.invert else 255)
            d = ImageDraw.Draw(tile)
            ink = 255 if s.invert else 0
            for k, ch in enumerate(run.text):
                f = bold_font if s.bold else font
                d.text((k * cell, top), ch, font=f, fill=ink)
                if s.bold and not real_bold:
                    d.text((k * cell + 1, top), ch, font=f, fill=ink)
            if s.underline:
                d.line([(0, h - 2), (w, h - 2)], fill=ink, width=s.underline)
            if s.width > 1 or s.height > 1:
                tile = tile.resize((w * s.width, h * s.height), Image.NEAREST)
            img.paste(tile, (x, height - tile.height))
            x += tile.width
        return img

    for e in decoded.elements:
        if isinstance(e, Line):
            for part in wrap_line(e, columns):
                pieces.append((text_piece(part) if part.text else Image.new("L", (1, line_h), 255), part.align))
        elif isinstance(e, Feed):
            h = e.lines * line_h + e.dots
            if h:
                pieces.append((Image.new("L", (1, h), 255), "left"))
        elif isinstance(e, Cut):
            img = Image.new("L", (width, line_h), 255)
            d = ImageDraw.Draw(img)
            for x in range(0, width, 12):
                d.line([(x, line_h // 2), (x + 6, line_h // 2)], fill=128, width=2)
            pieces.append((img, "left"))
        elif isinstance(e, Barcode):
            modules = _barcode_modules(e.kind, e.data)
            module = max(1, e.module)
            hri = e.hri in ("below", "both")
            if modules:
                bw = min(width, len(modules) * module)
                img = Image.new("L", (bw, e.height + (line_h if hri else 0)), 255)
                d = ImageDraw.Draw(img)
                for k, bit in enumerate(modules):
                    if bit == "1":
                        d.rectangle([k * module, 0, k * module + module - 1, e.height - 1], fill=0)
            else:
                label = f"[{e.kind} {e.data}]"
                img = Image.new("L", (min(width, len(label) * cell + 8), e.height + (line_h if hri else 0)), 255)
                d = ImageDraw.Draw(img)
                d.rectangle([0, 0, img.width - 1, e.height - 1], outline=0, width=2)
                d.text((4, e.height // 2 - cell), label, font=font, fill=0)
            if hri:
                tw = len(e.data) * cell
                d.text(((img.width - tw) // 2, e.height + top), e.data, font=font, fill=0)
            pieces.append((img, e.align))
        elif isinstance(e, QrCode):
            import qrcode
            from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

            ec = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}[e.ec]
            qr = qrcode.QRCode(error_correction=ec, box_size=max(1, e.size), border=1)
            qr.add_data(e.data)
            qr.make(fit=True)
            img = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
            if img.width > width:
                img = img.resize((width, width), Image.NEAREST)
            pieces.append((img, e.align))
        elif isinstance(e, Raster):
            img = Image.frombytes("1", (e.width, e.height), bytes(b ^ 0xFF for b in e.bits)).convert("L")
            if img.width > width:
                img = img.crop((0, 0, width, img.height))
            pieces.append((img, e.align))

    total = sum(p.height for p, _ in pieces) + 2 * margin
    paper = Image.new("L", (width, max(total, line_h)), 255)
    y = margin
    for img, align in pieces:
        room = width - img.width
        x = {"center": room // 2, "right": room}.get(align, 0)
        paper.paste(img, (max(0, x), y))
        y += img.height
    return paper


def render_png(data: bytes | Decoded, **kwargs: Any) -> bytes:
    """PNG bytes of ``render_image`` (Kivy shows them with CoreImage(BytesIO(png), ext="png"))."""
    buf = io.BytesIO()
    render_image(data, **kwargs).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
