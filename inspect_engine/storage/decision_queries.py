"""Queries of the team-decision record shared by the services: the ORM session of a command and
the engine's hot-path connection run the same statement."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from inspect_engine.domain.text import clean
from inspect_engine.storage.tables import TeamDecisionRow


def current_decision_query(key: str, team: str) -> SelectOfScalar[TeamDecisionRow]:
    """The query of a team's current decision: its newest. Run on a session it gives the row;
    on the engine's hot-path connection (`case_facts`), its columns."""
    return (
        select(TeamDecisionRow)
        .where(TeamDecisionRow.campaign_key == key, TeamDecisionRow.team == clean(team))
        .order_by(col(TeamDecisionRow.seq).desc())
        .limit(1)
    )
