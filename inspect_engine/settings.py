"""Settings in one place: where the database is, where definitions and templates live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path

DEFAULT_DB_FILE = "inspect.db"
# Times are shown in Vietnam's time. Vietnam has kept UTC+7 without daylight saving since 1975,
# so a fixed offset is exact; it spares every command loading the tz database (3 ms of start-up).
DISPLAY_TZ = timezone(timedelta(hours=7), "ICT")


def default_db_url() -> str:
    """`INSPECT_DB_URL`, else the SQLite file `inspect.db` in the working directory."""
    return os.environ.get("INSPECT_DB_URL") or f"sqlite:///{DEFAULT_DB_FILE}"


def data_dir(name: str) -> Path:
    """A shipped data folder (`workflows`, `notices`, `examples`).

    An installed wheel carries them as `inspect_engine/_data/<name>`; a source checkout has them
    at the top of the repository.
    """
    from importlib import resources  # 3 ms: only the commands that read shipped data pay it

    packaged = Path(str(resources.files("inspect_engine"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def user_data_dir() -> Path:
    """Where the engine keeps a user's own secrets and files, off the database:
    `INSPECT_DATA_DIR`, else `$XDG_DATA_HOME/inspect-engine` (`~/.local/share/inspect-engine`)."""
    given = os.environ.get("INSPECT_DATA_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "inspect-engine"


def default_workflows_dirs() -> tuple[Path, ...]:
    """Folders searched for `<name>/v<version>.yaml`: `INSPECT_WORKFLOWS_PATH` (os.pathsep
    separated) first, then the shipped definitions."""
    extra = os.environ.get("INSPECT_WORKFLOWS_PATH", "")
    return (*(Path(p) for p in extra.split(os.pathsep) if p), data_dir("workflows"))


@dataclass(frozen=True)
class Settings:
    db_url: str = field(default_factory=default_db_url)
    workflows_dirs: tuple[Path, ...] = field(default_factory=default_workflows_dirs)
