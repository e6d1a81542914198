"""What the report's template may say (notices/bao-cao-ket-qua-kiem-tra.xml.j2): the figures
as values, units named, findings grouped by their wording, the charts as PNG in base64."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.campaign.reporting import PERIOD_LABELS
from inspect_engine.domain.reporting.chart_data import ChartData
from inspect_engine.domain.reporting.figures import (
    SHORTCOMING_SEVERITIES,
    CaseResult,
    Figures,
    Finding,
)
from inspect_engine.services.reporting.source import Cut

SEVERITY_LABELS = {
    "none": "Thực hiện tốt",
    "minor": "Tồn tại nhỏ",
    "major": "Tồn tại",
    "serious": "Tồn tại nghiêm trọng",
}
REMEDIATION_LABELS = {
    "done_on_time": "Đã khắc phục đúng hạn",
    "done_late": "Đã khắc phục, quá hạn",
    "in_time": "Đang khắc phục, trong hạn",
    "overdue": "Quá hạn, chưa báo cáo khắc phục",
}


def _names(cases: Iterable[CaseResult]) -> list[str]:
    return [c.unit.name for c in cases]


def _grouped(items: Sequence[tuple[CaseResult, Finding]]) -> list[dict[str, Any]]:
    """Findings of the same wording once, with every unit that had it, in the order first met."""
    groups: dict[str, list[str]] = {}
    for case, finding in items:
        names = groups.setdefault(finding.text, [])
        if case.unit.name not in names:
            names.append(case.unit.name)
    return [{"text": text, "units": names} for text, names in groups.items()]


def _remediation_cell(case: CaseResult, figures: Figures) -> str:
    status = case.remediation_status(figures.as_of)
    parts = []
    if case.concluded_on is None:
        parts.append("Chờ kết luận")
    elif status is None:
        parts.append("Không phải khắc phục")
    else:
        parts.append(REMEDIATION_LABELS[status])
    for day, passed in case.reinspections:
        parts.append(f"Tái kiểm tra {day:%d/%m}: {'đạt' if passed else 'chưa đạt'}")
    if case.state == "reinspection":
        parts.append("Chờ tái kiểm tra")
    return "; ".join(parts)


def unit_rows(figures: Figures) -> list[list[str]]:
    """The appendix: one row per inspected unit, then those not inspected yet."""
    rows = []
    for case in [*figures.inspected, *figures.not_inspected()]:
        counts = {s: 0 for s in SHORTCOMING_SEVERITIES}
        for finding in case.shortcomings():
            counts[finding.severity] += 1
        visited = ""
        if case.visited_on is not None and figures.counted(case):
            visited = f"{case.visited_on:%d/%m/%Y}" + (" (đột xuất)" if case.unannounced else "")
        elif case.planned_visit is not None:
            visited = f"Dự kiến {case.planned_visit:%d/%m/%Y}"
        inspected = figures.counted(case)
        rows.append(
            [
                case.unit.name,
                case.team or "",
                visited,
                *(str(counts[s]) if inspected and case.concluded_on else "" for s in counts),
                _remediation_cell(case, figures) if inspected else "Chưa kiểm tra",
            ]
        )
    return rows


def report_values(
    spec: CampaignSpec, figures: Figures, cut: Cut, charts: Mapping[str, bytes], chart: ChartData
) -> dict[str, Any]:
    inspected = figures.inspected
    by_area = figures.by_area()
    areas = []
    for name, severities in by_area.items():
        shortcomings = {s: _grouped(severities[s]) for s in SHORTCOMING_SEVERITIES}
        areas.append(
            {
                "name": name,
                "good": _grouped(severities["none"]),
                "shortcomings": [
                    {
                        "severity": s,
                        "label": SEVERITY_LABELS[s],
                        "count": len(severities[s]),
                        "findings": shortcomings[s],
                    }
                    for s in reversed(SHORTCOMING_SEVERITIES)
                    if severities[s]
                ],
                "count": sum(len(severities[s]) for s in SHORTCOMING_SEVERITIES),
            }
        )
    remediation = figures.remediation()
    owed = sum(len(v) for v in remediation.values())
    reinspected = [c for c in inspected if c.reinspections]
    period = None
    if cut.period:
        period = {
            "name": cut.period,
            "label": f"{PERIOD_LABELS[cut.period]} {cut.year}",
            "since": cut.since,
        }
    return {
        "report": {"as_of": cut.as_of, "since": cut.since, "period": period},
        "scope": {
            "targeted": len(figures.cases),
            "inspected": len(inspected),
            "share": len(inspected) / len(figures.cases) if figures.cases else 0.0,
            "unannounced": sum(1 for c in inspected if c.unannounced),
            "announced": sum(1 for c in figures.cases if c.announced_on is not None),
            "teams": [t.name for t in spec.teams],
            "kinds": [
                {
                    "label": k.label,
                    "targeted": k.targeted,
                    "inspected": k.inspected,
                    "share": k.share,
                }
                for k in figures.kinds()
            ],
            "window": {"start": spec.window_start, "end": spec.window_end},
        },
        "areas": areas,
        "shortcomings": sum(a["count"] for a in areas),
        "units_with_shortcomings": _names(c for c in inspected if c.shortcomings()),
        "models": _grouped([(c, f) for c in inspected for f in c.models()]),
        "awaiting_conclusion": _names(figures.awaiting_conclusion()),
        "remediation": {
            "owed": owed,
            "statuses": [
                {"key": s, "label": REMEDIATION_LABELS[s], "units": _names(remediation[s])}
                for s in remediation
            ],
            "overdue": _names(remediation["overdue"]),
        },
        "reinspection": {
            "required": sum(1 for c in inspected if c.reinspection_required),
            "done": len(reinspected),
            "passed": _names(c for c in reinspected if c.reinspections[-1][1]),
            "failed": _names(c for c in reinspected if not c.reinspections[-1][1]),
            "waiting": _names(c for c in inspected if c.state == "reinspection"),
        },
        "not_inspected": _names(figures.not_inspected()),
        "submissions": chart.submissions,
        "unit_rows": unit_rows(figures),
        "charts": {name: base64.b64encode(png).decode("ascii") for name, png in charts.items()},
    }
