"""Child process of the SIGKILL test: sends the till's waiting documents to the fake
DIAN service, prints "signed NUMBER" once the first signed XML is committed and then
waits there (before sending) until it is killed."""

import sys
import threading
from pathlib import Path

from kiosk.app_factory import build
from kiosk.fiscal.certificate import load_signing_identity
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.transport import SoapTransport
from kiosk.services.dian_outbox import DianOutbox
from tests.fiscal_shop.shop import fiscal_settings


def main(state_dir: str, url: str, p12: str, password_file: str) -> None:
    app = build(fiscal_settings(Path(state_dir)))

    def stop_here(number: str) -> None:
        print("signed", number, flush=True)
        threading.Event().wait()  # killed here, between signing and sending

    outbox = DianOutbox(app.db, app.fiscal, app.settings.dian,
                        identity_loader=lambda now: load_signing_identity(p12, password_file),
                        transport_factory=lambda identity: SoapTransport(url, identity, timeout_s=30),
                        validator=UblValidator.find(), after_sign=stop_here)
    outbox.process()


if __name__ == "__main__":
    main(*sys.argv[1:5])
