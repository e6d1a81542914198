"""`inspect-engine init`: create or upgrade the schema."""

from __future__ import annotations

import typer

from inspect_engine.cli.common import runtime, say


def init(ctx: typer.Context) -> None:
    """Create the database schema, or upgrade it to this version.

    Example: inspect-engine --db sqlite:///inspect.db init
    """
    from inspect_engine.storage.db import make_engine, upgrade

    engine = make_engine(runtime(ctx).settings.db_url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        say(f"{url}: schema is up to date ({after})")
    else:
        say(f"{url}: schema {'created' if before is None else 'upgraded'} at {after}")
