#!/usr/bin/env bash
# Install, update or upgrade the Kiosk POS on Raspberry Pi OS Bookworm (64-bit).
#
#   sudo systemd/install.sh                 install, or upgrade to this source tree
#   systemd/install.sh --root /tmp/stage    write every file under a staging root
#                                           (no apt, no users, no systemctl: shown only)
#
# Safe to run again: files already right are left alone, so a second run changes
# nothing. An upgrade (this tree differs from the installed release) is done by the
# new release's `kiosk-admin upgrade`: back up, migrate, restart, and roll back to the
# previous release and database if the kiosk does not come up.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
KIOSK_USER="kiosk"
PYTHON="python3"
PIP_ARGS=""
ADMIN_PYTHON=""
START=1

HW_GROUPS="dialout lp input video render gpio"
APT_PACKAGES="python3 python3-venv python3-pip python3-dev build-essential sqlite3 \
libgl1-mesa-dri libegl1 libgles2 libgbm1 libdrm2 libmtdev1 libusb-1.0-0 \
libsdl2-2.0-0 libsdl2-image-2.0-0 libsdl2-mixer-2.0-0 libsdl2-ttf-2.0-0 fonts-dejavu-core"

usage() {
    cat <<EOF
usage: $0 [--root DIR] [--user NAME] [--python PY] [--pip-args ARGS] [--admin-python PY] [--no-start]

  --root DIR          install into a staging root: files only, system changes are printed
  --user NAME         the system user the kiosk runs as (default: kiosk)
  --python PY         interpreter for the virtual environment (default: python3)
  --pip-args ARGS     extra arguments for pip (e.g. "--no-deps" in tests)
  --admin-python PY   run kiosk-admin from the source tree with this interpreter
                      (staging: the release has no dependencies installed)
  --no-start          install and enable, but do not start the service
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --root) ROOT=${2%/}; shift 2 ;;
        --user) KIOSK_USER=$2; shift 2 ;;
        --python) PYTHON=$2; shift 2 ;;
        --pip-args) PIP_ARGS=$2; shift 2 ;;
        --admin-python) ADMIN_PYTHON=$2; shift 2 ;;
        --no-start) START=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

PREFIX="$ROOT/opt/kiosk"
ETC="$ROOT/etc/kiosk"
STATE="$ROOT/var/lib/kiosk"
UNIT_DIR="$ROOT/etc/systemd/system"
UDEV_DIR="$ROOT/etc/udev/rules.d"
UNITS="kiosk.service kiosk-backup.service kiosk-backup.timer"
CHANGED=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say() { echo "kiosk-install: $*"; }
die() { echo "kiosk-install: error: $*" >&2; exit 1; }
staging() { [[ -n "$ROOT" ]]; }

# Run a command that changes the real system; in staging mode only show it.
system() {
    if staging; then
        say "skipped (staging): $*"
    else
        "$@"
    fi
}

user_exists() { id -u "$KIOSK_USER" >/dev/null 2>&1; }
kiosk_group() { id -gn "$KIOSK_USER"; }

# Ownership is applied when we can (root, and the user exists); otherwise shown.
own() {
    local owner=$1 path=$2 want have
    if [[ $EUID -ne 0 ]] || { [[ $owner != root:root ]] && ! user_exists; }; then
        say "would chown $owner $path"
        return
    fi
    want=$(id -u "${owner%%:*}"):$(getent group "${owner##*:}" | cut -d: -f3)
    have=$(stat -c %u:%g "$path")
    if [[ "$want" != "$have" ]]; then
        chown "$owner" "$path"
        CHANGED=1
    fi
}

ensure_dir() {
    local dir=$1 mode=$2 owner=$3
    if [[ ! -d "$dir" ]]; then
        mkdir -p "$dir"
        say "created $dir"
        CHANGED=1
    fi
    if [[ "$(stat -c %a "$dir")" != "${mode#0}" ]]; then
        chmod "$mode" "$dir"
        CHANGED=1
    fi
    own "$owner" "$dir"
}

# Copy a file into place unless it is already there with the same content and mode.
put() {
    local src=$1 dest=$2 mode=$3 owner=$4
    if [[ -f "$dest" ]] && cmp -s "$src" "$dest"; then
        if [[ "$(stat -c %a "$dest")" != "${mode#0}" ]]; then
            chmod "$mode" "$dest"
            CHANGED=1
        fi
    else
        mkdir -p "$(dirname "$dest")"
        cp "$src" "$dest.new"
        chmod "$mode" "$dest.new"
        mv -f "$dest.new" "$dest"
        say "wrote $dest"
        CHANGED=1
    fi
    own "$owner" "$dest"
}

admin() {
    if [[ -n "$ADMIN_PYTHON" ]]; then
        KIOSK_SHARE_DIR="$SRC/systemd" PYTHONPATH="$SRC" "$ADMIN_PYTHON" -m kiosk.cli.main "$@"
    else
        KIOSK_SHARE_DIR="$SRC/systemd" "$RELEASE/bin/kiosk-admin" "$@"
    fi
}

# --- 1. the system ------------------------------------------------------------------
if ! staging; then
    [[ $EUID -eq 0 ]] || die "run as root (sudo $0), or use --root DIR for a staging install"
    if [[ -r /etc/os-release ]] && ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
        say "warning: made for Raspberry Pi OS Bookworm; this system is different"
    fi
    missing=""
    for p in $APT_PACKAGES; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [[ -n "$missing" ]]; then
        say "installing system packages:$missing"
        apt-get update -qq
        # shellcheck disable=SC2086  # a list of package names
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    fi
else
    say "staging into $ROOT"
    say "skipped (staging): apt-get install $(echo "$APT_PACKAGES" | tr -s ' ')"
fi

# --- 2. the kiosk user and the groups its hardware needs ------------------------------
for g in $HW_GROUPS; do
    getent group "$g" >/dev/null || system groupadd --system "$g"
done
if ! user_exists; then
    system useradd --system --user-group --home-dir /var/lib/kiosk --no-create-home \
        --shell /usr/sbin/nologin --comment "Kiosk POS" "$KIOSK_USER"
fi
if user_exists; then
    for g in $HW_GROUPS; do
        if getent group "$g" >/dev/null && ! id -nG "$KIOSK_USER" | tr ' ' '\n' | grep -qx "$g"; then
            system usermod --append --groups "$g" "$KIOSK_USER"
        fi
    done
fi
if user_exists; then GROUP=$(kiosk_group); else GROUP=$KIOSK_USER; fi

# --- 3. directories -----------------------------------------------------------------
ensure_dir "$PREFIX" 0755 root:root
ensure_dir "$PREFIX/releases" 0755 root:root
ensure_dir "$PREFIX/share" 0755 root:root
ensure_dir "$ETC" 0750 "root:$GROUP"
ensure_dir "$STATE" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$STATE/backups" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$STATE/kivy" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$UNIT_DIR" 0755 root:root
ensure_dir "$UDEV_DIR" 0755 root:root

# --- 4. the release: a virtual environment with this source tree ---------------------
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$SRC/pyproject.toml" | head -n1)
SOURCE_HASH=$(cd "$SRC" && find pyproject.toml README.md kiosk hardware db -type f \
    ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum \
    | sha256sum | cut -c1-12)
RELEASE_ID="$VERSION-$SOURCE_HASH"
RELEASE="$PREFIX/releases/$RELEASE_ID"
if [[ -f "$RELEASE/.complete" ]]; then
    say "release $RELEASE_ID already built"
else
    say "building release $RELEASE_ID"
    rm -rf "$RELEASE"
    "$PYTHON" -m venv "$RELEASE"
    # Build from a copy: pip writes build/ and *.egg-info next to the sources.
    mkdir -p "$WORK/src"
    (cd "$SRC" && tar --exclude=__pycache__ -cf - pyproject.toml README.md kiosk hardware db) \
        | tar -C "$WORK/src" -xf -
    # shellcheck disable=SC2086  # PIP_ARGS holds several arguments
    "$RELEASE/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        $PIP_ARGS "$WORK/src"
    echo "$RELEASE_ID" > "$RELEASE/.complete"
    CHANGED=1
fi

# --- 5. shared files, configuration, units, udev rules, Kivy -----------------------------
for f in kiosk.toml kiosk.service kiosk-backup.service kiosk-backup.timer \
         70-kiosk.rules.in kivy-config.ini.in; do
    put "$SRC/systemd/$f" "$PREFIX/share/$f" 0644 root:root
done
put "$SRC/systemd/uninstall.sh" "$PREFIX/share/uninstall.sh" 0755 root:root
put "$SRC/README.md" "$PREFIX/share/README.md" 0644 root:root

if [[ -e "$ETC/kiosk.toml" ]]; then
    say "keeping the existing $ETC/kiosk.toml"
else
    put "$SRC/systemd/kiosk.toml" "$ETC/kiosk.toml" 0640 "root:$GROUP"
fi

for unit in $UNITS; do
    put "$SRC/systemd/$unit" "$UNIT_DIR/$unit" 0644 root:root
done

# `sudo kiosk-admin ...` (sudo's PATH has /usr/local/bin, not the release)
mkdir -p "$ROOT/usr/local/bin"
if [[ "$(readlink "$ROOT/usr/local/bin/kiosk-admin" || true)" != /opt/kiosk/venv/bin/kiosk-admin ]]; then
    ln -sfn /opt/kiosk/venv/bin/kiosk-admin "$ROOT/usr/local/bin/kiosk-admin"
    say "linked $ROOT/usr/local/bin/kiosk-admin"
    CHANGED=1
fi

admin --config "$ETC/kiosk.toml" config check >/dev/null 2>"$WORK/check.err" || {
    # exit 1 only means a device is not plugged in yet; 2 is a broken configuration
    [[ $? -eq 1 ]] || { cat "$WORK/check.err" >&2; die "fix $ETC/kiosk.toml and run the installer again"; }
}
admin --config "$ETC/kiosk.toml" udev-rules --user "$KIOSK_USER" --output "$WORK/70-kiosk.rules"
put "$WORK/70-kiosk.rules" "$UDEV_DIR/70-kiosk.rules" 0644 root:root
admin --config "$ETC/kiosk.toml" kivy-config --output "$WORK/kivy-config.ini"
put "$WORK/kivy-config.ini" "$STATE/kivy/config.ini" 0640 "$KIOSK_USER:$GROUP"

# --- 6. switch to the release, start -----------------------------------------------
CURRENT=""
if [[ -L "$PREFIX/venv" ]]; then
    CURRENT=$(readlink -f "$PREFIX/venv")
fi
if [[ "$CURRENT" == "$(readlink -f "$RELEASE")" ]]; then
    say "release $RELEASE_ID is the one in use"
elif staging || [[ -z "$CURRENT" ]]; then
    ln -sfn "releases/$RELEASE_ID" "$PREFIX/venv.new"
    mv -Tf "$PREFIX/venv.new" "$PREFIX/venv"
    say "now using release $RELEASE_ID"
    CHANGED=1
fi

system systemctl daemon-reload
system udevadm control --reload-rules
system udevadm trigger --action=change
# The kiosk takes tty1: no console login racing it at boot (uninstall.sh gives it back).
system systemctl disable getty@tty1.service
system systemctl enable kiosk.service kiosk-backup.timer

if ! staging && [[ -n "$CURRENT" && "$CURRENT" != "$(readlink -f "$RELEASE")" ]]; then
    say "upgrading from $(basename "$CURRENT") to $RELEASE_ID"
    if ! "$RELEASE/bin/kiosk-admin" --config "$ETC/kiosk.toml" upgrade --release "$RELEASE" \
            --prefix "$PREFIX"; then
        die "upgrade failed; see the messages above and: kiosk-admin status, kiosk-admin logs"
    fi
    system systemctl start kiosk-backup.timer
elif [[ $START -eq 1 ]]; then
    # First start: create or migrate the database as the kiosk user, then the service.
    system runuser -u "$KIOSK_USER" -- env STATE_DIRECTORY=/var/lib/kiosk \
        "$PREFIX/venv/bin/kiosk-admin" --config /etc/kiosk/kiosk.toml migrate
    if [[ $CHANGED -eq 1 ]]; then
        system systemctl restart kiosk.service
    else
        system systemctl start kiosk.service
    fi
    system systemctl start kiosk-backup.timer
fi

if [[ $CHANGED -eq 1 ]]; then
    say "done"
else
    say "done (nothing to change)"
fi
