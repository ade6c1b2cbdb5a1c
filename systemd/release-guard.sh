#!/usr/bin/env bash
# Runs `kiosk-admin release boot|confirm` for the release units, with the kiosk-admin
# of the previous (known good) release when it has the command: a new release whose
# own programs cannot even start must still be rolled back. Otherwise the current one.
set -euo pipefail

PREFIX=${KIOSK_PREFIX:-/opt/kiosk}
action=${1:?usage: release-guard.sh boot|confirm}
for candidate in "$PREFIX/previous/bin/kiosk-admin" "$PREFIX/venv/bin/kiosk-admin"; do
    if [[ -x "$candidate" ]] && "$candidate" release --help >/dev/null 2>&1; then
        exec "$candidate" --config /etc/kiosk/kiosk.toml release "$action" --prefix "$PREFIX"
    fi
done
echo "release-guard.sh: no kiosk-admin with the release command in $PREFIX" >&2
exit 1
