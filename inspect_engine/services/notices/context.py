"""What a template may say: the values of one document, gathered from the campaign, the unit,
the case and the event that caused it. The names are the templates' vocabulary, listed in
notices/README.md; a value a template uses and this does not give is an error, not a blank.

A campaign's facts are read once (`CampaignFacts`) and shared by all its documents: issuing a
national campaign's 3,300 notices reads the units, decisions and spec once.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, text

from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.campaign.model import Appendix, CampaignSpec
from inspect_engine.domain.documents import vn_format
from inspect_engine.domain.documents.kinds import Kind
from inspect_engine.services.case_facts import campaign_spec

DEFAULT_ATTENDEES = ("Lãnh đạo đơn vị", "Công chức phụ trách công tác cải cách hành chính")
_TYPE_TITLES = {"TB": "Thông báo", "QĐ": "Quyết định", "BB": "Biên bản", "BC": "Báo cáo"}


@dataclass(frozen=True)
class UnitFacts:
    code: str
    name: str
    kind: str
    kind_label: str
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class DecisionFacts:
    team: str
    number: str
    date: date
    signer: str
    members: tuple[Mapping[str, str], ...]


_FEW = 500
_UNITS_SQL = (
    "SELECT u.code, u.name, u.kind, k.label, u.sectors FROM unit u "
    "JOIN unit_kind k ON k.name = u.kind "
    "JOIN inspection_case c ON c.unit_code = u.code WHERE c.campaign_key = :key"
)
_UNITS = text(_UNITS_SQL)
_UNITS_OF = text(_UNITS_SQL + " AND c.id IN :ids").bindparams(bindparam("ids", expanding=True))


class CampaignFacts:
    """A campaign's spec, units and team decisions, read once for all its documents."""

    def __init__(self, conn: Connection, key: str, cases: Collection[int] | None = None) -> None:
        """`cases`: only the units of these cases are needed (a sweep's few documents of a
        national campaign need not read its 3,300 units)."""
        self.key = key
        self.spec: CampaignSpec = campaign_spec(conn, key)[0]
        if cases is None or len(cases) > _FEW:
            rows = conn.execute(_UNITS, {"key": key})
        else:
            rows = conn.execute(_UNITS_OF, {"key": key, "ids": sorted(cases)})
        self.units = {
            code: UnitFacts(code, name, kind, label or kind, tuple(json_list(sectors)))
            for code, name, kind, label, sectors in rows
        }
        self.decisions: dict[str, DecisionFacts] = {}
        self.current: dict[str, DecisionFacts] = {}  # team -> its newest decision
        decisions = conn.execute(
            text(
                "SELECT team, number, date, signer, members FROM team_decision "
                "WHERE campaign_key = :key ORDER BY seq"
            ),
            {"key": key},
        )
        for team, number, day, signer, members in decisions:
            facts = DecisionFacts(team, number, as_date(day), signer, tuple(json_list(members)))
            self.decisions[number] = facts
            self.current[team] = facts

    # --- the pieces every document has ---------------------------------------------------------

    def base(self, kind: Kind, number: str, issued_on: date | None) -> dict[str, Any]:
        issuer = self.spec.issuer
        type_title = _TYPE_TITLES.get(kind.type_code or "", "Công văn")
        when = vn_format.ngay(issued_on) if issued_on else vn_format.BLANK_DATE
        return {
            **self._campaign_constants,
            "document": {
                "kind": kind.key,
                "type_title": type_title,
                "number": number,
                "date": issued_on,
                "reference": f"{type_title} số {number} {when} của {issuer.body}",
            },
        }

    @functools.cached_property
    def _campaign_constants(self) -> dict[str, Any]:
        """What every document of the campaign says alike, made once (templates only read it)."""
        spec, issuer = self.spec, self.spec.issuer
        return {
            "campaign": {
                "key": spec.key,
                "title": spec.title,
                "year": spec.year,
                "plan": {
                    "number": spec.plan.number,
                    "date": spec.plan.date,
                    "issued_by": issuer.parent_body,
                },
                "content_areas": list(spec.content_areas),
                "focus_sectors": list(spec.focus_sectors),
            },
            "issuer": {
                **asdict(issuer),
                "contact": asdict(issuer.contact) if issuer.contact else None,
            },
            "settings": {
                "submit_to": spec.notices.submit_to,
                "copies_to": list(spec.notices.copies_to),
                "visit_time": spec.notices.visit_time,
            },
        }

    def unit(self, code: str) -> dict[str, Any]:
        unit = self.units[code]
        spec = self.spec
        return {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "kind_label": unit.kind_label,
            "attendees": list(spec.notices.attendees.get(unit.kind, DEFAULT_ATTENDEES)),
            "focus_sectors": [s for s in unit.sectors if s in spec.focus_sectors],
            "leads": [lead.subject for lead in spec.leads if lead.unit == code],
        }

    def team(self, team: str | None, decision_number: str | None) -> dict[str, Any] | None:
        """The team and the decision that formed it: the one the event named, else the
        team's newest."""
        if team is None:
            return None
        found = self.decisions.get(decision_number or "") or self.current.get(team)
        lead = next((t.lead for t in self.spec.teams if t.name == team), "")
        decision = None
        if found is not None:
            decision = {
                "number": found.number,
                "date": found.date,
                "signer": found.signer,
                "members": [dict(m) for m in found.members],
                "issued_by": self.spec.issuer.body,
            }
            lead = next((m["name"] for m in found.members if m["role"] == "trưởng đoàn"), lead)
        return {"name": team, "lead": lead, "decision": decision}

    def appendices(self, unit_code: str, forms: Mapping[str, Any]) -> dict[str, Any]:
        """The appendices the unit prepares (numbered as the campaign numbers them: Phụ lục 3
        is Phụ lục III wherever it appears), those it keeps ready, with their form tables."""
        unit = self.units[unit_code]
        asked = appendices_for(self.spec, unit_code, unit.kind)
        leads = [lead.subject for lead in asked.leads]

        def one(position: int, appendix: Appendix) -> dict[str, Any]:
            values = {
                "code": appendix.code,
                "numeral": numeral_of(appendix.code, position),
                "title": appendix.title,
                "contents": appendix.contents,
                "leads": leads if appendix.for_leads else [],
            }
            return _WithTable(values, lambda: forms.get(appendix.code))

        every = [a.code for a in self.spec.appendices]
        return {
            "appendices": [one(every.index(a.code) + 1, a) for a in asked.required],
            "keep_ready": [one(every.index(a.code) + 1, a) for a in asked.keep_ready],
        }


class _WithTable(dict[str, Any]):
    """An appendix's values whose `table` is made when a template first looks at it: a
    reminder lists the appendices missing but never draws their forms, which cost more than
    the rest of its letter."""

    def __init__(self, values: Mapping[str, Any], table: Callable[[], Any]) -> None:
        super().__init__(values)
        self._table = table

    def __missing__(self, key: str) -> Any:
        if key != "table":
            raise KeyError(key)
        self["table"] = value = self._table()
        return value


def numeral_of(code: str, position: int) -> str:
    """`Phụ lục 3` -> III; a code without a number takes its position in the campaign."""
    found = re.search(r"(\d+)\s*$", code)
    return vn_format.la_ma(int(found.group(1)) if found else position)


def visit_context(unit_name: str, day: date, visit_time: str) -> dict[str, Any]:
    hour, minute = (int(p) for p in visit_time.split(":"))
    return {"date": day, "time": vn_format.gio(hour, minute), "place": f"trụ sở {unit_name}"}


def json_list(value: Any) -> Sequence[Any]:
    """A JSON column read on the raw connection: SQLite hands back its text, PostgreSQL a list."""
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value or [])


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
