"""A real PostgreSQL server for the shop-server tests: one throw-away cluster per test
session (per xdist worker), a new database per test. Skipped only when PostgreSQL is
not installed and we are not root; as root (CI, `make test`) it must be there."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from db.server.throwaway import Cluster, NoPostgres, find_bin_dir, start_cluster

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        find_bin_dir()
    except NoPostgres as exc:
        if os.geteuid() == 0:
            pytest.fail(f"{exc} — as root the suite installs it (make test); it must not be skipped")
        pytest.skip(f"{exc} (not root: cannot install it here)")
    cluster = start_cluster()
    yield cluster
    cluster.remove()


@pytest.fixture
def pg_server(pg_cluster: Cluster) -> str:
    """The owner's URL of a new, empty database, with the cluster running (a test that
    stopped it gets it started again here)."""
    if not pg_cluster.running:
        pg_cluster.start()
    return pg_cluster.create_database(f"shop_{os.getpid()}_{next(_numbers)}")


@pytest.fixture
def server_url(pg_server: str) -> str:
    """A database with the kiosk schema and roles (kiosk-admin server init)."""
    from db.server.admin import init_server

    init_server(pg_server)
    return pg_server
