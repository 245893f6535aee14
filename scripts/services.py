#!/usr/bin/env python3
"""Find (or start) the PostgreSQL and Redis the test suite runs against.

Prints shell `export` lines for DATABASE_URL and REDIS_URL, in this order of preference:
the variables already set; the local servers on their default ports; throwaway servers
started here from the machine's binaries under `.services/` (stopped by `make services-stop`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".services"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fail(message: str) -> None:
    print(f"services: {message}", file=sys.stderr)
    sys.exit(1)


def find_pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def pg_user_for_local_server() -> str:
    """The local server trusts `postgres` or `root`: pick the one that connects."""
    import psycopg

    for user in ("postgres", "root", os.environ.get("USER", "")):
        if not user:
            continue
        try:
            psycopg.connect(
                host="127.0.0.1", port=5432, user=user, dbname="postgres", connect_timeout=3
            ).close()
            return user
        except psycopg.OperationalError:
            continue
    fail("PostgreSQL answers on 127.0.0.1:5432 but accepts neither user postgres nor root.")
    return ""


def start_postgres() -> str:
    initdb, pg_ctl = find_pg_bin("initdb"), find_pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        fail("PostgreSQL is not running and its binaries are missing: apt-get install postgresql")
    data = STATE / "pg"
    port_file = STATE / "pg.port"
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if port_file.exists() and port_open(int(port_file.read_text())):
        return f"postgres://postgres@127.0.0.1:{port_file.read_text().strip()}/loos"
    STATE.mkdir(exist_ok=True)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if as_postgres:
            shutil.chown(STATE, "postgres")
            shutil.chown(data, "postgres")
        subprocess.run(
            [*as_postgres, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    subprocess.run(
        [
            *as_postgres,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(data / "server.log"),
            "-w",
            "-o",
            f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port_file.write_text(str(port))
    return f"postgres://postgres@127.0.0.1:{port}/loos"


def start_redis() -> str:
    server = shutil.which("redis-server")
    if not server:
        fail("Redis is not running and redis-server is missing: apt-get install redis-server")
    STATE.mkdir(exist_ok=True)
    port_file = STATE / "redis.port"
    if port_file.exists() and port_open(int(port_file.read_text())):
        return f"redis://127.0.0.1:{port_file.read_text().strip()}/0"
    port = free_port()
    subprocess.run(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(STATE),
            "--pidfile",
            str(STATE / "redis.pid"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        if port_open(port):
            break
        time.sleep(0.1)
    port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def ensure_database(url: str) -> None:
    """Create the named database when missing (tests use test_<name>, checks use <name>)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"services: could not create database {name}: {exc}", file=sys.stderr)


def main() -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        if port_open(5432):
            database_url = f"postgres://{pg_user_for_local_server()}@127.0.0.1:5432/loos"
        else:
            database_url = start_postgres()
    redis_url = os.environ.get("REDIS_URL") or (
        "redis://127.0.0.1:6379/0" if port_open(6379) else start_redis()
    )
    ensure_database(database_url)
    print(f"export DATABASE_URL={database_url}")
    print(f"export REDIS_URL={redis_url}")


if __name__ == "__main__":
    main()
