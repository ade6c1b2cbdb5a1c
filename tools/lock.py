"""The dependency lock: ``requirements.lock`` pins every package the kiosk, its tests
and its build need — exact version and every file hash — for Linux x86_64 (CI,
development) and aarch64 (the Raspberry Pi), Python 3.11.

    python3 tools/lock.py                 refresh requirements.lock from pyproject.toml
                                          (what `make lock` runs), then check both platforms
    python3 tools/lock.py --no-verify     refresh only
    python3 tools/lock.py verify          download every locked file for x86_64 and aarch64
                                          with `pip download --require-hashes` (no install)
    python3 tools/lock.py bootstrap       print the lock's entries for pip, setuptools and
                                          wheel (installed first, so that nothing unhashed
                                          is ever fetched to build a package)
    .venv/bin/python tools/lock.py check  say what in pyproject.toml the lock does not cover

The lock is resolved by uv (`uv pip compile --universal --generate-hashes`), one file for
both machines; uv itself is pinned below and installed on first use next to the
virtual environment. Installing from the lock (Makefile, systemd/install.sh):

    pip install --require-hashes --no-deps -r <(tools/lock.py bootstrap)
    pip install --require-hashes --no-build-isolation -r requirements.lock
    pip install --no-deps --no-build-isolation --no-index <the kiosk>

Only the standard library is used here: this runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
UV_VERSION = "0.13.8"
UV_HOME = ROOT / ".venv" / "lock-tools" / f"uv-{UV_VERSION}"
PYTHON_VERSION = "3.11"
# Installed before everything else, from the lock and by hash: the installer (pip) and
# the build backend that builds packages published only as source (evdev) and the kiosk.
BOOTSTRAP = ("pip", "setuptools", "wheel")
# The machines the lock must install on: (name, pip platform tags). Raspberry Pi OS and
# Debian Bookworm have glibc 2.36, so every manylinux tag up to 2.36 fits.
PLATFORMS = {
    arch: [f"manylinux_2_{n}_{arch}" for n in range(36, 16, -1)] + [f"manylinux2014_{arch}", f"linux_{arch}"]
    for arch in ("x86_64", "aarch64")
}
REFRESH = "make lock"


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str  # normalized
    version: str
    marker: str
    hashes: tuple[str, ...]
    text: str  # the entry as it stands in the lock, continuation lines included


_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<spec>[^;\\]*?)\s*(?:;(?P<marker>[^\\]*))?\s*\\?\s*$")


def read_lock(path: Path = LOCK) -> dict[str, Pin]:
    """Every entry of a lock in requirements format (as uv and pip-compile write it).
    Raises ValueError for a line that is not an exact, hashed pin."""
    entries: dict[str, Pin] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        if line[0].isspace():
            raise ValueError(f"{path.name}:{i + 1}: continuation line without an entry: {line.strip()}")
        m = _ENTRY.match(line)
        if not m:
            raise ValueError(f"{path.name}:{i + 1}: not a package pin: {line.strip()}")
        block = [line]
        hashes = []
        i += 1
        while i < len(lines) and lines[i][:1].isspace():
            part = lines[i].strip()
            if part.startswith("--hash="):
                hashes.append(part.removeprefix("--hash=").rstrip(" \\"))
            if not part.startswith("#"):
                block.append(lines[i])
            i += 1
        spec = m["spec"].strip()
        if not spec.startswith("==") or any(c in spec[2:] for c in "<>=!~,*"):
            raise ValueError(f"{path.name}: {m['name']} is not pinned to one version ({spec or 'no version'})")
        name = normalize(m["name"])
        entries[name] = Pin(name, spec[2:].strip(), (m["marker"] or "").strip(), tuple(hashes), "\n".join(block))
    return entries


def build_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    with pyproject.open("rb") as fh:
        return list(tomllib.load(fh)["build-system"]["requires"])


def bootstrap_text(lock: Path = LOCK) -> str:
    pins = read_lock(lock)
    missing = [n for n in BOOTSTRAP if n not in pins]
    if missing:
        raise SystemExit(f"{lock.name} does not pin {', '.join(missing)}: run `{REFRESH}`")
    return "".join(pins[n].text.rstrip(" \\") + "\n" for n in BOOTSTRAP)


def problems(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> list[str]:
    """What keeps the lock from covering pyproject.toml: a dependency (runtime, any
    extra, the build backend) it does not pin, or pins outside the range asked for, or
    an entry without hashes. Needs ``packaging`` (in the lock: run it in the venv)."""
    from packaging.requirements import Requirement

    with pyproject.open("rb") as fh:
        data = tomllib.load(fh)
    project = data.get("project", {})
    wanted = [(r, "[project] dependencies") for r in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        wanted += [(r, f"[project.optional-dependencies] {extra}") for r in reqs]
    wanted += [(r, "[build-system] requires") for r in data.get("build-system", {}).get("requires", [])]
    try:
        pins = read_lock(lock)
    except FileNotFoundError:
        return [f"{lock.name} is missing"]
    except ValueError as exc:
        return [str(exc)]
    found = []
    for text, where in wanted:
        req = Requirement(text)
        pin = pins.get(normalize(req.name))
        if pin is None:
            found.append(f"{lock.name} does not pin {req.name} ({where} in {pyproject.name}: {text!r})")
        elif req.specifier and not req.specifier.contains(pin.version, prereleases=True):
            found.append(f"{lock.name} pins {req.name}=={pin.version}, outside {str(req.specifier)!r} "
                         f"({where} in {pyproject.name})")
    found += [f"{lock.name} pins {pin.name}=={pin.version} without a hash" for pin in pins.values() if not pin.hashes]
    found += [f"{lock.name} does not pin {name}, which is installed first" for name in BOOTSTRAP if name not in pins]
    return found


def advice() -> str:
    return (f"run `{REFRESH}` (it resolves {LOCK.name} again from {PYPROJECT.name} and checks the files for "
            f"x86_64 and aarch64), then commit {LOCK.name}")


# --- refreshing -------------------------------------------------------------------------

def uv() -> Path:
    """The pinned uv, installed with pip next to the virtual environment on first use."""
    exe = UV_HOME / "bin" / "uv"
    if not exe.is_file():
        print(f"installing uv {UV_VERSION} into {UV_HOME.relative_to(ROOT)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", str(UV_HOME), f"uv=={UV_VERSION}"], check=True)
    return exe


def compile_lock(upgrade: bool) -> None:
    # The build backend from [build-system] and pip itself are locked with the rest.
    extra = "\n".join(build_requirements() + ["pip"]) + "\n"
    cmd = [str(uv()), "pip", "compile", "pyproject.toml", "-", "--all-extras", "--universal",
           "--python-version", PYTHON_VERSION, "--generate-hashes", "--custom-compile-command", REFRESH,
           "--quiet", "--output-file", LOCK.name]
    if upgrade:
        cmd.append("--upgrade")  # newest versions allowed by pyproject.toml, not the ones locked now
    subprocess.run(cmd, input=extra, text=True, check=True, cwd=ROOT,
                   env={**os.environ, "UV_NO_CONFIG": "1"})
    print(f"{LOCK.name}: {len(read_lock())} packages pinned with their hashes")


def verify(lock: Path = LOCK) -> int:
    """Download every file the lock needs on each platform with hash checking, and say
    which packages would be built from source there. Exit status 1 on any failure."""
    pins = read_lock(lock)
    odd = sorted(p.name for p in pins.values() if "platform_machine" in p.marker)
    if odd:
        print(f"note: markers on the machine type ({', '.join(odd)}) are judged for this machine only")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-lock-") as tmp:
        for arch, tags in PLATFORMS.items():
            dest = Path(tmp) / arch
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "--no-deps", "--require-hashes", "--dest", str(dest), "--python-version", PYTHON_VERSION,
                   "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none",
                   *(x for tag in tags for x in ("--platform", tag)), "-r", str(lock)]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                failed += 1
                print(f"{arch}: FAILED\n{result.stdout}{result.stderr}", file=sys.stderr)
                continue
            files = sorted(p.name for p in dest.iterdir())
            sources = [f for f in files if not f.endswith(".whl")]
            line = f"{arch}: {len(files)} files, every hash checked"
            if sources:
                line += "; built from source there: " + ", ".join(sources)
            print(line)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tools/lock.py", description=__doc__.split("\n\n")[0])
    p.add_argument("action", nargs="?", choices=["compile", "verify", "bootstrap", "check"], default="compile")
    p.add_argument("--upgrade", action="store_true", help="take the newest versions pyproject.toml allows")
    p.add_argument("--no-verify", action="store_true", help="do not download the files for both platforms")
    args = p.parse_args(argv)
    if args.action == "bootstrap":
        sys.stdout.write(bootstrap_text())
        return 0
    if args.action == "check":
        found = problems()
        for line in found:
            print(line)
        if found:
            print(advice())
        return 1 if found else 0
    if args.action == "compile":
        compile_lock(args.upgrade)
        if args.no_verify:
            return 0
    return verify()


if __name__ == "__main__":
    sys.exit(main())
