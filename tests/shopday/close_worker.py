"""Child process for test_close_power_cut: closes the open till session and, inside
the closing's transaction (after the Z, its print job and the audit row were
written, before the commit), writes a marker file and waits to be killed."""

import sys
import time
from pathlib import Path

from kiosk.app_factory import build
from kiosk.services.access import TECHNICIAN
from tests.conftest import make_settings
from tests.shopday.conftest import DAY


def main(state_dir: str, marker: str) -> None:
    app = build(make_settings(Path(state_dir), **DAY))

    def inside() -> None:
        Path(marker).write_text("inside")
        while True:
            time.sleep(0.05)

    app.sessions.close(TECHNICIAN, counted=0, note="kill me", _inside=inside)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
