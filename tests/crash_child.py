"""Real commands in a process the crash tests kill: `python -m tests.crash_child DB_URL NOW
COMMAND [; COMMAND ...]`, each COMMAND the arguments of `inspect-engine --db DB_URL ...`.

The commands run through the CLI itself (`inspect_engine.cli.app`), on a fixed clock (NOW, ISO
with its offset) so that what they write does not depend on the day the tests run. The child
says how far it got on stdout, flushed before it goes on, so that the test can aim its SIGKILL
and afterwards knows what the child had seen done:

    @@ command N        the N-th command starts
    @@ write N          events are about to be written (the N-th `append_many`)
    @@ written N        they were written, not yet committed
    @@ number SEQ       the register gave number SEQ (inside the issuing transaction)
    @@ commit N         the N-th commit starts
    @@ committed N      the N-th commit returned: the transaction is durable

Nothing else is changed: the markers wrap the engine's own methods.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

MARK = "@@ "


def say(line: str) -> None:
    sys.stdout.write(f"{MARK}{line}\n")
    sys.stdout.flush()


def _counted(name: str, method: Callable[..., Any], after: str | None = None) -> Any:
    counter = itertools.count(1)

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        n = next(counter)
        say(f"{name} {n}")
        result = method(*args, **kwargs)
        if after:
            say(f"{after} {n}")
        return result

    return wrapper


def instrument() -> None:
    from inspect_engine.storage.document_store import DocumentStore
    from inspect_engine.storage.event_store import EventStore
    from inspect_engine.storage.uow import UnitOfWork

    UnitOfWork.commit = _counted("commit", UnitOfWork.commit, "committed")  # type: ignore[method-assign]
    EventStore.append_many = _counted("write", EventStore.append_many, "written")  # type: ignore[method-assign]
    take = DocumentStore.next_number

    @functools.wraps(take)
    def next_number(self: DocumentStore, *args: Any) -> int:
        number = take(self, *args)
        say(f"number {number}")
        return number

    DocumentStore.next_number = next_number  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    db_url, now = argv[0], datetime.fromisoformat(argv[1])
    commands = [list(group) for is_sep, group in itertools.groupby(argv[2:], ";".__eq__)
                if not is_sep]  # fmt: skip
    from inspect_engine.bootstrap import bootstrap

    # The module, not the `app` object that `inspect_engine.cli` exports under the same name.
    cli_app = importlib.import_module("inspect_engine.cli.app")

    cli_app.bootstrap = lambda db=None, **_: bootstrap(db, clock=lambda: now)  # type: ignore[assignment]
    instrument()
    for n, args in enumerate(commands, start=1):
        say(f"command {n}")
        try:
            cli_app.app(["--db", db_url, *args], prog_name="inspect-engine")
        except SystemExit as exc:
            if exc.code not in (0, None):
                return int(exc.code) if isinstance(exc.code, int) else 1
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
