#!/usr/bin/env bash
# Remove the Kiosk POS: service, timer, udev rules and the program in /opt/kiosk.
# The shop's data (/var/lib/kiosk: database, backups, images) and the configuration
# (/etc/kiosk) are kept unless --purge is given; the console login on tty1 comes back.
#
#   sudo /opt/kiosk/share/uninstall.sh            keep data and configuration
#   sudo /opt/kiosk/share/uninstall.sh --purge    delete them too, and the kiosk user
#   uninstall.sh --root /tmp/stage                staging root (as install.sh --root)
set -euo pipefail

ROOT=""
KIOSK_USER="kiosk"
PURGE=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --root) ROOT=${2%/}; shift 2 ;;
        --user) KIOSK_USER=$2; shift 2 ;;
        --purge) PURGE=1; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

say() { echo "kiosk-uninstall: $*"; }
staging() { [[ -n "$ROOT" ]]; }
system() {
    if staging; then
        say "skipped (staging): $*"
    else
        "$@" || say "warning: '$*' failed (continuing)"
    fi
}
remove() {
    local path
    for path in "$@"; do
        if [[ -e "$path" || -L "$path" ]]; then
            rm -rf -- "$path"
            say "removed $path"
        fi
    done
}

if ! staging && [[ $EUID -ne 0 ]]; then
    echo "kiosk-uninstall: run as root (sudo $0)" >&2
    exit 1
fi

system systemctl disable --now kiosk-backup.timer kiosk-release-good.timer kiosk-customer-screen.service kiosk.service
system systemctl disable kiosk-release-boot.service
system systemctl stop kiosk-backup.service kiosk-release-good.service
for unit in kiosk.service kiosk-backup.service kiosk-backup.timer kiosk-release-boot.service \
            kiosk-release-good.service kiosk-release-good.timer kiosk-customer-screen.service; do
    remove "$ROOT/etc/systemd/system/$unit"
done
remove "$ROOT/etc/udev/rules.d/70-kiosk.rules" "$ROOT/etc/systemd/system.conf.d/kiosk-watchdog.conf"
system systemctl daemon-reload
system udevadm control --reload-rules
system systemctl enable --now getty@tty1.service
remove "$ROOT/opt/kiosk"
if [[ "$(readlink "$ROOT/usr/local/bin/kiosk-admin" || true)" == /opt/kiosk/* ]]; then
    remove "$ROOT/usr/local/bin/kiosk-admin"
fi

if [[ $PURGE -eq 1 ]]; then
    remove "$ROOT/var/lib/kiosk" "$ROOT/etc/kiosk"
    if id -u "$KIOSK_USER" >/dev/null 2>&1; then
        system userdel "$KIOSK_USER"
    fi
else
    say "kept the shop's data in $ROOT/var/lib/kiosk and the configuration in $ROOT/etc/kiosk"
    say "(remove them with --purge)"
fi
