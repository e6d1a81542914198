"""Campaign handlers: create a campaign from its file (one case per target), read it back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, func, select

from inspect_engine.domain.campaign.appendices import UnitAppendices, appendices_for
from inspect_engine.domain.campaign.model import CampaignSpec, check_against_registry
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.input_limits import MAX_CAMPAIGN_FILE_BYTES
from inspect_engine.domain.text import decode_utf8
from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.errors import InputError, NotFound
from inspect_engine.services import workflows
from inspect_engine.services.cases import open_case_events
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.units import kind_names, read_file
from inspect_engine.storage.tables import CampaignRow, CaseRow, UnitRow
from inspect_engine.storage.uow import UnitOfWork


@dataclass(frozen=True)
class CampaignSummary:
    key: str
    title: str
    year: int
    cases: int
    states: dict[str, int]


@dataclass(frozen=True)
class TargetAppendices:
    """One target unit and the appendices it prepares or keeps ready."""

    unit_code: str
    unit_name: str
    kind: str
    appendices: UnitAppendices


def read_campaign_file(path: Path) -> tuple[CampaignSpec, TomlSource]:
    text = decode_utf8(read_file(path, max_bytes=MAX_CAMPAIGN_FILE_BYTES), str(path))
    toml = TomlSource(text, str(path))
    return parse_campaign(text, str(path)), toml


def resolve_targets(spec: CampaignSpec, units: Sequence[UnitRow]) -> list[UnitRow]:
    """Units of the target kinds, plus the explicit includes, minus the excludes; by code."""
    chosen = [
        u
        for u in units
        if (u.kind in spec.targets.kinds or u.code in spec.targets.include)
        and u.code not in spec.targets.exclude
    ]
    return sorted(chosen, key=lambda u: u.code)


def create_campaign(
    uow: UnitOfWork,
    path: Path,
    *,
    workflows_dirs: Sequence[Path],
    clock: Clock = utc_now,
) -> CampaignSummary:
    """Validate the file against the registry, store it and open one case per target unit."""
    spec, toml = read_campaign_file(path)
    with uow:
        summary = _create(uow, spec, toml, workflows_dirs, clock)
        uow.commit()
    return summary


def _create(
    uow: UnitOfWork,
    spec: CampaignSpec,
    toml: TomlSource,
    workflows_dirs: Sequence[Path],
    clock: Clock,
) -> CampaignSummary:
    session = uow.session
    units = list(session.exec(select(UnitRow)))
    check_against_registry(spec, toml, kinds=kind_names(session), units={u.code for u in units})
    if session.get(CampaignRow, spec.key) is not None:
        raise toml.error("key", f"campaign {spec.key!r} already exists")
    workflow = workflows.register(
        session, spec.workflow, spec.workflow_version, workflows_dirs, clock=clock
    )
    targets = resolve_targets(spec, units)
    if not targets:
        raise toml.error("targets", "no unit matches the targets: import units first?")
    now = clock()
    session.add(
        CampaignRow(
            key=spec.key,
            title=spec.title,
            year=spec.year,
            window_start=spec.window_start,
            window_end=spec.window_end,
            workflow_name=workflow.name,
            workflow_version=workflow.version,
            spec={"workflow_fingerprint": workflow.fingerprint()},
            source_text=toml.text,
            created_at=now,
        )
    )
    session.flush()
    _open_cases(uow, spec.key, [u.code for u in targets], workflow.name, workflow.version, now)
    return CampaignSummary(
        spec.key, spec.title, spec.year, len(targets), {workflow.initial: len(targets)}
    )


def _open_cases(
    uow: UnitOfWork, key: str, codes: Sequence[str], workflow: str, version: int, now: datetime
) -> None:
    """One case per unit in the workflow's initial state, each starting its chain."""
    initial = workflows.stored(uow.connection, workflow, version).initial
    uow.session.add_all(
        CaseRow(
            campaign_key=key,
            unit_code=code,
            state=initial,
            workflow_name=workflow,
            workflow_version=version,
            created_at=now,
        )
        for code in codes
    )
    uow.session.flush()
    open_case_events(uow, key, now)


def add_targets(
    uow: UnitOfWork, key: str, codes: Sequence[str], *, clock: Clock = utc_now
) -> list[str]:
    """Open cases for units added to a campaign's targets after it was created (a new unit, a
    unit the lead decided to include); `plan KEY --replan` then gives them a visit."""
    with uow:
        session = uow.session
        campaign, _ = load_campaign(session, key)
        existing = set(session.exec(select(CaseRow.unit_code).where(CaseRow.campaign_key == key)))
        for code in codes:
            if session.get(UnitRow, code) is None:
                raise NotFound(f"unknown unit {code!r}", field="UNITS")
            if code in existing:
                raise InputError(f"unit {code!r} is already a target of {key}", field="UNITS")
        added = sorted(set(codes))
        _open_cases(uow, key, added, campaign.workflow_name, campaign.workflow_version, clock())
        uow.commit()
    return added


def get_campaign(uow: UnitOfWork, key: str) -> tuple[CampaignRow, CampaignSpec]:
    with uow:
        return load_campaign(uow.session, key)


def load_campaign(session: Session, key: str) -> tuple[CampaignRow, CampaignSpec]:
    """The stored campaign and its parsed spec, inside the caller's transaction."""
    row = session.get(CampaignRow, key)
    if row is None:
        raise NotFound(f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY")
    return row, parse_campaign(row.source_text, f"campaign {key}")


def list_campaigns(uow: UnitOfWork) -> list[CampaignSummary]:
    counts: dict[str, Counter[str]] = {}
    query = select(CaseRow.campaign_key, CaseRow.state, func.count()).group_by(
        col(CaseRow.campaign_key), col(CaseRow.state)
    )
    with uow:
        for key, state, n in uow.session.exec(query):
            counts.setdefault(key, Counter())[state] = n
        rows = list(uow.session.exec(select(CampaignRow).order_by(col(CampaignRow.key))))
    return [
        CampaignSummary(
            r.key,
            r.title,
            r.year,
            sum(counts.get(r.key, Counter()).values()),
            dict(counts.get(r.key, {})),
        )
        for r in rows
    ]


def campaign_cases(uow: UnitOfWork, key: str, state: str | None = None) -> list[CaseRow]:
    query = select(CaseRow).where(CaseRow.campaign_key == key).order_by(col(CaseRow.id))
    if state is not None:
        query = query.where(CaseRow.state == state)
    with uow:
        load_campaign(uow.session, key)
        return list(uow.session.exec(query))


def campaign_json(
    row: CampaignRow, spec: CampaignSpec, targets: Sequence[str]
) -> dict[str, object]:
    """The documented JSON of `campaign show KEY --json`."""
    return {
        "key": spec.key,
        "title": spec.title,
        "year": spec.year,
        "window_start": spec.window_start.isoformat(),
        "window_end": spec.window_end.isoformat(),
        "plan": {"number": spec.plan.number, "date": spec.plan.date.isoformat()},
        "issuer": {
            "parent_body": spec.issuer.parent_body,
            "body": spec.issuer.body,
            "body_code": spec.issuer.body_code,
            "place": spec.issuer.place,
            "signer_authority": spec.issuer.signer_authority,
            "signer_title": spec.issuer.signer_title,
            "signer_name": spec.issuer.signer_name,
        },
        "workflow": {"name": row.workflow_name, "version": row.workflow_version},
        "teams": [
            {
                "name": t.name,
                "lead": t.lead,
                "visits_per_day": t.visits_per_day,
                "max_visits_per_week": t.max_visits_per_week,
                "members": [{"name": m.name, "unit": m.unit} for m in t.members],
                "unavailable": [d.isoformat() for d in t.unavailable],
            }
            for t in spec.teams
        ],
        "lead_times": {
            "notice_working_days": spec.lead_times.notice_working_days,
            "evidence_working_days": spec.lead_times.evidence_working_days,
            "remediation_working_days": spec.lead_times.remediation_working_days,
        },
        "targets": list(targets),
        "focus_sectors": list(spec.focus_sectors),
        "content_areas": list(spec.content_areas),
        "appendices": [
            {
                "code": a.code,
                "title": a.title,
                "contents": a.contents,
                "kinds": list(a.kinds),
                "for_leads": a.for_leads,
                "unannounced_only": a.unannounced_only,
            }
            for a in spec.appendices
        ],
        "leads": [{"unit": x.unit, "area": x.area, "task": x.task} for x in spec.leads],
        "rules": {"visit_with_missing_appendices": spec.rules.visit_with_missing_appendices},
        "calendar": {
            "extra_days_off": [d.isoformat() for d in spec.calendar.extra_days_off],
            "extra_working_days": [d.isoformat() for d in spec.calendar.extra_working_days],
        },
        "planning": {
            "reserve_share": spec.planning.reserve_share,
            "reserve_weeks": spec.planning.reserve_weeks,
            "pace": spec.planning.pace,
        },
    }


def unit_appendices(
    uow: UnitOfWork, key: str, unit_code: str | None = None
) -> list[TargetAppendices]:
    """Each target unit of the campaign (or only `unit_code`, which must be one) with the
    appendices it must send when the inspection is announced and those it keeps ready; by code."""
    query = (
        select(UnitRow)
        .join(CaseRow, col(CaseRow.unit_code) == col(UnitRow.code))
        .where(CaseRow.campaign_key == key)
        .order_by(col(UnitRow.code))
    )
    if unit_code is not None:
        query = query.where(UnitRow.code == unit_code)
    with uow:
        _, spec = load_campaign(uow.session, key)
        units = list(uow.session.exec(query))
        if unit_code is not None and not units:
            if uow.session.get(UnitRow, unit_code) is None:
                raise NotFound(f"unknown unit {unit_code!r}", field="UNIT")
            raise InputError(f"unit {unit_code!r} is not a target of {key}", field="UNIT")
    return [
        TargetAppendices(u.code, u.name, u.kind, appendices_for(spec, u.code, u.kind))
        for u in units
    ]


def unit_appendices_json(rows: Sequence[TargetAppendices]) -> list[dict[str, object]]:
    """The documented JSON of `campaign appendices KEY [UNIT] --json`."""
    return [
        {
            "unit_code": r.unit_code,
            "unit_name": r.unit_name,
            "kind": r.kind,
            "required": [a.code for a in r.appendices.required],
            "keep_ready": [a.code for a in r.appendices.keep_ready],
            "leads": [{"area": x.area, "task": x.task} for x in r.appendices.leads],
        }
        for r in rows
    ]
