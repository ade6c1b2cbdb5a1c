"""Child process of the ``bare_kivy_rss`` probe: a one-label Kivy app configured as
the kiosk configures Kivy (same window size, same display), whose resident memory
after its first frames is the floor ``kiosk_rss_mb`` is compared with.

    python -m kiosk.bench.ui_bare STATE_DIR OUT.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from kiosk.bench.ui_cashier import rss_mb


def main(argv: list[str]) -> int:
    state, out = Path(argv[0]), Path(argv[1])
    from kiosk.config import load_settings
    from kiosk.main import configure_kivy

    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(state)},
                             overrides={"ui": {"fullscreen": False, "width": 800, "height": 480}})
    state.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(state / "kivy")
    configure_kivy(settings)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.uix.label import Label

    class Bare(App):
        def build(self) -> Label:
            return Label(text="Hola")

    app = Bare()

    def measure(_dt: float) -> None:
        out.write_text(json.dumps({"bare_kivy_rss_mb": rss_mb()}))
        app.stop()

    app.bind(on_start=lambda *_a: Clock.schedule_once(measure, 1.0))
    app.run()
    return 0 if out.exists() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
