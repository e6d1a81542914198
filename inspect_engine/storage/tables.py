"""SQLModel tables. The schema is owned by the Alembic migrations in `migrations/versions`.

Rows are storage shapes only; rules live in `inspect_engine.domain`.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, DateTime, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


class UnitKindRow(SQLModel, table=True):
    __tablename__: ClassVar[str] = "unit_kind"

    name: str = Field(primary_key=True, max_length=40)
    label: str = Field(default="", max_length=200)


class UnitRow(SQLModel, table=True):
    __tablename__: ClassVar[str] = "unit"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=300)
    kind: str = Field(foreign_key="unit_kind.name", max_length=40, index=True)
    parent_code: str | None = Field(default=None, foreign_key="unit.code", max_length=40)
    sectors: list[str] = Field(default_factory=list, sa_type=JSON)
    area: str = Field(default="", max_length=200, index=True)
    address: str = Field(default="", max_length=300)  # where the team goes (ICS LOCATION)
    agency_code: str = Field(default="", max_length=20)  # mã định danh on the document axis
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class CampaignRow(SQLModel, table=True):
    __tablename__: ClassVar[str] = "campaign"

    key: str = Field(primary_key=True, max_length=80)
    title: str = Field(max_length=500)
    year: int
    window_start: date
    window_end: date
    workflow_name: str = Field(max_length=80)
    workflow_version: int
    # The validated campaign file as a JSON document (see domain.campaign.CampaignSpec.to_json).
    spec: dict[str, Any] = Field(sa_type=JSON)
    source_text: str
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    # The head of the campaign's chain of team decisions: a removed last decision shows.
    decision_seq: int = 0
    decision_hash: str = Field(default="0" * 64, max_length=64)


_case_version = Column("version", Integer, nullable=False)


class CaseRow(SQLModel, table=True):
    """One inspection: one unit in one campaign, driven by one workflow version."""

    __tablename__: ClassVar[str] = "inspection_case"
    __table_args__ = (UniqueConstraint("campaign_key", "unit_code"),)
    # Optimistic locking: every UPDATE checks and bumps the version.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _case_version}

    id: int | None = Field(default=None, primary_key=True)
    campaign_key: str = Field(foreign_key="campaign.key", max_length=80, index=True)
    unit_code: str = Field(foreign_key="unit.code", max_length=40)
    state: str = Field(max_length=60)
    version: int | None = Field(default=None, sa_column=_case_version)
    workflow_name: str = Field(max_length=80)
    workflow_version: int
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    # The head of the case's own hash chain, kept here so a transition needs not read the log.
    last_seq: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
    # The planned visit (set by `plan`), and the slot a team lead pinned it to.
    plan_team: str | None = Field(default=None, max_length=120)
    visit_date: date | None = None
    notice_due: date | None = None
    evidence_due: date | None = None
    pin_team: str | None = Field(default=None, max_length=120)
    pin_date: date | None = None


class WorkflowRow(SQLModel, table=True):
    """A workflow version as first used: cases are driven by this stored text, so editing a
    definition file in place cannot silently change running cases."""

    __tablename__: ClassVar[str] = "workflow_definition"

    name: str = Field(primary_key=True, max_length=80)
    version: int = Field(primary_key=True)
    fingerprint: str = Field(max_length=64)
    source_text: str
    registered_at: datetime = Field(sa_type=DateTime(timezone=True))


class EventRow(SQLModel, table=True):
    """The append-only event log, keyed by (case, seq). No code path updates or deletes it.

    It is also the outbox: each event lists the effects its transition queued (notices to
    issue, deadlines to start or cancel); workers follow the log by campaign chain position.
    """

    __tablename__: ClassVar[str] = "case_event"
    # A rowid table in SQLite: with rows this wide, WITHOUT ROWID measured 30% slower appends.
    __table_args__ = (UniqueConstraint("campaign_key", "chain_seq"),)

    case_id: int = Field(foreign_key="inspection_case.id", primary_key=True)
    seq: int = Field(primary_key=True)
    campaign_key: str = Field(foreign_key="campaign.key", max_length=80)
    chain_seq: int
    trigger: str = Field(max_length=80)
    from_state: str = Field(max_length=60)
    to_state: str = Field(max_length=60)
    actor: str = Field(max_length=200)
    role: str = Field(max_length=40)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    effects: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    workflow_name: str = Field(max_length=80)
    workflow_version: int
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    chain_prev_hash: str = Field(max_length=64)
    chain_hash: str = Field(max_length=64)


class TeamUnavailableRow(SQLModel, table=True):
    """Days a team cannot visit, added after the campaign file (a week of training, illness)."""

    __tablename__: ClassVar[str] = "team_unavailable"

    campaign_key: str = Field(foreign_key="campaign.key", primary_key=True, max_length=80)
    team: str = Field(primary_key=True, max_length=120)
    day: date = Field(primary_key=True)
    reason: str = Field(default="", max_length=300)


class UnitBlackoutRow(SQLModel, table=True):
    """Days a unit asked not to be visited, added after the campaign file."""

    __tablename__: ClassVar[str] = "unit_blackout"

    campaign_key: str = Field(foreign_key="campaign.key", primary_key=True, max_length=80)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    reason: str = Field(default="", max_length=300)


class PlanRunRow(SQLModel, table=True):
    """One run of the planner: when, as of which date, and how good the plan is."""

    __tablename__: ClassVar[str] = "plan_run"

    id: int | None = Field(default=None, primary_key=True)
    campaign_key: str = Field(foreign_key="campaign.key", max_length=80, index=True)
    as_of: date
    replan: bool
    forced: bool
    visits: int
    moved: int
    objective: int
    lower_bound: int
    gap: float
    seconds: float
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class TeamDecisionRow(SQLModel, table=True):
    """A decision forming (or re-forming) a team: append-only, hash-chained per campaign
    (domain/team_decision.py). No code path updates or deletes it; a new decision supersedes."""

    __tablename__: ClassVar[str] = "team_decision"
    __table_args__ = (UniqueConstraint("campaign_key", "number"),)

    campaign_key: str = Field(foreign_key="campaign.key", primary_key=True, max_length=80)
    seq: int = Field(primary_key=True)
    team: str = Field(max_length=120)
    number: str = Field(max_length=80)
    date: dt.date
    signer: str = Field(max_length=300)
    members: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)  # [{name, role}]
    supersedes: str | None = Field(default=None, max_length=80)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class DocumentRow(SQLModel, table=True):
    """An official document (letter) as issued, or a draft awaiting the records office's
    number. The letter is kept as JSON, so re-rendering it later gives the same text.

    `source_key` names what caused it ("event:12:3:0": case 12, event 3, effect 0) and is
    unique: a document is issued exactly once. A number is unique for its issuer and year,
    and a register number for its sequence (`number_register`); NULLs (no number yet) repeat.
    """

    __tablename__: ClassVar[str] = "document"
    # Named, so a PostgreSQL error says which one a duplicate broke (storage/document_store.py).
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_document_source_key"),
        UniqueConstraint("issuer_code", "year", "number", name="uq_document_number"),
        UniqueConstraint(
            "issuer_code", "year", "series", "number_seq", name="uq_document_number_seq"
        ),
        Index("ix_document_campaign_case", "campaign_key", "case_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_key: str = Field(foreign_key="campaign.key", max_length=80)
    # None: the document belongs to the campaign (a team's decision).
    case_id: int | None = Field(default=None, foreign_key="inspection_case.id")
    kind: str = Field(max_length=60)
    source_key: str = Field(max_length=200)
    source_case_id: int | None = None
    source_seq: int | None = None
    issuer_code: str = Field(max_length=40)
    year: int
    # The type code ("TB", "QĐ"), or "" when every type shares one sequence.
    series: str = Field(max_length=20)
    # None while the draft awaits the records office, or when the number came from outside.
    number_seq: int | None = None
    number: str | None = Field(default=None, max_length=80)
    issued_on: date | None = None
    status: str = Field(max_length=20)  # "issued" | "awaiting_number"
    content: dict[str, Any] = Field(sa_type=JSON)
    content_hash: str = Field(max_length=64)
    template: str = Field(max_length=200)
    recorded_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class NumberRegisterRow(SQLModel, table=True):
    """The last number given in one sequence: an issuer's documents of one series in one year.
    Taking a number locks the row until commit; a rollback gives the number back."""

    __tablename__: ClassVar[str] = "number_register"

    issuer_code: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    series: str = Field(primary_key=True, max_length=20)
    last_number: int


class DeadlineRow(SQLModel, table=True):
    """A deadline a case's workflow started: one row per start, kept after it ends.

    A `start_deadline` effect inserts a pending row (and supersedes the case's pending one of
    the same kind); `cancel_deadline` cancels it; the worker fires it when it falls due. The
    row names the event that created it and the one that ended it (their `seq` in the case)."""

    __tablename__: ClassVar[str] = "deadline"
    __table_args__ = (
        # The worker's sweep (pending, due by today) and a transition's supersede/cancel: the
        # only two indexes, because every deadline a transition starts pays for each.
        Index("ix_deadline_due", "status", "due"),
        Index("ix_deadline_case_kind", "case_id", "kind", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_key: str = Field(foreign_key="campaign.key", max_length=80)
    case_id: int = Field(foreign_key="inspection_case.id")
    kind: str = Field(max_length=60)
    due: dt.date
    status: str = Field(max_length=20)  # pending | fired | cancelled | superseded
    created_seq: int
    ended_seq: int | None = None
    fired_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class PortalLinkRow(SQLModel, table=True):
    """A unit's link to the portal for one campaign: one row per (campaign, unit). The link
    carries `version` and `expires_at`, signed; issuing a new link or revoking bumps the
    version, so every earlier link stops working (docs/portal.md)."""

    __tablename__: ClassVar[str] = "portal_link"

    campaign_key: str = Field(foreign_key="campaign.key", primary_key=True, max_length=80)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, max_length=40)
    version: int
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    issued_at: datetime = Field(sa_type=DateTime(timezone=True))
    issued_by: str = Field(max_length=200)
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_by: str | None = Field(default=None, max_length=200)


class PortalAccountRow(SQLModel, table=True):
    """A person who signs in to the portal: a team lead (acts as role team_lead) or an auditor
    (reads only). The password is kept as a salted scrypt hash."""

    __tablename__: ClassVar[str] = "portal_account"

    name: str = Field(primary_key=True, max_length=80)
    role: str = Field(max_length=20)  # lead | auditor
    password_hash: str = Field(max_length=300)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    disabled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class PortalSessionRow(SQLModel, table=True):
    """A signed-in account's session. The cookie holds a random token; the row holds only its
    SHA-256, so a copy of the database opens no session."""

    __tablename__: ClassVar[str] = "portal_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account: str = Field(foreign_key="portal_account.name", max_length=80, index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
