# One command to set up and test, one to set up and run the demo kiosk.
#   make test   - system packages (when root), virtualenv, project, whole test suite
#   make run    - same setup, then the kiosk on the demo shop in a window
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Debian packages the suite needs: a virtual X server and Mesa for the Kivy UI tests,
# socat for serial/pty checks, systemd-analyze and shellcheck for the appliance files,
# xmlsec1 to verify DIAN signatures with a verifier independent of our own code.
APT_PACKAGES := python3-venv xvfb xauth libgl1-mesa-dri libegl1 libgl1 libmtdev1 \
                socat shellcheck systemd sqlite3 xmlsec1

.PHONY: test run setup system-packages screenshots bench clean

# One worker per core (pytest-xdist); a file's tests stay together on one worker, and
# each worker's UI tests get their own Xvfb display.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

run: setup
	$(BIN)/kiosk --demo --windowed

setup: system-packages $(STAMP)

# Installs system packages only when running as root on a Debian-like system
# (CI, a fresh Pi); a developer without root is told what is missing instead.
system-packages:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  fi; \
	else \
	  for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo "note: Debian package $$p is not installed (run as root to install)"; done; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Re-takes every screen (800x480 ... 1920x1080, day and night) into tests/_artifacts/screenshots/
# and refreshes the README's pictures in kiosk/ui/screenshots/.
screenshots: setup
	KIOSK_UPDATE_README_IMAGES=1 $(BIN)/python -m pytest tests/ui/test_screenshots.py -q

bench: setup
	$(BIN)/kiosk-admin bench --products 100000 --json

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/_artifacts
