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
#
# It also installs the appliance's self-healing: the SoC hardware watchdog fed by
# systemd (/etc/systemd/system.conf.d/kiosk-watchdog.conf, RuntimeWatchdogSec=15s,
# in force from the next boot: a hung kernel or systemd resets the board), and the
# release units that roll back an upgrade which does not stay healthy
# (kiosk-release-good.timer) or did not prove itself before a reboot
# (kiosk-release-boot.service).
#
# The release gets exactly the packages requirements.lock pins, each checked by hash
# (pip --require-hashes); nothing unpinned or unhashed is fetched, not even to build.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
KIOSK_USER="kiosk"
PYTHON="python3"
PIP_ARGS=""
ADMIN_PYTHON=""
START=1
KIOSK_ONLY=0
CUSTOMER_SCREEN=0
UBL_XSD=""

HW_GROUPS="dialout lp input video render gpio"
APT_PACKAGES="python3 python3-venv python3-pip python3-dev build-essential sqlite3 \
libgl1-mesa-dri libegl1 libgles2 libgbm1 libdrm2 libmtdev1 libusb-1.0-0 \
libsdl2-2.0-0 libsdl2-image-2.0-0 libsdl2-mixer-2.0-0 libsdl2-ttf-2.0-0 fonts-dejavu-core"

usage() {
    cat <<EOF
usage: $0 [--root DIR] [--user NAME] [--python PY] [--pip-args ARGS] [--kiosk-only] [--admin-python PY] [--no-start]
          [--customer-screen]

  --root DIR          install into a staging root: files only, system changes are printed;
                      the staged kiosk.toml points state_dir at DIR/var/lib/kiosk
  --user NAME         the system user the kiosk runs as (default: kiosk)
  --python PY         interpreter for the virtual environment (default: python3)
  --pip-args ARGS     extra arguments for every pip call (e.g. "--no-index --find-links DIR"
                      to install from a folder of the locked files, offline)
  --kiosk-only        install the kiosk without the packages of requirements.lock (tests)
  --admin-python PY   run kiosk-admin from the source tree with this interpreter
                      (staging: the release has no dependencies installed)
  --no-start          install and enable, but do not start the service
  --customer-screen   enable the customer-facing second screen (kiosk-customer-screen.service);
                      also enabled when kiosk.toml sets [customer_display] screen_socket
  --ubl-xsd DIR       the OASIS UBL 2.1 schemas (folder holding maindoc/ and common/) to install
                      in /usr/share/kiosk/ubl-2.1-xsd for the DIAN documents' validation
                      (default: shared/reference/ubl-2.1-xsd beside the source tree, if there)
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --root) ROOT=${2%/}; shift 2 ;;
        --user) KIOSK_USER=$2; shift 2 ;;
        --python) PYTHON=$2; shift 2 ;;
        --pip-args) PIP_ARGS=$2; shift 2 ;;
        --kiosk-only) KIOSK_ONLY=1; shift ;;
        --admin-python) ADMIN_PYTHON=$2; shift 2 ;;
        --no-start) START=0; shift ;;
        --customer-screen) CUSTOMER_SCREEN=1; shift ;;
        --ubl-xsd) UBL_XSD=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
if [[ -n "$UBL_XSD" && ! -f "$UBL_XSD/maindoc/UBL-Invoice-2.1.xsd" ]]; then
    echo "kiosk-install: error: --ubl-xsd $UBL_XSD: no maindoc/UBL-Invoice-2.1.xsd there" >&2
    exit 1
fi
if [[ -n "$ROOT" ]]; then
    mkdir -p "$ROOT"
    ROOT=$(cd "$ROOT" && pwd)  # absolute: the staged kiosk.toml names paths under it
fi

PREFIX="$ROOT/opt/kiosk"
ETC="$ROOT/etc/kiosk"
STATE="$ROOT/var/lib/kiosk"
LOCKFILE="$SRC/requirements.lock"
UNIT_DIR="$ROOT/etc/systemd/system"
UDEV_DIR="$ROOT/etc/udev/rules.d"
UNITS="kiosk.service kiosk-backup.service kiosk-backup.timer kiosk-release-boot.service \
kiosk-release-good.service kiosk-release-good.timer kiosk-customer-screen.service"
# The SoC's hardware watchdog, fed by systemd (RuntimeWatchdogSec=15s): a hung kernel
# or systemd resets the board. A drop-in for systemd's own configuration; it takes
# effect at the next boot (see systemd/kiosk-watchdog.conf).
WATCHDOG_CONF="$ROOT/etc/systemd/system.conf.d/kiosk-watchdog.conf"
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

# kiosk-admin as a technician's sudo runs it: no $STATE_DIRECTORY, no $KIOSK_CONFIG.
admin() {
    if [[ -n "$ADMIN_PYTHON" ]]; then
        env -u STATE_DIRECTORY -u KIOSK_CONFIG KIOSK_SHARE_DIR="$SRC/systemd" PYTHONPATH="$SRC" \
            "$ADMIN_PYTHON" -m kiosk.cli.main "$@"
    else
        env -u STATE_DIRECTORY -u KIOSK_CONFIG KIOSK_SHARE_DIR="$SRC/systemd" "$RELEASE/bin/kiosk-admin" "$@"
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
ensure_dir "$PREFIX/share/docs" 0755 root:root
ensure_dir "$ETC" 0750 "root:$GROUP"
ensure_dir "$STATE" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$STATE/backups" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$STATE/kivy" 0750 "$KIOSK_USER:$GROUP"
ensure_dir "$UNIT_DIR" 0755 root:root
ensure_dir "$UDEV_DIR" 0755 root:root

# --- 4. the release: a virtual environment with this source tree ---------------------
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$SRC/pyproject.toml" | head -n1)
SOURCE_HASH=$(cd "$SRC" && find pyproject.toml requirements.lock README.md kiosk hardware db -type f \
    ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum \
    | sha256sum | cut -c1-12)
RELEASE_ID="$VERSION-$SOURCE_HASH"
RELEASE="$PREFIX/releases/$RELEASE_ID"
COMPLETE="$RELEASE_ID"
[[ $KIOSK_ONLY -eq 0 ]] || COMPLETE="$RELEASE_ID kiosk-only"

rpip() {
    "$RELEASE/bin/python" -m pip --quiet --disable-pip-version-check --no-input "$@"
}
pip_install() {
    # shellcheck disable=SC2086  # PIP_ARGS holds several arguments
    rpip install "$@" $PIP_ARGS
}

if [[ -f "$RELEASE/.complete" && "$(cat "$RELEASE/.complete")" == "$COMPLETE" ]]; then
    say "release $RELEASE_ID already built"
else
    say "building release $RELEASE_ID"
    [[ -f "$LOCKFILE" ]] || die "$LOCKFILE is missing (make lock creates it)"
    rm -rf "$RELEASE"
    "$PYTHON" -m venv "$RELEASE"
    # pip and the build backend first, from the lock: the packages published only as
    # source (evdev) and the kiosk are then built with them, without build isolation,
    # which would fetch its own unhashed setuptools.
    "$PYTHON" "$SRC/tools/lock.py" bootstrap > "$WORK/bootstrap.lock"
    pip_install --require-hashes --no-deps -r "$WORK/bootstrap.lock"
    if [[ $KIOSK_ONLY -eq 0 ]]; then
        pip_install --require-hashes --no-build-isolation -r "$LOCKFILE"
    fi
    # Build from a copy: pip writes build/ and *.egg-info next to the sources.
    mkdir -p "$WORK/src"
    (cd "$SRC" && tar --exclude=__pycache__ -cf - pyproject.toml README.md kiosk hardware db) \
        | tar -C "$WORK/src" -xf -
    pip_install --no-deps --no-build-isolation --no-index "$WORK/src"
    if [[ $KIOSK_ONLY -eq 0 ]]; then
        rpip check || die "the release's packages do not fit together (requirements.lock out of date? make lock)"
    fi
    cp "$LOCKFILE" "$RELEASE/requirements.lock"
    echo "$COMPLETE" > "$RELEASE/.complete"
    CHANGED=1
fi

# --- 5. shared files, configuration, units, udev rules, Kivy -----------------------------
for f in kiosk.toml $UNITS kiosk-watchdog.conf 70-kiosk.rules.in kivy-config.ini.in; do
    put "$SRC/systemd/$f" "$PREFIX/share/$f" 0644 root:root
done
put "$SRC/systemd/uninstall.sh" "$PREFIX/share/uninstall.sh" 0755 root:root
put "$SRC/systemd/release-guard.sh" "$PREFIX/share/release-guard.sh" 0755 root:root
put "$SRC/README.md" "$PREFIX/share/README.md" 0644 root:root
for f in "$SRC"/docs/*.md; do
    put "$f" "$PREFIX/share/docs/${f##*/}" 0644 root:root
done

# The UBL 2.1 schemas the DIAN documents are validated against before they are sent
# (kiosk/fiscal/schemas.py finds them here; [dian] schema_dir may name another folder).
XSD_DEST="$ROOT/usr/share/kiosk/ubl-2.1-xsd"
if [[ -z "$UBL_XSD" ]]; then
    for d in "$SRC/../shared/reference/ubl-2.1-xsd" "$SRC/../../shared/reference/ubl-2.1-xsd"; do
        if [[ -f "$d/maindoc/UBL-Invoice-2.1.xsd" ]]; then UBL_XSD=$d; break; fi
    done
fi
if [[ -n "$UBL_XSD" ]]; then
    [[ -f "$UBL_XSD/maindoc/UBL-Invoice-2.1.xsd" ]] || die "--ubl-xsd $UBL_XSD: no maindoc/UBL-Invoice-2.1.xsd there"
    if ! diff -rq "$UBL_XSD" "$XSD_DEST" >/dev/null 2>&1; then
        mkdir -p "$(dirname "$XSD_DEST")"
        rm -rf "$XSD_DEST.new"
        cp -r "$UBL_XSD" "$XSD_DEST.new"
        find "$XSD_DEST.new" -type d -exec chmod 0755 {} + && find "$XSD_DEST.new" -type f -exec chmod 0644 {} +
        rm -rf "$XSD_DEST" && mv "$XSD_DEST.new" "$XSD_DEST"
        say "installed the UBL 2.1 schemas in $XSD_DEST"
        CHANGED=1
    fi
    own root:root "$XSD_DEST"
elif [[ ! -d "$XSD_DEST" ]]; then
    say "note: no UBL 2.1 schemas found (--ubl-xsd DIR): DIAN documents are sent without the local schema check"
fi

# The configuration names the state directory, so that kiosk-admin run with sudo (which
# drops the service's $STATE_DIRECTORY) works on the service's database.
if [[ -e "$ETC/kiosk.toml" ]]; then
    say "keeping the existing $ETC/kiosk.toml"
else
    sed "s|^state_dir = .*|state_dir = \"$STATE\"|" "$SRC/systemd/kiosk.toml" > "$WORK/kiosk.toml"
    grep -qx "state_dir = \"$STATE\"" "$WORK/kiosk.toml" || die "systemd/kiosk.toml has no state_dir line"
    put "$WORK/kiosk.toml" "$ETC/kiosk.toml" 0640 "root:$GROUP"
fi

for unit in $UNITS; do
    put "$SRC/systemd/$unit" "$UNIT_DIR/$unit" 0644 root:root
done
ensure_dir "$(dirname "$WATCHDOG_CONF")" 0755 root:root
put "$SRC/systemd/kiosk-watchdog.conf" "$WATCHDOG_CONF" 0644 root:root

# `sudo kiosk-admin ...` (sudo's PATH has /usr/local/bin, not the release)
mkdir -p "$ROOT/usr/local/bin"
if [[ "$(readlink "$ROOT/usr/local/bin/kiosk-admin" || true)" != /opt/kiosk/venv/bin/kiosk-admin ]]; then
    ln -sfn /opt/kiosk/venv/bin/kiosk-admin "$ROOT/usr/local/bin/kiosk-admin"
    say "linked $ROOT/usr/local/bin/kiosk-admin"
    CHANGED=1
fi

admin --config "$ETC/kiosk.toml" config check --json >"$WORK/check.json" 2>"$WORK/check.err" || {
    # exit 1 only means a device is not plugged in yet; 2 is a broken configuration
    [[ $? -eq 1 ]] || { cat "$WORK/check.err" >&2; die "fix $ETC/kiosk.toml and run the installer again"; }
}
USED_STATE=$("$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["state_dir"])' <"$WORK/check.json")
if [[ "$USED_STATE" != "$STATE" ]]; then
    say "warning: $ETC/kiosk.toml sets [paths] state_dir = \"$USED_STATE\", but the kiosk service keeps"
    say "warning: its data in $STATE: kiosk-admin would work on another database. Remove the line"
    say "warning: or set it to \"$STATE\"."
fi
# The customer's second screen: asked for (--customer-screen), or configured (the till
# publishes its cart on [customer_display] screen_socket).
if [[ $CUSTOMER_SCREEN -eq 0 ]] && "$PYTHON" -c 'import sys, tomllib
with open(sys.argv[1], "rb") as f:
    sys.exit(0 if tomllib.load(f).get("customer_display", {}).get("screen_socket") else 1)' "$ETC/kiosk.toml"; then
    CUSTOMER_SCREEN=1
fi
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
system systemctl enable kiosk.service kiosk-backup.timer kiosk-release-boot.service kiosk-release-good.timer
# The timers run before the kiosk is started: a first start that fails (a printer
# setting, a missing screen) must not leave the till without its nightly backup.
if [[ $START -eq 1 ]]; then
    system systemctl start kiosk-backup.timer kiosk-release-good.timer
fi
if [[ $CUSTOMER_SCREEN -eq 1 ]]; then
    # After kiosk.service, not bound to it: started with it at boot, left alone when it restarts.
    system systemctl enable kiosk-customer-screen.service
else
    system systemctl disable kiosk-customer-screen.service
fi

if ! staging && [[ -n "$CURRENT" && "$CURRENT" != "$(readlink -f "$RELEASE")" ]]; then
    say "upgrading from $(basename "$CURRENT") to $RELEASE_ID"
    if ! "$RELEASE/bin/kiosk-admin" --config "$ETC/kiosk.toml" upgrade --release "$RELEASE" \
            --prefix "$PREFIX"; then
        die "upgrade failed; see the messages above and: kiosk-admin status, kiosk-admin logs"
    fi
    system systemctl try-restart kiosk-customer-screen.service  # the new release's screen too
elif [[ $START -eq 1 ]]; then
    # First start: create or migrate the database as the kiosk user, then the service.
    system runuser -u "$KIOSK_USER" -- env STATE_DIRECTORY=/var/lib/kiosk \
        "$PREFIX/venv/bin/kiosk-admin" --config /etc/kiosk/kiosk.toml migrate
    if [[ $CHANGED -eq 1 ]]; then
        system systemctl restart kiosk.service
    else
        system systemctl start kiosk.service
    fi
    if [[ $CUSTOMER_SCREEN -eq 1 ]]; then
        system systemctl restart kiosk-customer-screen.service
    fi
fi

if [[ $CHANGED -eq 1 ]]; then
    say "done"
else
    say "done (nothing to change)"
fi
