"""Product photos: import a picture from a USB stick or a folder, previews for the
file chooser, and the picture (or generated placeholder) each catalog tile shows.

Safety before decoding: only regular files (never a device or a pipe), a file over
``max_bytes`` is refused from its size alone, only JPEG, PNG, WebP, GIF and BMP are
opened (never PostScript or other formats Pillow would hand to outside programs),
and the pixels that would be decoded are checked against ``max_pixels`` (12 MP by
default: a 256 px catalog picture never needs more) from the header, before any
pixel is decoded (decompression bombs): a JPEG is decoded at a reduced scale (1/2 to
1/8, Pillow's ``draft``), so a 48 MP phone photo decodes to well under 1 MP and is
fine; other formats decode in full, so a 49 MP PNG is refused at once instead of
taking seconds and hundreds of megabytes. The file is verified before it is
decoded for real. Imports run in the UI's worker thread with a ``Progress`` that
can cancel them until the picture is being stored.

Storage (under the state directory, paths stored relative to it):
    images/<digest>.jpg          256 px square catalog picture
    images/thumbs/<name>         96 px square thumbnail of any catalog picture
    images/placeholders/<key>.png  initials on the category colour
    cache/previews/<key>.jpg     file-chooser previews (disposable)
``<digest>`` is a hash of the source file, so importing the same photo twice gives
the same name and stores nothing new.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.core.errors import NotFound
from kiosk.core.inventory_errors import (
    FileUnreadable,
    ImageTooLarge,
    ImageTooManyPixels,
    NotAnImage,
    NotARegularFile,
)
from kiosk.core.product_fields import is_safe_relative_path
from kiosk.core.progress import Progress
from kiosk.services import media_files
from kiosk.services.images import CATALOG_SIZE, THUMB_SIZE, placeholder, square

if TYPE_CHECKING:
    from kiosk.services.inventory import InventoryService

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
IMAGES = "images"
THUMBS = "images/thumbs"
PLACEHOLDERS = "images/placeholders"
PREVIEWS = "cache/previews"
PREVIEW_SIZE = 160
STAGE_READ, STAGE_DECODE, STAGE_SAVE = "read", "decode", "save"
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, UnidentifiedImageError,
                  Image.DecompressionBombError)


def _save_atomic(img: Image.Image, path: Path, **options: object) -> None:
    """Write next to the target and rename: a power cut never leaves half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format="JPEG" if path.suffix == ".jpg" else "PNG", **options)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _flatten(img: Image.Image) -> Image.Image:
    """Transparent pictures go on white (square() would make the background black)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")


class ProductImages:
    def __init__(self, state_dir: Path, *, max_bytes: int = 20 * 2**20, max_pixels: int = 12_000_000,
                 mount_globs: Sequence[str] = ("/media/*/*", "/media/*", "/run/media/*/*", "/mnt/*"),
                 folders: Sequence[str] = (), inventory: InventoryService | None = None):
        self.state_dir = Path(state_dir)
        self.inventory = inventory  # which pictures products use (forget_unused)
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.mount_globs = tuple(mount_globs)
        self.folders = tuple(folders)

    # --- opening a picture safely ----------------------------------------------------
    def _read(self, source: Path) -> bytes:
        try:
            st = source.stat()
        except FileNotFoundError:
            raise NotFound(what=str(source)) from None
        except OSError as exc:
            raise FileUnreadable(name=source.name, reason=exc.strerror or str(exc)) from None
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(name=source.name)
        if st.st_size > self.max_bytes:
            raise self._too_large(source.name, st.st_size)
        try:
            fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # never waits on a pipe swapped in
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise NotARegularFile(name=source.name)
                data = fh.read(self.max_bytes + 1)
        except OSError as exc:
            raise FileUnreadable(name=source.name, reason=exc.strerror or str(exc)) from None
        if len(data) > self.max_bytes:  # it grew while we looked
            raise self._too_large(source.name, len(data))
        return data

    def _open(self, data: bytes, name: str, fit: int) -> Image.Image:
        """Verified, decoded picture reduced to about ``fit`` pixels on its short side."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below
            try:
                with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                    width, height = probe.size
                    if probe.format == "JPEG":  # what draft() below will decode
                        probe.draft("RGB", (fit * 2, fit * 2))
                    if probe.size[0] * probe.size[1] > self.max_pixels:
                        raise self._too_many(name, width * height)
                    probe.verify()
                img = Image.open(io.BytesIO(data), formats=FORMATS)
                if img.format == "JPEG":
                    img.draft("RGB", (fit * 2, fit * 2))  # decode at a reduced scale: fast, little memory
                img.load()
                img = ImageOps.exif_transpose(img)
                return _flatten(img)
            except ImageTooManyPixels:
                raise
            except Image.DecompressionBombError as exc:  # so big Pillow itself refused the header
                found = re.search(r"\((\d+) pixels\)", str(exc))
                raise self._too_many(name, int(found.group(1)) if found else None) from None
            except _DECODE_ERRORS:
                raise NotAnImage(name=name) from None

    def _too_large(self, name: str, size: int) -> ImageTooLarge:
        return ImageTooLarge(name=name, size_mb=media_files.mb_text(size), max_mb=media_files.mb_text(self.max_bytes))

    def _too_many(self, name: str, pixels: int | None) -> ImageTooManyPixels:
        mp = "?" if pixels is None else str(round(pixels / 1e6))
        return ImageTooManyPixels(name=name, megapixels=mp, max=self.max_pixels // 1_000_000)

    def check(self, source: Path | str) -> tuple[int, int]:
        """Would ``source`` import? Returns its (width, height); raises the reason otherwise."""
        source = Path(source)
        img = self._open(self._read(source), source.name, CATALOG_SIZE)
        return img.size

    # --- importing ---------------------------------------------------------------
    def import_file(self, source: Path | str, progress: Progress | None = None) -> str:
        """Store a photo as the square catalog picture and thumbnail; returns the
        path to put in the product (relative to the state directory). ``progress``
        may cancel it until the picture is being stored."""
        source = Path(source)
        progress = progress or Progress()
        progress.stage(STAGE_READ, 3)
        data = self._read(source)
        digest = hashlib.sha256(data).hexdigest()[:16]
        rel = f"{IMAGES}/{digest}.jpg"
        target = self.state_dir / rel
        thumb = self.state_dir / THUMBS / f"{digest}.jpg"
        if target.is_file() and thumb.is_file():
            progress.lock_in()
            return rel
        progress.stage(STAGE_DECODE, 3)
        img = self._open(data, source.name, CATALOG_SIZE)
        progress.advance(1)
        progress.lock_in()
        progress.stage(STAGE_SAVE, 3)
        _save_atomic(square(img, CATALOG_SIZE), target, quality=88, optimize=True)
        _save_atomic(square(img, THUMB_SIZE), thumb, quality=85, optimize=True)
        return rel

    def forget_unused(self, rels: Collection[str]) -> list[str]:
        """Delete those of ``rels`` that no product (active or not) shows any more:
        photos tried in the editor and not saved, pictures replaced. Returns them."""
        unused = set(rels) - {""} - self.inventory.pictures_in_use(rels)
        return sorted(rel for rel in unused if self.forget(rel))

    def forget(self, rel: str) -> bool:
        """Delete a picture this class imported (``images/<digest>.jpg``) and its
        thumbnail; the caller has checked that no product uses it. Anything else
        (demo pictures, paths typed by hand) is left alone."""
        if not re.fullmatch(rf"{IMAGES}/[0-9a-f]{{16}}\.jpg", rel or ""):
            return False
        name = rel.rsplit("/", 1)[1]
        for path in (self.state_dir / rel, self.state_dir / THUMBS / name):
            path.unlink(missing_ok=True)
        return True

    # --- file chooser ------------------------------------------------------------
    def places(self, *, require_mount: bool = True) -> list[media_files.Place]:
        return media_files.places(self.mount_globs, self.folders, require_mount=require_mount)

    def browse(self, folder: Path | str, top: Path | str | None = None) -> media_files.Listing:
        return media_files.list_folder(folder, media_files.IMAGE_EXTENSIONS, top=top)

    def preview(self, source: Path | str, size: int = PREVIEW_SIZE) -> Path:
        """A small square preview of a file on the stick (cached), for the chooser's
        grid. Raises the same errors as import_file for files it would refuse."""
        source = Path(source)
        try:
            st = source.stat()
        except OSError:
            raise NotFound(what=str(source)) from None
        key = hashlib.sha1(f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}|{size}".encode()).hexdigest()[:20]
        target = self.state_dir / PREVIEWS / f"{key}.jpg"
        if not target.is_file():
            img = self._open(self._read(source), source.name, size)
            _save_atomic(square(img, size), target, quality=80)
        return target

    # --- what a tile shows -------------------------------------------------------
    def resolve(self, rel: str | None) -> Path | None:
        """The stored picture's file, or None when there is none (or the path is unsafe)."""
        if not rel or not is_safe_relative_path(rel):
            return None
        path = self.state_dir / rel
        return path if path.is_file() else None

    def thumbnail(self, rel: str | None) -> Path | None:
        """The 96 px version of a stored picture, made on first use for pictures
        stored without one (demo pictures)."""
        full = self.resolve(rel)
        if full is None:
            return None
        thumb = self.state_dir / THUMBS / full.name
        if not thumb.is_file():
            try:
                with Image.open(full, formats=FORMATS) as img:
                    img.load()
                    _save_atomic(square(_flatten(img), THUMB_SIZE), thumb, optimize=True)
            except _DECODE_ERRORS:
                return None
        return thumb

    def placeholder(self, name: str, color: str, *, thumb: bool = False) -> Path:
        size = THUMB_SIZE if thumb else CATALOG_SIZE
        key = hashlib.sha1(f"{name}|{color}|{size}".encode()).hexdigest()[:16]
        path = self.state_dir / PLACEHOLDERS / f"{key}.png"
        if not path.is_file():
            _save_atomic(placeholder(name, color, size), path, optimize=True)
        return path

    def tile(self, rel: str | None, name: str, color: str = "#607D8B", *, thumb: bool = False) -> Path:
        """The file a product tile shows: its picture, else a placeholder with its
        initials on the category colour."""
        found = self.thumbnail(rel) if thumb else self.resolve(rel)
        return found or self.placeholder(name, color, thumb=thumb)
