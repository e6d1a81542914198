"""The decision forming an inspection team (Quyết định thành lập Đoàn kiểm tra), as a value.

The Department of Home Affairs forms each team by a decision: its number, date, signer and
members with their roles. `parse_decision` checks one against the campaign file (the team, its
lead and members, the year); the record of decisions is append-only and hash-chained like the
case events: `seal` and `verify_chain` here, the rows in `storage.tables.TeamDecisionRow`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from inspect_engine.domain.campaign.model import CampaignSpec, Team
from inspect_engine.domain.events import GENESIS, ChainLink, as_utc, canonical, chain_problems
from inspect_engine.domain.text import clean, control_character
from inspect_engine.errors import InputError

LEAD_ROLE = "trưởng đoàn"
MEMBER_ROLE = "thành viên"
SECRETARY_ROLE = "thư ký"
DECISION_ROLES = (LEAD_ROLE, MEMBER_ROLE, SECRETARY_ROLE)
FIELDS = ("team", "number", "date", "signer", "members", "supersedes")
# Decree 30/2020/NĐ-CP: the number (a leading zero below 10), the type code QĐ, the issuing
# body's code (capitals and digits, as in SNV, UBND, TTg; parts joined by "-").
# A register's numbers restart each year and stay in the thousands: at most six digits.
_NUMBER_RE = re.compile(
    r"^(0?[1-9]|[1-9][0-9]{0,5})/QĐ-([A-ZĐ][A-Za-zĐđ0-9]{0,19}(?:-[A-ZĐ][A-Za-zĐđ0-9]{0,19}){0,3})$"
)
TEXT_MAX = 200  # a name, a role, a number
_ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_Fail = Callable[[str, str], InputError]  # builds the error for a field


@dataclass(frozen=True)
class TeamDecision:
    """One decision as issued; `number` in its Decree 30 form (`05/QĐ-SNV`)."""

    campaign_key: str
    team: str
    number: str
    date: date
    signer: str
    members: tuple[tuple[str, str], ...]  # (name, role), as the decision lists them
    supersedes: str | None = None

    @property
    def lead(self) -> str:
        return next(name for name, role in self.members if role == LEAD_ROLE)

    def members_json(self) -> list[dict[str, str]]:
        return [{"name": name, "role": role} for name, role in self.members]


def parse_decision(
    data: Mapping[str, Any],
    spec: CampaignSpec,
    *,
    today: date,
    source: str | None = None,
) -> TeamDecision:
    """Check a decision given as `{team, number, date, signer, members: [{name, role}],
    supersedes?}` against the campaign; raises InputError naming the field."""

    def fail(field: str, message: str) -> InputError:
        return InputError(message, source=source, field=field)

    for key in data:
        if key not in FIELDS:
            raise fail(key, f"unknown field {key!r}; expected one of: {', '.join(FIELDS)}")
    team = _team(spec, _text(data, "team", fail), fail)
    number = decision_number(_text(data, "number", fail), "number", fail)
    issued = _date(data, spec, today, fail)
    signer = _text(data, "signer", fail)
    members = _members(data.get("members"), team, fail)
    supersedes = None
    if data.get("supersedes") is not None:
        supersedes = decision_number(_text(data, "supersedes", fail), "supersedes", fail)
        if supersedes == number:
            raise fail("supersedes", f"a decision cannot supersede itself ({number})")
    return TeamDecision(spec.key, team.name, number, issued, signer, members, supersedes)


def decision_number(text: str, field: str, fail: _Fail) -> str:
    """The number in its Decree 30 form: `5/QĐ-SNV` and `05/QĐ-SNV` are the same decision."""
    match = _NUMBER_RE.match(text)
    if match is None:
        hint = ""
        if "/QD-" in text.upper() and "/QĐ-" not in text:
            hint = " (the type code is QĐ, with Đ)"
        raise fail(
            field,
            f"{text!r} is not a decision number: expected N/QĐ-CODE, e.g. 125/QĐ-SNV{hint}",
        )
    return f"{int(match.group(1)):02d}/QĐ-{match.group(2)}"


def _text(data: Mapping[str, Any], key: str, fail: _Fail, within: str = "") -> str:
    """A non-empty string, NFC-normalised; errors name the field as `within.key`."""
    field = f"{within}.{key}" if within else key
    if key not in data or data[key] is None:
        raise fail(field, f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, str):
        raise fail(field, f"must be a string, got {str(value)[:40]!r}")
    if found := control_character(value):
        raise fail(field, f"control character {found}: type the text plainly")
    if len(value) > TEXT_MAX:
        raise fail(field, f"{len(value):,} characters, more than {TEXT_MAX}")
    value = clean(value)
    if not value:
        raise fail(field, "must not be empty")
    return value


def _team(spec: CampaignSpec, name: str, fail: _Fail) -> Team:
    for team in spec.teams:
        if team.name == name:
            return team
    known = ", ".join(t.name for t in spec.teams)
    raise fail("team", f"campaign {spec.key} has no team {name!r}; its teams: {known}")


def _date(data: Mapping[str, Any], spec: CampaignSpec, today: date, fail: _Fail) -> date:
    text = _text(data, "date", fail)
    try:
        if not _ISO_DATE_RE.match(text):
            raise ValueError
        issued = date.fromisoformat(text)
    except ValueError:
        raise fail("date", f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
    if issued.year != spec.year:
        raise fail("date", f"{issued} is outside the campaign's year {spec.year}")
    if issued > today:
        raise fail("date", f"{issued} is after today ({today}): record a decision once issued")
    return issued


def _members(value: Any, team: Team, fail: _Fail) -> tuple[tuple[str, str], ...]:
    if value is None:
        raise fail("members", "missing field 'members'")
    if not isinstance(value, list) or not value:
        raise fail("members", "must be a non-empty list of {name, role}")
    known = {team.lead, *(m.name for m in team.members)}
    members: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        where = f"members[{i}]"
        if not isinstance(item, dict):
            raise fail(where, "a member is an object with name and role")
        for key in item:
            if key not in ("name", "role"):
                raise fail(f"{where}.{key}", f"unknown field {key!r}; expected name, role")
        name = _text(item, "name", fail, where)
        role = _text(item, "role", fail, where).lower()
        if role not in DECISION_ROLES:
            raise fail(
                f"{where}.role", f"unknown role {role!r}; one of: {', '.join(DECISION_ROLES)}"
            )
        if name not in known:
            raise fail(
                f"{where}.name",
                f"{name!r} is not in {team.name} of the campaign file; its members: "
                + ", ".join(sorted(known)),
            )
        if name in seen:
            raise fail(f"{where}.name", f"{name!r} is listed twice (also members[{seen[name]}])")
        seen[name] = i
        if role == LEAD_ROLE and name != team.lead:
            raise fail(
                f"{where}.role",
                f"the trưởng đoàn of {team.name} is {team.lead} in the campaign file, not {name}",
            )
        members.append((name, role))
    roles = [role for _, role in members]
    if LEAD_ROLE not in roles:
        raise fail("members", f"no trưởng đoàn: {team.lead} leads {team.name}")
    if roles.count(SECRETARY_ROLE) > 1:
        second = [i for i, r in enumerate(roles) if r == SECRETARY_ROLE][1]
        raise fail(f"members[{second}].role", "a team has at most one thư ký")
    return tuple(members)


# -- the record: sealed rows in a chain per campaign ----------------------------------------------


class DecisionRecord(NamedTuple):
    """A decision as recorded: its position in the campaign's chain, who recorded it, when."""

    seq: int
    decision: TeamDecision
    recorded_by: str
    recorded_at: datetime
    prev_hash: str = GENESIS
    hash: str = ""

    def hashed_fields(self) -> dict[str, Any]:
        d = self.decision
        return {
            "campaign": d.campaign_key,
            "seq": self.seq,
            "team": d.team,
            "number": d.number,
            "date": d.date.isoformat(),
            "signer": d.signer,
            "members": d.members_json(),
            "supersedes": d.supersedes,
            "recorded_by": self.recorded_by,
            "recorded_at": as_utc(self.recorded_at).isoformat(timespec="microseconds"),
            "prev": self.prev_hash,
        }


def record_hash(record: DecisionRecord) -> str:
    return hashlib.sha256(canonical(record.hashed_fields())).hexdigest()


def seal(record: DecisionRecord, *, prev_hash: str) -> DecisionRecord:
    """The record linked after `prev_hash` (GENESIS for the campaign's first decision)."""
    linked = record._replace(prev_hash=prev_hash)
    return linked._replace(hash=record_hash(linked))


def verify_chain(
    records: Sequence[DecisionRecord], *, head: tuple[int, str] | None = None
) -> list[str]:
    """Problems in a campaign's decision chain (records in seq order); [] when intact. `head` is
    the (seq, hash) the campaign recorded for its last decision: it catches a removed last one."""
    links = (
        ChainLink(
            f"decision {r.seq} ({r.decision.team}, {r.decision.number})",
            r.seq,
            r.prev_hash,
            r.hash,
            record_hash(r),
        )
        for r in records
    )
    problems = chain_problems(links, "decision", "decision")
    if head is not None:
        seq, hash_ = (records[-1].seq, records[-1].hash) if records else (0, GENESIS)
        if seq != head[0]:
            problems.append(
                f"decision chain: the campaign recorded {head[0]} decisions, the record ends at "
                f"decision {seq}" + (" (decisions were removed)" if seq < head[0] else "")
            )
        elif hash_ != head[1]:
            problems.append(
                f"decision chain: decision {seq} is not the one the campaign recorded as its last"
            )
    return problems
