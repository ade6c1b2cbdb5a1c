# One command to set up and test, one to set up and run the demo kiosk.
#   make test   - system packages (when root), virtualenv, project, whole test suite
#   make run    - same setup, then the kiosk on the demo shop in a window (SHOP=serviteca: the car-service shop)
#   make bench  - performance figures with their budgets (PRODUCTS=N: catalog size, default 100000)
#   make lock   - refresh requirements.lock from pyproject.toml (on purpose, then commit it)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Debian packages the suite needs: a virtual X server and Mesa for the Kivy UI tests,
# socat for serial/pty checks, systemd-analyze and shellcheck for the appliance files,
# xmlsec1 to verify DIAN signatures with a verifier independent of our own code,
# xdotool and setxkbmap to type real key events (scanner tests under US/ES/LATAM layouts),
# postgresql for the shop-server tests (a throw-away cluster, tests/sync/conftest.py).
APT_PACKAGES := python3-venv xvfb xauth libgl1-mesa-dri libegl1 libgl1 libmtdev1 postgresql \
                socat shellcheck systemd sqlite3 xmlsec1 xdotool x11-xkb-utils

.PHONY: test run run-customer-screen setup system-packages screenshots bench clean lock lock-upgrade

# One worker per core (pytest-xdist); long tests first, each to whichever worker is free
# (tests sharing a module fixture stay together: tests/conftest.py), and
# each worker's UI tests get their own Xvfb display.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# make run SHOP=serviteca: the Colombian car-service shop (fiscal profile, fake DIAN).
# DAYS=N first rings up N days of history into the demo's state directory (a fresh one).
SHOP ?= cleaning
DEMO_STATE = $${XDG_DATA_HOME:-$$HOME/.local/share}/kiosk-demo$(if $(filter serviteca,$(SHOP)),-serviteca)
run: setup
	$(if $(DAYS),STATE_DIRECTORY=$(DEMO_STATE) $(BIN)/kiosk-admin demo-data --shop $(SHOP) --days $(DAYS))
	$(BIN)/kiosk --demo $(SHOP) --windowed

# The demo with the customer's second screen in a second window (docs/customer-display.md).
run-customer-screen: setup
	$(BIN)/kiosk --demo $(SHOP) --windowed --customer-screen

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

# Exactly what requirements.lock pins, checked by hash, in a virtual environment made
# afresh whenever the lock or pyproject.toml changes (so nothing left over from an older
# lock survives): first pip and the build backend, so that evdev (published as source
# only) and the kiosk itself build without fetching anything unhashed; then every
# package; then the kiosk, editable, offline and without dependencies. `pip check`
# catches a pyproject.toml dependency the lock does not have.
$(STAMP): pyproject.toml requirements.lock tools/lock.py
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PYTHON) tools/lock.py bootstrap > $(VENV)/bootstrap.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r $(VENV)/bootstrap.lock
	$(BIN)/python -m pip install -q --require-hashes --no-build-isolation -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation --no-index -e .
	$(BIN)/python -m pip check || { echo "requirements.lock does not match pyproject.toml: run 'make lock' and commit requirements.lock" >&2; exit 1; }
	touch $(STAMP)

# Re-resolve requirements.lock for Linux x86_64 and aarch64, Python 3.11, keeping the
# versions already locked where pyproject.toml still allows them; then download every
# file for both machines to check the hashes. lock-upgrade takes the newest versions.
lock:
	$(PYTHON) tools/lock.py

lock-upgrade:
	$(PYTHON) tools/lock.py --upgrade

# Re-takes every screen (800x480 ... 1920x1080, day and night) into tests/_artifacts/screenshots/
# and refreshes the README's pictures in kiosk/ui/screenshots/.
screenshots: setup
	KIOSK_UPDATE_README_IMAGES=1 $(BIN)/python -m pytest tests/ui/test_screenshots.py tests/ui/test_serviteca_demo.py tests/ui/test_returns_ui.py tests/ui/test_till_screens.py tests/ui/test_customer_screen.py -q

# make bench [PRODUCTS=N] [BENCH_ARGS="--only lookup_ratio,import_100k"]: the performance
# figures on a temporary catalog of N products (default 100000, kiosk-admin bench
# --products), printed as a table (figure, value, budget, ok/OVER) and then as JSON.
# The UI figures run the kiosk on a private Xvfb. Quote the load (uptime) with them.
PRODUCTS ?= 100000
bench: setup
	$(BIN)/kiosk-admin bench --products $(PRODUCTS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/_artifacts
