"""The stored plan as CSV and as an iCalendar file (RFC 5545); the calendar page is
`calendar_page`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from inspect_engine.domain.text import spreadsheet_cell
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
    "address",
)


def to_csv(visits: Sequence[PlannedVisit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in visits:
        row = v.to_json()
        writer.writerow([spreadsheet_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def location(v: PlannedVisit) -> str:
    """Where the team goes: the unit, and its address when the registry has one."""
    return f"{v.unit_name}, {v.address}" if v.address else v.unit_name


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
        event.add("location", location(v))
        event.add(
            "description",
            f"Đơn vị: {v.unit_name} ({v.unit_code})\nĐoàn: {v.team}\nKhu vực: {v.area}\n"
            + (f"Địa chỉ: {v.address}\n" if v.address else "")
            + f"Gửi thông báo trước: {v.notice_due:%d/%m/%Y}\n"
            f"Hạn nộp phụ lục: {v.evidence_due:%d/%m/%Y}",
        )
        event.add("categories", [v.team])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
