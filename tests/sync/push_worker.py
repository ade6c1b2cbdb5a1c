"""Child process for test_push_kill: pushes the till's outbox in small batches; after
the server has committed its second batch (before the till marks it sent) it writes a
marker file and waits to be killed."""

import sys
import time
from pathlib import Path

from db.engine import Database
from kiosk.services.sync_push import push


def main(state_dir: str, marker: str) -> None:
    db = Database(Path(state_dir) / "kiosk.db")

    def committed(batches: int) -> None:
        if batches == 1:  # the second batch is on the server
            Path(marker).write_text("committed")
            while True:
                time.sleep(1)

    push(db, Path(state_dir), batch=20, _committed=committed)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
