"""`board KEY`: one self-contained HTML page a team lead looks at — the calendar, every case
coloured by its state, the overdue deadlines first, filters, a search box, and a drawer with a
case's history and documents. Everything is in the page (styles, script, data, charts as SVG),
so it works offline and from a file; the layout is `documents/layouts/board.html.j2`."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from inspect_engine.documents.board_layout import render_board
from inspect_engine.documents.charts import CHARTS, TITLES, render_chart
from inspect_engine.domain.documents.kinds import KINDS
from inspect_engine.domain.events import as_utc
from inspect_engine.domain.reporting.chart_data import chart_data
from inspect_engine.domain.vn_labels import DEADLINE_NAMES, STATE_NAMES
from inspect_engine.errors import InputError
from inspect_engine.services import workflows
from inspect_engine.services.case_facts import campaign_spec, db_date
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.reporting.source import Cut, load_figures
from inspect_engine.settings import DISPLAY_TZ
from inspect_engine.storage.deadline_store import DeadlineStore
from inspect_engine.storage.document_store import DocumentStore
from inspect_engine.storage.event_store import EventStore
from inspect_engine.storage.uow import UnitOfWork


def _local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(DISPLAY_TZ)


def board_page(
    uow: UnitOfWork, key: str, *, clock: Clock = utc_now, back_url: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The page, and the figures it shows (for the command's summary and the tests).
    `back_url`: a link back to where it was opened from (the portal's campaign page)."""
    now = clock()
    today = _local(now).date()
    with uow:
        conn = uow.connection
        store = EventStore(conn)
        if not store.has_campaign(key):
            raise InputError(
                f"no campaign {key!r}; see `inspect-engine campaign list`", field="KEY"
            )
        spec = campaign_spec(conn, key)[0]
        head = store.chain_head(key)[0]
        figures = load_figures(conn, key, spec, Cut(today, None, head))
        rows = conn.execute(
            text(
                "SELECT c.id, c.state, c.plan_team, c.visit_date, c.workflow_name, "
                "c.workflow_version, u.code, u.name, u.kind, k.label, u.area "
                "FROM inspection_case c JOIN unit u ON u.code = c.unit_code "
                "JOIN unit_kind k ON k.name = u.kind WHERE c.campaign_key = :key ORDER BY c.id"
            ),
            {"key": key},
        ).all()
        events: dict[int, list[Any]] = {}
        for event in store.campaign_events(key):
            events.setdefault(event.case_id, []).append(event)
        overdue = DeadlineStore(conn).list(key, overdue_on=today)
        documents: dict[int, list[Any]] = {}
        for doc in DocumentStore(conn).list(key):
            if doc.case_id is not None:
                documents.setdefault(doc.case_id, []).append(doc)
        defns = {(r[4], r[5]): workflows.stored(conn, r[4], r[5]) for r in rows}
    visited = {c.case_id: c for c in figures.cases}
    late: dict[int, list[dict[str, Any]]] = {}
    overdue_rows = []
    for d in overdue:
        item = {"what": DEADLINE_NAMES.get(d.kind, d.kind), "due": d.due.isoformat(),
                "days": (today - d.due).days}  # fmt: skip
        late.setdefault(d.case_id, []).append(item)
        overdue_rows.append({**item, "case": d.case_id})
    cases = []
    labels: dict[str, str] = {}
    for case_id, state, team, visit, wf, version, code, name, kind, kind_label, area in rows:
        defn = defns[(wf, version)]
        labels[state] = defn.state(state).label if defn.has_state(state) else state
        result = visited.get(case_id)
        history = []
        for e in events.get(case_id, []):
            label = next((t.label for t in defn.transitions if t.trigger == e.trigger), "")
            history.append(
                {
                    "at": f"{_local(e.at):%d/%m/%Y %H:%M}",
                    "what": label or _reserved(e.trigger, e.payload),
                    "who": e.actor,
                    "state": STATE_NAMES.get(e.to_state, e.to_state),
                }
            )
        cases.append(
            {
                "id": case_id,
                "code": code,
                "name": name,
                "short": _short(name),
                "kind": kind,
                "kind_label": kind_label or kind,
                "area": area or "",
                "team": team or "",
                "state": state,
                "visit": (db_date(visit) or "") and str(db_date(visit)),
                "visited": result.visited_on.isoformat() if result and result.visited_on else "",
                "overdue": late.get(case_id, []),
                "history": history,
                "documents": [
                    {
                        "number": d.number or "(chưa có số)",
                        "date": d.issued_on.isoformat() if d.issued_on else "",
                        "kind": KINDS[d.kind].type_name.capitalize() or "Công văn",
                        "title": d.content.get("summary", ""),
                    }
                    for d in documents.get(case_id, [])
                ],
            }
        )
    cases.sort(key=lambda c: (not c["overdue"], c["visit"] or "9999", c["id"]))
    data = chart_data(figures)
    charts = [
        {
            "title": TITLES[name],
            "src": "data:image/svg+xml;base64,"
            + base64.b64encode(render_chart(name, data, "svg")).decode(),
        }
        for name in CHARTS
    ]
    counts = Counter(c["state"] for c in cases)
    states = [
        {"key": s, "name": STATE_NAMES.get(s, s), "label": labels.get(s, s), "count": counts[s]}
        for s in [*STATE_NAMES, *sorted(set(counts) - set(STATE_NAMES))]
        if counts[s]
    ]
    context = {
        "campaign": {"key": key, "title": spec.title, "year": spec.year},
        "back_url": back_url,
        "made_at": f"{_local(now):%d/%m/%Y %H:%M}",
        "today": today.isoformat(),
        "states": states,
        "teams": [t.name for t in spec.teams],
        "kinds": sorted({(c["kind"], c["kind_label"]) for c in cases}),
        "areas": sorted({c["area"] for c in cases if c["area"]}),
        "cases": cases,
        "overdue": sorted(overdue_rows, key=lambda r: (r["due"], r["case"])),
        "months": _months(cases, spec.window_start, spec.window_end),
        "charts": charts,
        "cases_json": json.dumps({c["id"]: c for c in cases}, ensure_ascii=False),
    }
    summary = {"cases": len(cases), "states": dict(counts), "overdue": len(overdue_rows)}
    return render_board(context), summary


_PREFIXES = ("Xã ", "Phường ", "Đặc khu ", "Sở ", "Thị trấn ")


def _short(name: str) -> str:
    """A unit's name for a calendar chip: "Xã Đông Anh" -> "Đông Anh"."""
    return next((name.removeprefix(p) for p in _PREFIXES if name.startswith(p)), name)


def _reserved(trigger: str, payload: Any) -> str:
    if trigger == "open":
        return "Mở hồ sơ kiểm tra"
    if trigger == "issue_document":
        doc = payload.get("document", {})
        return f"Ban hành văn bản {doc.get('number') or ''}".strip()
    if trigger == "deadline":
        passed = payload.get("deadline", {})
        kind = str(passed.get("kind", "")) if isinstance(passed, dict) else ""
        return f"Quá hạn: {DEADLINE_NAMES.get(kind, kind or 'hạn')}"
    if trigger == "migrate":
        return "Chuyển phiên bản quy trình"
    if trigger == "axis_status":
        status = payload.get("axis_status", {})
        number = status.get("document", {}).get("number", "")
        return f"Trục liên thông: {status.get('name', '')} {number}".strip()
    return trigger


def _months(cases: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    """The window's months as weeks of days (Monday first), each day with its visits."""
    by_day: dict[str, list[int]] = {}
    for case in cases:
        day = case["visited"] or case["visit"]
        if day:
            by_day.setdefault(day, []).append(case["id"])
    months = []
    month = date(start.year, start.month, 1)
    while month <= end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        weeks: list[list[dict[str, Any] | None]] = []
        week: list[dict[str, Any] | None] = [None] * month.weekday()
        day = month
        while day < following:
            week.append(
                {"day": day.day, "iso": day.isoformat(), "cases": by_day.get(day.isoformat(), [])}
            )
            if len(week) == 7:
                weeks.append(week)
                week = []
            day = date.fromordinal(day.toordinal() + 1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append({"title": f"Tháng {month.month}/{month.year}", "weeks": weeks})
        month = following
    return months
