"""A throw-away PostgreSQL cluster for the tests and the benchmark: initdb in a
temporary folder, a free port on 127.0.0.1, the unix socket in the same folder, and
everything removed by ``remove()``. PostgreSQL refuses to run as root, so as root the
folder belongs to the ``postgres`` user and the server runs as that user."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class NoPostgres(Exception):
    """PostgreSQL's programs are not installed."""


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            try:
                found.append((int(Path(d).parent.name), Path(d)))
            except ValueError:
                continue
    if not found:
        raise NoPostgres("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                         "install Debian's postgresql package (make test does as root)")
    return max(found)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    password: str
    user: str | None  # the system user the server runs as (None: this process' user)
    running: bool = field(default=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", *, user: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{user}:{pw}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=300)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "240", "start")
        except subprocess.CalledProcessError as exc:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "240", "stop", check=False)
            self.running = False

    def create_database(self, name: str) -> str:
        """A new empty database; its owner's (the superuser's) URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = find_bin_dir()
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    # Not under pytest's tmp folder: as root that one is closed to the postgres user.
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    password = secrets.token_hex(12)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if as_root:
        pw = pwd.getpwnam("postgres")
        for p in (root, pwfile):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    os.chmod(root, 0o700)
    cluster = Cluster(bin_dir, root, free_port(), password, user)
    try:
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", f"--pwfile={pwfile}",
                     "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        pwfile.unlink()
        cluster.start()
    except BaseException:
        cluster.remove()
        raise
    return cluster
