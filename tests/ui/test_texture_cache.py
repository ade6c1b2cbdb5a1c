"""Product tile textures are cached, most recently used first, and bounded: a day of
searching a large catalog must not keep a texture for every initials-and-colour pair."""

from kiosk.ui.images import TextureCache


def test_placeholders_and_pictures_are_kept_most_recent_first_and_bounded(kivy_window, tmp_path):  # noqa: ANN001
    from PIL import Image

    cache = TextureCache(tmp_path, limit=3, placeholder_limit=4)
    first = cache.placeholder("Cloro tradicional", "#00897B")
    assert cache.placeholder("Cloro tradicional", "#00897B") is first  # same initials and colour: one texture
    assert cache.placeholder("Crema Tarro", "#00897B") is first  # "CT" again
    names = [f"{a} {b}" for a in "ABCDEFGH" for b in "XYZ"]
    for name in names:
        cache.placeholder(name, "#607D8B")
        assert cache._placeholders.cache_info().currsize <= 4
    assert cache.placeholder("Cloro tradicional", "#00897B") is not first  # it went; made again
    recent = cache.placeholder(names[-1], "#607D8B")
    cache.placeholder("Otro", "#607D8B")
    assert cache.placeholder(names[-1], "#607D8B") is recent  # used recently: kept

    (tmp_path / "images").mkdir()
    for i in range(5):
        Image.new("RGB", (300, 200), (i, 2, 3)).save(tmp_path / "images" / f"p{i}.png")
    textures = [cache.picture(f"images/p{i}.png") for i in range(5)]
    assert all(t is not None and max(t.size) == 128 for t in textures)
    assert cache._pictures.cache_info().currsize == 3
    assert cache.picture("images/p4.png") is textures[4]
    assert cache.picture("images/p0.png") is not textures[0]  # decoded again
