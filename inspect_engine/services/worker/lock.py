"""One worker per SQLite database file; as many as wanted on PostgreSQL.

SQLite has one writer at a time and no `FOR UPDATE SKIP LOCKED`, so two workers on one file
would only queue behind each other's write lock and race for the same rows. The lock is an OS
file lock (`flock`) on `<database file>.worker.lock`: the kernel releases it when the process
ends, however it ends (SIGKILL, a crash, a power cut), so a stale lock never needs clearing by
hand. The holder writes its pid and start time into the file, for the message a second worker
gets. The file stays beside the database (emptied on release): deleting it would let a third
worker lock a new file while a second still holds the old one.

On PostgreSQL several workers may run (they claim rows with `FOR UPDATE SKIP LOCKED`): the lock
takes nothing there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType

from inspect_engine.errors import InputError
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.settings import DISPLAY_TZ

SUFFIX = ".worker.lock"


class WorkerRunning(InputError):
    """Another worker holds the database's lock."""

    def __init__(self, db_path: Path, pid: int | None, since: str | None) -> None:
        self.pid = pid
        who = f" (pid {pid}, since {since})" if pid is not None else ""
        super().__init__(f"another worker is running on {db_path}{who}; stop it first")


class WorkerLock:
    """The right to run the worker on a database: `with WorkerLock.for_url(url): ...`."""

    def __init__(self, db_path: Path | None, *, clock: Clock = utc_now) -> None:
        self.db_path = db_path  # None: a server database, no lock needed
        self.clock = clock
        self._fd: int | None = None

    @classmethod
    def for_url(cls, db_url: str, *, clock: Clock = utc_now) -> WorkerLock:
        """The lock for a database URL: a file lock for a SQLite file, none for a server; an
        in-memory SQLite database is refused (a worker there would see nobody's data)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(db_url)
        except ArgumentError:
            raise InputError(f"not a database URL: {db_url!r}", field="--db") from None
        if url.get_backend_name() != "sqlite":
            return cls(None, clock=clock)
        database = url.database or ""
        if database in ("", ":memory:") or url.query.get("mode") == "memory":
            raise InputError(
                "the worker cannot run on an in-memory SQLite database, which only its own "
                "process sees: point --db at a database file",
                field="--db",
            )
        return cls(Path(database), clock=clock)

    @property
    def lock_path(self) -> Path | None:
        if self.db_path is None:
            return None
        # Beside the file itself, so that two spellings of one path meet on one lock.
        resolved = self.db_path.resolve()
        return resolved.with_name(resolved.name + SUFFIX)

    def acquire(self) -> None:
        """Take the lock, or raise `WorkerRunning` naming the worker that holds it."""
        path = self.lock_path
        if path is None or self._fd is not None:
            return
        import fcntl

        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # never truncate another's
        except OSError as exc:
            raise InputError(
                f"cannot open the worker's lock: {exc.strerror}", source=str(path)
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, since = _holder(fd)
            os.close(fd)
            assert self.db_path is not None
            raise WorkerRunning(self.db_path, pid, since) from None
        except OSError as exc:
            os.close(fd)
            raise InputError(f"cannot lock: {exc.strerror}", source=str(path)) from None
        since = self.clock().astimezone(DISPLAY_TZ).isoformat(sep=" ", timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": since}).encode() + b"\n", 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # emptied while still held: the next holder writes its own
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> WorkerLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _holder(fd: int) -> tuple[int | None, str | None]:
    """The pid and start time the holder wrote; nothing yet if it is just starting."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None, None
    since = data.get("since")
    return data["pid"], since if isinstance(since, str) else None
