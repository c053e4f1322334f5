"""Fixtures for several bot processes: a PostgreSQL server per module with a fresh database
per test, and a Redis server started from the local binary (tests/test_redis_storage.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from tests import pg
from tests.botenv import free_port

REDIS = shutil.which("redis-server")


@contextmanager
def redis_server() -> Iterator[str]:
    assert REDIS, "redis-server is not installed"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="belong-redis-")
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def pg_cluster() -> Iterator[str]:
    with pg.postgres_server() as url:
        yield url


async def fresh_database(server_url: str) -> str:
    """A new empty database on the server; its SQLAlchemy URL."""
    name = "t" + uuid.uuid4().hex[:12]
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name
