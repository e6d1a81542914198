"""Move in-flight cases from one workflow version to another, recorded in each case's history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from inspect_engine.domain.events import Event
from inspect_engine.domain.verification import MIGRATE_ROLES, MIGRATE_TRIGGER, SEAL_WORKFLOW
from inspect_engine.errors import InputError
from inspect_engine.services import workflows
from inspect_engine.services.cases import Advanced, Batch, conflict
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.storage.event_store import EventStore, StaleCase, WriteConflict
from inspect_engine.storage.uow import UnitOfWork


def migrate(
    uow: UnitOfWork,
    name: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
    *,
    actor: str,
    role: str,
    workflows_dirs: Sequence[Path],
    campaign_key: str | None = None,
    clock: Clock = utc_now,
) -> list[Advanced]:
    """Move the in-flight cases of a workflow version to another, with an explicit state mapping.

    A state missing from `mapping` keeps its name, which must exist in the new version. Each moved
    case gets a `migrate` event; all cases move in one transaction, or none.
    """
    if role not in MIGRATE_ROLES:
        raise InputError(f"role {role!r} may not migrate cases; allowed: team_lead, system")
    with uow:
        old = workflows.stored(uow.connection, name, from_version)
        new = workflows.register(uow.session, name, to_version, workflows_dirs, clock=clock)
        for source, target in mapping.items():
            if not old.has_state(source):
                raise InputError(
                    f"{source!r} is not a state of {name} v{from_version}", field="--map"
                )
            if not new.has_state(target):
                raise InputError(
                    f"{target!r} is not a state of {name} v{to_version}", field="--map"
                )
        store = EventStore(uow.connection)
        batch = Batch(store)
        now = clock()
        moved = []
        for head in store.cases_on(name, from_version, campaign_key):
            if old.is_terminal(head.state):
                continue
            target = mapping.get(head.state, head.state)
            if not new.has_state(target):
                raise InputError(
                    f"case {head.id} is in {head.state!r}, which {name} v{to_version} lacks: "
                    f"map it with --map {head.state}=STATE",
                    field="--map",
                )
            event = batch.add(
                Event(
                    campaign_key=head.campaign_key,
                    case_id=head.id,
                    seq=head.last_seq + 1,
                    trigger=MIGRATE_TRIGGER,
                    from_state=head.state,
                    to_state=target,
                    actor=actor,
                    role=role,
                    at=now,
                    # The new version's fingerprint is sealed like an `open` seals the first.
                    payload={
                        "from_version": from_version,
                        "to_version": to_version,
                        SEAL_WORKFLOW: new.fingerprint(),
                    },
                    workflow=name,
                    workflow_version=to_version,
                    prev_hash=head.last_hash,
                ),
                seen_version=head.version,
            )
            moved.append(Advanced.of(head, event))
        try:
            batch.write()
        except (StaleCase, WriteConflict):
            raise conflict(None) from None
        uow.commit()
    return moved
