"""Product photos from a USB stick or folder: real files made with Pillow, bad ones
(text renamed .jpg, truncated, 50 MB, decompression bombs, unsupported formats)
refused with a clear message before anything is stored."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kiosk.app_factory import Services, build
from kiosk.core.errors import NotFound
from kiosk.core.inventory_errors import ImageTooLarge, ImageTooManyPixels, NotAnImage
from kiosk.services import media_files
from kiosk.services.users import UserInfo
from tests.conftest import make_settings
from tests.inventory.helpers import draft


def stored_files(app: Services) -> set[str]:
    root = app.state_dir / "images"
    return {str(p.relative_to(app.state_dir)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_photo_becomes_square_catalog_picture_and_thumbnail(app: Services, manager: UserInfo, photo: Path) -> None:
    rel = app.product_images.import_file(photo)
    assert rel.startswith("images/") and rel.endswith(".jpg")
    with Image.open(app.state_dir / rel) as img:
        assert img.size == (256, 256) and img.format == "JPEG"
        # Centre crop of a 640x480 photo whose left half is yellow: the left edge is yellow, the right blue.
        left, right = img.getpixel((10, 128)), img.getpixel((245, 128))
        assert left[0] > 200 and left[2] < 80 and right[2] > 150 and right[0] < 80
    thumb = app.product_images.thumbnail(rel)
    with Image.open(thumb) as img:
        assert img.size == (96, 96)
    # The same photo again: same name, nothing new stored.
    before = stored_files(app)
    assert app.product_images.import_file(photo) == rel
    assert stored_files(app) == before
    # The editor stores the returned path on the product; the tile shows it.
    pid = app.inventory.save_product(draft(image_path=rel), manager).product_id
    assert app.catalog.product(pid).image == rel
    assert app.product_images.tile(rel, "Jabón", "#D81B60") == app.state_dir / rel


def test_an_unused_imported_picture_can_be_forgotten(app: Services, manager: UserInfo, photo: Path,
                                                      tmp_path: Path) -> None:
    used = app.product_images.import_file(photo)
    other = tmp_path / "other.png"
    Image.new("RGB", (300, 200), (0, 160, 0)).save(other)
    unused = app.product_images.import_file(other)
    app.inventory.save_product(draft(image_path=used), manager)
    assert app.inventory.pictures_in_use({used, unused}) == {used}
    assert app.product_images.forget_unused({used, unused}) == [unused]
    assert not (app.state_dir / unused).exists()
    assert not (app.state_dir / "images" / "thumbs" / unused.rsplit("/", 1)[1]).exists()
    assert (app.state_dir / used).is_file()
    # Only what the kiosk imported itself: a hand-placed or demo picture is never deleted.
    (app.state_dir / "images" / "mine.png").write_bytes(b"x")
    assert not app.product_images.forget("images/mine.png")
    assert not app.product_images.forget("../kiosk.db")
    assert (app.state_dir / "images" / "mine.png").is_file()


def test_transparent_png_goes_on_white(app: Services, tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    img.paste((200, 0, 0, 255), (100, 100, 200, 200))
    img.save(path)
    rel = app.product_images.import_file(path)
    with Image.open(app.state_dir / rel) as out:
        assert out.getpixel((5, 5))[0] > 240 and out.getpixel((128, 128))[0] > 150


@pytest.mark.parametrize("name,make,error,message", [
    ("notes.jpg", lambda p: p.write_text("esto no es una foto"), NotAnImage, "notes.jpg no es una imagen"),
    ("half.jpg", "truncated", NotAnImage, "no es una imagen"),
    ("scan.tif", lambda p: Image.new("RGB", (50, 50)).save(p, format="TIFF"), NotAnImage, "JPEG, PNG"),
    ("empty.png", lambda p: p.write_bytes(b""), NotAnImage, "no es una imagen"),
])
def test_files_that_are_not_pictures_are_refused(app: Services, photo: Path, tmp_path: Path, name: str, make,
                                                 error: type, message: str) -> None:
    path = tmp_path / name
    if make == "truncated":
        path.write_bytes(photo.read_bytes()[:300])
    else:
        make(path)
    with pytest.raises(error) as exc:
        app.product_images.import_file(path)
    assert message in str(exc.value)
    assert stored_files(app) == set()


def test_a_50_mb_file_is_refused_from_its_size_alone(app: Services, tmp_path: Path) -> None:
    path = tmp_path / "enorme.jpg"
    with path.open("wb") as fh:
        fh.truncate(50 * 2**20)  # sparse: reading it would be the bug
    t0 = time.perf_counter()
    with pytest.raises(ImageTooLarge, match="enorme.jpg pesa 50 MB: las imágenes pueden pesar como máximo 20 MB"):
        app.product_images.import_file(path)
    assert time.perf_counter() - t0 < 1
    with pytest.raises(ImageTooLarge):
        app.product_images.preview(path)
    assert stored_files(app) == set()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims huge dimensions (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("width,height,megapixels", [(30_000, 30_000, 900), (10_000, 6_000, 60)])
def test_decompression_bombs_are_refused_before_decoding(app: Services, tmp_path: Path, width: int,
                                                         height: int, megapixels: int) -> None:
    path = tmp_path / "bomba.png"
    path.write_bytes(_png_claiming(width, height))
    assert path.stat().st_size < 1000
    with pytest.raises(ImageTooManyPixels, match=f"bomba.png tiene {megapixels} megapíxeles"):
        app.product_images.import_file(path)
    assert stored_files(app) == set()


def test_missing_file(app: Services, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        app.product_images.import_file(tmp_path / "nada.jpg")


def test_size_limit_comes_from_the_configuration(tmp_path: Path) -> None:
    state = tmp_path / "small"
    state.mkdir()
    app = build(make_settings(state, inventory={"image_max_mb": 1}))
    try:
        path = tmp_path / "ruido.png"
        Image.effect_noise((800, 800), 100).convert("RGB").save(path)
        assert path.stat().st_size > 2**20
        with pytest.raises(ImageTooLarge, match="como máximo 1 MB"):
            app.product_images.import_file(path)
    finally:
        app.close()


def test_chooser_previews_are_cached(app: Services, photo: Path) -> None:
    first = app.product_images.preview(photo)
    assert first.is_relative_to(app.state_dir / "cache")
    with Image.open(first) as img:
        assert img.size == (160, 160)
    mtime = first.stat().st_mtime_ns
    assert app.product_images.preview(photo) == first and first.stat().st_mtime_ns == mtime


def test_tiles_without_a_picture_get_a_placeholder(app: Services, tmp_path: Path) -> None:
    tile = app.product_images.tile(None, "Cloro tradicional", "#00897B")
    with Image.open(tile) as img:
        assert img.size == (256, 256) and img.getpixel((2, 2))[:3] == (0, 0x89, 0x7B)
    assert app.product_images.tile(None, "Cloro tradicional", "#00897B") == tile  # cached
    small = app.product_images.tile("images/missing.png", "Cloro", "#00897B", thumb=True)
    with Image.open(small) as img:
        assert img.size == (96, 96)
    assert app.product_images.tile("../../etc/passwd", "X", "#000000") != Path("/etc/passwd")
    # A stored picture without a thumbnail (demo pictures) gets one made on first use.
    (app.state_dir / "images").mkdir(exist_ok=True)
    Image.new("RGB", (256, 256), (1, 2, 3)).save(app.state_dir / "images" / "DEMO.png")
    thumb = app.product_images.tile("images/DEMO.png", "Demo", "#000000", thumb=True)
    assert thumb == app.state_dir / "images" / "thumbs" / "DEMO.png"


def test_file_chooser_listing(tmp_path: Path) -> None:
    stick = tmp_path / "USB"
    (stick / "Fotos").mkdir(parents=True)
    (stick / ".Trash-1000").mkdir()
    for name in ("b.JPG", "a.png", "notas.txt", ".oculto.jpg", "c.webp"):
        (stick / name).write_bytes(b"x")
    places = media_files.places([str(tmp_path / "*")], [str(tmp_path / "Fotos-que-no-existen")],
                                require_mount=False)
    assert [(p.label, p.removable) for p in places] == [("USB", True)]
    assert media_files.places([str(tmp_path / "*")], ()) == []  # not a mount point
    listing = media_files.list_folder(stick, media_files.IMAGE_EXTENSIONS, top=stick)
    assert [e.name for e in listing.folders] == ["Fotos"]
    assert [e.name for e in listing.files] == ["a.png", "b.JPG", "c.webp"]
    assert listing.parent is None  # never above the stick
    inner = media_files.list_folder(stick / "Fotos", media_files.IMAGE_EXTENSIONS, top=stick)
    assert inner.parent == stick
    csvs = media_files.list_folder(stick, media_files.CSV_EXTENSIONS)
    assert [e.name for e in csvs.files] == ["notas.txt"]
    with pytest.raises(NotFound):
        media_files.list_folder(stick / "nada", media_files.IMAGE_EXTENSIONS)


def test_file_chooser_caps_huge_folders(tmp_path: Path) -> None:
    for i in range(media_files.MAX_ENTRIES + 20):
        (tmp_path / f"f{i:04d}.jpg").write_bytes(b"")
    listing = media_files.list_folder(tmp_path, media_files.IMAGE_EXTENSIONS)
    assert listing.truncated and len(listing.files) == media_files.MAX_ENTRIES


def test_pictures_other_than_jpeg_over_12_megapixels_are_refused_before_decoding(app: Services,
                                                                                 tmp_path: Path) -> None:
    """A 49 MP PNG took 8 s and 630 MB to import; anything a PNG decodes in full over
    ~12 MP is refused from its header."""
    path = tmp_path / "cartel.png"
    Image.new("L", (4000, 3300)).save(path)  # 13.2 MP, a few KB on disk
    with pytest.raises(ImageTooManyPixels, match=r"cartel.png tiene 13 megapíxeles.*\(como máximo 12\)"):
        app.product_images.import_file(path)
    assert stored_files(app) == set()


def test_a_big_jpeg_is_decoded_at_a_reduced_scale_and_imported(app: Services, tmp_path: Path) -> None:
    path = tmp_path / "telefono.jpg"
    img = Image.new("L", (6000, 4000), 40)  # 24 MP, as a phone camera saves it
    img.paste(220, (0, 0, 3000, 4000))
    img.save(path, quality=70)
    rel = app.product_images.import_file(path)
    with Image.open(app.state_dir / rel) as out:
        assert out.size == (256, 256) and out.getpixel((10, 128))[0] > 180 and out.getpixel((245, 128))[0] < 80


def test_devices_and_pipes_are_not_pictures(app: Services, tmp_path: Path) -> None:
    import os
    import threading

    from kiosk.core.inventory_errors import NotARegularFile

    fifo = tmp_path / "foto.jpg"
    os.mkfifo(fifo)
    outcomes: dict[str, object] = {}

    def attempt(name: str, path: Path) -> None:
        try:
            app.product_images.import_file(path)
        except Exception as exc:  # noqa: BLE001 - the test looks at what came back
            outcomes[name] = exc

    threads = [threading.Thread(target=attempt, args=args, daemon=True)
               for args in (("fifo", fifo), ("zero", Path("/dev/zero")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(outcomes[n], NotARegularFile) for n in ("fifo", "zero")), outcomes


def test_cancelling_a_picture_import_stores_nothing(app: Services, photo: Path) -> None:
    from kiosk.core.progress import Cancelled, Progress

    class CancelAt(Progress):
        def __init__(self, at: str):
            super().__init__()
            self.at = at
            self.answers: list[bool] = []

        def stage(self, name: str, total: int = 0) -> None:
            if name == self.at:
                self.answers.append(self.cancel())
            super().stage(name, total)

    progress = CancelAt("decode")
    with pytest.raises(Cancelled):
        app.product_images.import_file(photo, progress)
    assert progress.answers == [True] and stored_files(app) == set()
    late = CancelAt("save")  # storing has begun: the cancel is refused and the picture kept
    rel = app.product_images.import_file(photo, late)
    assert late.answers == [False] and rel in stored_files(app)
