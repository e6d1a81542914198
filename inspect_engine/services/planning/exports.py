"""The stored plan as CSV, as an iCalendar file (RFC 5545) and as a self-contained HTML page."""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from inspect_engine.services.planning.context import PlannedVisit

CSV_COLUMNS = (
    "case_id",
    "unit_code",
    "unit_name",
    "area",
    "state",
    "team",
    "date",
    "notice_due",
    "evidence_due",
    "pinned",
)
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def to_csv(visits: Sequence[PlannedVisit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in visits:
        row = v.to_json()
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def to_ics(key: str, title: str, visits: Sequence[PlannedVisit], stamp: datetime) -> bytes:
    """One all-day event per visit; UIDs are stable, so re-importing a re-plan updates events."""
    cal = Calendar()
    cal.add("prodid", "-//inspect-engine//visit plan//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{title} ({key})")
    for v in visits:
        event = Event()
        event.add("uid", f"{key}-case-{v.case_id}@inspect-engine")
        event.add("dtstamp", stamp)
        event.add("dtstart", v.date)
        event.add("dtend", v.date + timedelta(days=1))
        event.add("summary", f"Kiểm tra CCHC: {v.unit_name}")
        event.add("location", v.area or v.unit_name)
        event.add(
            "description",
            f"Đơn vị: {v.unit_name} ({v.unit_code})\nĐoàn: {v.team}\nKhu vực: {v.area}\n"
            f"Gửi thông báo trước: {v.notice_due:%d/%m/%Y}\n"
            f"Hạn nộp phụ lục: {v.evidence_due:%d/%m/%Y}",
        )
        event.add("categories", [v.team])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def to_html(key: str, title: str, teams: Sequence[str], visits: Sequence[PlannedVisit]) -> str:
    """A team × week grid: one row per team, one column per week, each visit on its day."""
    weeks = sorted({_monday(v.date) for v in visits})
    cells: dict[tuple[str, date], list[PlannedVisit]] = defaultdict(list)
    for v in visits:
        cells[(v.team, _monday(v.date))].append(v)
    e = html.escape
    head = "".join(f"<th>Tuần {w.isocalendar().week} (từ {w:%d/%m})</th>" for w in weeks)
    rows = []
    for team in teams:
        tds = []
        for w in weeks:
            items = "".join(
                f'<li class="{"pin" if v.pinned else ""}" title="{e(v.area)} · '
                f'thông báo {v.notice_due:%d/%m} · phụ lục {v.evidence_due:%d/%m}">'
                f"<b>{WEEKDAYS[v.date.weekday()]} {v.date:%d/%m}</b> {e(v.unit_name)}</li>"
                for v in sorted(cells[(team, w)], key=lambda v: v.date)
            )
            tds.append(f"<td>{'<ul>' + items + '</ul>' if items else ''}</td>")
        count = sum(1 for v in visits if v.team == team)
        rows.append(f"<tr><th>{e(team)}<br><small>{count} lượt</small></th>{''.join(tds)}</tr>")
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>{e(title)} – lịch kiểm tra</title>
<style>
body {{ font-family: "Times New Roman", "Liberation Serif", serif; margin: 1.5rem; }}
h1 {{ font-size: 1.3rem; }}
table {{ border-collapse: collapse; font-size: 0.8rem; }}
th, td {{ border: 1px solid #999; padding: 0.25rem; vertical-align: top; min-width: 9rem; }}
thead th {{ background: #eee; position: sticky; top: 0; }}
tbody th {{ background: #f6f6f6; text-align: left; position: sticky; left: 0; }}
ul {{ margin: 0; padding-left: 1rem; }}
li.pin {{ font-style: italic; }}
</style></head><body>
<h1>{e(title)}</h1>
<p>{len(visits)} lượt kiểm tra, {len(teams)} đoàn ({e(key)}). Chữ nghiêng: lịch đã được cố định.
Rê chuột lên một lượt để xem khu vực, hạn gửi thông báo và hạn nộp phụ lục.</p>
<div style="overflow:auto"><table>
<thead><tr><th>Đoàn</th>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>
</body></html>
"""
