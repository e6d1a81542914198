"""Per-unit figures for the PAR Index (Chỉ số CCHC): what an assessment of a department or a
commune takes from the inspection, one row per unit, as CSV or JSON for the city's scoring
sheet. Computed from the event log as of a day, as the report is (no document is issued)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from inspect_engine.domain.reporting.figures import SHORTCOMING_SEVERITIES, CaseResult, Figures
from inspect_engine.domain.text import spreadsheet_cell
from inspect_engine.services.clock import Clock, utc_now
from inspect_engine.services.reporting.source import Cut, choose_cut, load_figures
from inspect_engine.storage.uow import UnitOfWork


def unit_scores(
    uow: UnitOfWork,
    key: str,
    *,
    as_of: date | None = None,
    period: str | None = None,
    year: int | None = None,
    clock: Clock = utc_now,
) -> tuple[Figures, Cut]:
    with uow:
        conn = uow.connection
        spec, cut = choose_cut(conn, key, as_of=as_of, period=period, year=year, clock=clock)
        return load_figures(conn, key, spec, cut), cut


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def unit_json(case: CaseResult, figures: Figures) -> dict[str, Any]:
    inspected = figures.counted(case)
    concluded = inspected and case.concluded_on is not None
    by_area = {area: {s: 0 for s in SHORTCOMING_SEVERITIES} for area in figures.areas}
    for finding in case.shortcomings() if concluded else []:
        by_area.setdefault(finding.area, {s: 0 for s in SHORTCOMING_SEVERITIES})
        by_area[finding.area][finding.severity] += 1
    status = case.remediation_status(figures.as_of) if inspected else None
    return {
        "unit_code": case.unit.code,
        "unit_name": case.unit.name,
        "unit_kind": case.unit.kind,
        "area": case.unit.area,
        "team": case.team,
        "inspected": inspected,
        "visit_date": _iso(case.visited_on) if inspected else None,
        "unannounced": case.unannounced if inspected else False,
        "concluded_on": _iso(case.concluded_on) if concluded else None,
        "shortcomings": by_area,
        "shortcomings_total": {
            s: sum(a[s] for a in by_area.values()) for s in SHORTCOMING_SEVERITIES
        },
        "models": len(case.models()) if concluded else 0,
        "remediation": {
            "due": _iso(case.remediation_due) if status else None,
            "reported_on": _iso(case.remediated_on) if status else None,
            "status": status,
            "on_time": None if status is None or status == "in_time" else status == "done_on_time",
        },
        "reinspections": [{"date": d.isoformat(), "passed": p} for d, p in case.reinspections]
        if inspected
        else [],
    }


def to_json(key: str, figures: Figures, cut: Cut) -> str:
    data = {
        "campaign": key,
        "as_of": cut.as_of.isoformat(),
        "since": _iso(cut.since),
        "period": cut.period,
        "chain_seq": cut.chain_seq,
        "content_areas": list(figures.areas),
        "units": [unit_json(c, figures) for c in figures.cases],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def csv_columns(figures: Figures) -> list[str]:
    areas = [
        f"area{i}_{s}" for i in range(1, len(figures.areas) + 1) for s in SHORTCOMING_SEVERITIES
    ]
    return [
        "unit_code", "unit_name", "unit_kind", "area", "team", "inspected", "visit_date",
        "unannounced", "concluded_on", *areas, "minor", "major", "serious", "models",
        "remediation_due", "remediation_reported_on", "remediation_status",
        "remediation_on_time", "reinspections", "reinspection_passed",
    ]  # fmt: skip


def _flag(value: bool | None) -> str:
    return "" if value is None else str(int(value))


def to_csv(figures: Figures, cut: Cut) -> str:
    """One row per unit; `areaN_SEVERITY` counts the shortcomings of the campaign's N-th content
    area (docs/reporting.md lists the columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns(figures))
    for case in figures.cases:
        row = unit_json(case, figures)
        remediation, total = row["remediation"], row["shortcomings_total"]
        areas = [row["shortcomings"][a][s] for a in figures.areas for s in SHORTCOMING_SEVERITIES]
        reinspections = row["reinspections"]
        writer.writerow(map(spreadsheet_cell, [
                row["unit_code"], row["unit_name"], row["unit_kind"], row["area"],
                row["team"] or "", _flag(row["inspected"]), row["visit_date"] or "",
                _flag(row["unannounced"]), row["concluded_on"] or "", *areas,
                total["minor"], total["major"], total["serious"], row["models"],
                remediation["due"] or "", remediation["reported_on"] or "",
                remediation["status"] or "", _flag(remediation["on_time"]), len(reinspections),
                _flag(reinspections[-1]["passed"]) if reinspections else "",
            ]))  # fmt: skip
    return out.getvalue()
