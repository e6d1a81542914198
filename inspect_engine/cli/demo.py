"""`inspect-engine demo`: the whole journey on a fresh SQLite database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from inspect_engine.cli.common import say
from inspect_engine.services import campaigns, units
from inspect_engine.settings import data_dir
from inspect_engine.storage.db import make_engine, upgrade
from inspect_engine.storage.uow import UnitOfWork


def demo(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo database."),
) -> None:
    """Run the demo on a fresh SQLite database: import Hanoi's units, create the 2026 campaign.

    Ignores --db: the demo always starts from an empty database in --dir.

    Example: inspect-engine demo --dir ./demo
    """
    directory.mkdir(parents=True, exist_ok=True)
    db_file = directory / "inspect.db"
    for stale in (db_file, db_file.with_suffix(".db-wal"), db_file.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    examples = data_dir("examples")
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        upgrade(engine)
        say(f"database: {db_file}")
        uow = UnitOfWork(engine)
        report = units.import_units(uow, examples / "hanoi-units.csv")
        say(f"units: {report.created} imported from hanoi-units.csv")
        summary = campaigns.create_campaign(
            uow, examples / "hanoi-2026.toml", workflows_dirs=[data_dir("workflows")]
        )
        kinds = Counter(u.kind for u in units.list_units(uow))
        uow.close()
        say(f"campaign {summary.key}: {summary.title}")
        say(
            f"  {kinds['department']} departments, {kinds['commune']} communes/wards, "
            f"{summary.cases} open cases"
        )
    finally:
        engine.dispose()
    say(f"explore: inspect-engine --db sqlite:///{db_file} case list {summary.key}")
