"""The documents an inspection produces, and what causes each.

A kind names its template (notices/<kind>.xml.j2), its type name and type code (Decree 30's
table: Thông báo TB, Quyết định QĐ, Biên bản BB; a Công văn has none). The workflow queues an
`issue_notice` effect naming the kind; the minutes of a visit (`minutes` in an event's data) are
a Biên bản; a team decision is a Quyết định; reminders follow the deadlines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # English, for the CLI
    type_name: str  # THÔNG BÁO; "" for a Công văn
    type_code: str | None  # TB; None for a Công văn
    # Who numbers it: "register" (the issuing body's register), "given" (a number recorded
    # with the data it comes from: a team decision, the team's minutes).
    numbered_by: str = "register"

    @property
    def form(self) -> str:
        return "notice" if self.type_name else "letter"

    @property
    def template(self) -> str:
        return f"{self.key}.xml.j2"


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("quyet-dinh-thanh-lap-doan", "decision forming a team", "QUYẾT ĐỊNH", "QĐ", "given"),
        Kind("thong-bao-kiem-tra", "inspection notice", "THÔNG BÁO", "TB"),
        Kind("cong-van-kiem-tra", "inspection notice (official letter)", "", None),
        Kind("nhac-nop-bao-cao", "reminder: submission due", "", None),
        Kind("thong-bao-doi-lich", "notice of a moved visit", "THÔNG BÁO", "TB"),
        Kind("bien-ban-kiem-tra", "minutes of the visit", "BIÊN BẢN", "BB", "given"),
        Kind("thong-bao-ket-luan", "conclusion notice", "THÔNG BÁO", "TB"),
        Kind("nhac-bao-cao-khac-phuc", "reminder: remediation report due", "", None),
        Kind("qua-han-bao-cao-khac-phuc", "overdue: remediation report", "", None),
        Kind("thong-bao-tai-kiem-tra", "re-inspection notice", "THÔNG BÁO", "TB"),
        Kind("bao-cao-ket-qua-kiem-tra", "campaign results report", "BÁO CÁO", "BC"),
    )
}
ANNOUNCEMENT = "thong-bao-kiem-tra"
ANNOUNCEMENT_LETTER = "cong-van-kiem-tra"
MINUTES = "bien-ban-kiem-tra"
DECISION = "quyet-dinh-thanh-lap-doan"
REPORT = "bao-cao-ket-qua-kiem-tra"  # the campaign's report to the city (`report KEY`)
# Reminders the deadlines cause: (kind, deadline, when) with when "before" or "after" the due day.
REMINDERS: tuple[tuple[str, str, str], ...] = (
    ("nhac-nop-bao-cao", "submission_due", "before"),
    ("nhac-bao-cao-khac-phuc", "remediation_report_due", "before"),
    ("qua-han-bao-cao-khac-phuc", "remediation_report_due", "after"),
)


@dataclass(frozen=True)
class Cause:
    """One document an event asks for: `index` tells apart several from one event (the effect's
    position; -1 for the minutes carried in the data)."""

    kind: str
    index: int

    def source_key(self, case_id: int, seq: int) -> str:
        """The exactly-once key of the document: one per cause, ever."""
        return f"event:{case_id}:{seq}:{self.index}"


def caused_by(
    effects: Sequence[Mapping[str, Any]],
    payload: Mapping[str, Any],
    *,
    announcement_form: str = "thong-bao",
) -> list[Cause]:
    """The documents an event causes: each `issue_notice` effect, and a Biên bản for minutes.
    A campaign that announces by Công văn gets `cong-van-kiem-tra` for the notice."""
    causes = []
    for i, effect in enumerate(effects):
        if effect.get("effect") != "issue_notice":
            continue
        kind = str(effect.get("args", {}).get("notice", ""))
        if kind == ANNOUNCEMENT and announcement_form == "cong-van":
            kind = ANNOUNCEMENT_LETTER
        causes.append(Cause(kind, i))
    if isinstance(payload.get("minutes"), Mapping):
        causes.append(Cause(MINUTES, -1))
    return causes


def decision_source_key(campaign_key: str, seq: int) -> str:
    return f"decision:{campaign_key}:{seq}"


def reminder_source_key(case_id: int, seq: int, kind: str) -> str:
    """One reminder of each kind per deadline (the event that started it)."""
    return f"reminder:{case_id}:{seq}:{kind}"
