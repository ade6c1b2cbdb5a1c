"""Kivy's SDL2 text provider keeps each label's rendered pixels after they are on the
GPU.

``LabelSDL2`` draws a label's text into an SDL surface, copies the pixels out for the
texture and then holds the surface until the label is drawn again or goes away: one
width x height x 4 bytes copy per label on screen, used by nothing (the pygame
provider deletes its surface at the same point). In the kiosk after 100 sales that
was ~180 surfaces, ~5 MB of the process's memory (issue 18, kiosk_rss_mb).
``install()`` makes the provider let go of the surface once its pixels are copied."""

from __future__ import annotations

_installed = False


def install() -> bool:
    """Patch the SDL2 text provider (once per process); False when Kivy uses another."""
    global _installed
    if _installed:
        return True
    try:
        from kivy.core.text.text_sdl2 import LabelSDL2
    except ImportError:  # another text provider: it is not ours to change
        return False

    def _render_end(self):  # noqa: ANN001, ANN202 - the provider's own signature
        try:
            return self._surface.get_data()  # a copy (ImageData over bytes): the surface is done with
        finally:
            self._surface = None

    LabelSDL2._render_end = _render_end
    _installed = True
    return True
