"""What the running kiosk keeps in memory (issue 18, kiosk_rss_mb): labels drawn on
screen keep their texture, not a second copy of their pixels."""

from __future__ import annotations

from kivy.uix.label import Label


def labels(root) -> list[Label]:  # noqa: ANN001
    return [w for w in root.walk(restrict=True) if isinstance(w, Label)]


def test_drawn_labels_keep_no_copy_of_their_pixels(seller) -> None:  # noqa: ANN001
    ui = seller
    sell = ui.screen("sell")
    shown = [lb for lb in labels(sell) if lb.text and lb.texture is not None]
    assert len(shown) > 10, "the selling screen shows its labels"
    # drawn, with their text in their texture ...
    assert all(lb.texture.size[0] > 1 for lb in shown)
    # ... and the SDL surface they were rendered in let go (kiosk/ui/label_pixels.py)
    kept = [lb.text for lb in shown if getattr(lb._label, "_surface", None) is not None]
    assert kept == []


def test_a_label_drawn_again_shows_its_new_text(seller) -> None:  # noqa: ANN001
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text="Hola", font_size=20)
    label.refresh()
    label.render(real=True)  # what drawing its texture does
    before = label.texture.size
    label.text = "Hola, ¿cómo está?"
    label.refresh()
    label.render(real=True)
    assert label.texture.size[0] > before[0] > 1
    assert label._surface is None
    pixels = label.texture.pixels  # the text is in the texture: some pixel is not blank
    assert any(pixels[i] for i in range(3, len(pixels), 4))


def test_screens_off_the_selling_path_are_built_when_first_shown(seller) -> None:  # noqa: ANN001
    from kiosk.ui.app import LATER_SCREENS

    ui = seller
    assert not any(ui.app.sm.has_screen(name) for name in LATER_SCREENS)
    ui.app.show_history()
    ui.frames(3)
    assert ui.current == "history" and ui.app.sm.has_screen("history")
    assert ui.visible_texts(ui.screen("history")), "the history screen shows its content"
    ui.app.show("sell")
    ui.frames(2)
    assert ui.screen("history") is ui.app.sm.get_screen("history")  # built once
