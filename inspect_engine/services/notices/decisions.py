"""The values of a Quyết định thành lập Đoàn kiểm tra, from the recorded team decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from inspect_engine.services.notices.context import CampaignFacts, as_date, json_list

ROLE_TITLES = {"trưởng đoàn": "Trưởng đoàn", "thành viên": "Thành viên", "thư ký": "Thư ký"}


def decision_values(conn: Connection, facts: CampaignFacts, seq: int) -> dict[str, Any]:
    row = conn.execute(
        text(
            "SELECT team, number, date, signer, members, supersedes FROM team_decision "
            "WHERE campaign_key = :key AND seq = :seq"
        ),
        {"key": facts.key, "seq": seq},
    ).one()
    team_name, number, day, signer, members, supersedes = row
    team = next(t for t in facts.spec.teams if t.name == team_name)
    works_at = {m.name: m.unit for m in team.members}
    unit_names = {code: u.name for code, u in facts.units.items()}
    listed = []
    for member in json_list(members):
        code = works_at.get(member["name"])
        listed.append(
            {
                "name": member["name"],
                "role": ROLE_TITLES.get(member["role"], member["role"]),
                "works_at": unit_names.get(code or "", code or ""),
            }
        )
    planned = conn.execute(
        text(
            "SELECT unit_code, visit_date FROM inspection_case WHERE campaign_key = :key "
            "AND plan_team = :team AND visit_date IS NOT NULL ORDER BY visit_date, unit_code"
        ),
        {"key": facts.key, "team": team_name},
    )
    visits = [{"unit": unit_names.get(code, code), "date": as_date(day)} for code, day in planned]
    return {
        "visits": visits,
        "decision": {
            "number": number,
            "date": as_date(day),
            "signer": signer,
            "supersedes": supersedes,
        },
        "team": {"name": team_name, "lead": team.lead, "members": listed},
    }
