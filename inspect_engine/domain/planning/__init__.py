"""Visit planning: assign each inspection visit a (team, day), exactly for the core objective.

`solve` is the entry point (flow core, then area grouping); `check` is the independent
validator; `greedy` and `objective` are the baseline and the yardstick. The objective is
documented in `problem`.
"""

from __future__ import annotations

from inspect_engine.domain.planning.checker import check
from inspect_engine.domain.planning.greedy import greedy
from inspect_engine.domain.planning.problem import (
    Assignment,
    Infeasible,
    Problem,
    Solution,
    Team,
    Visit,
    Weights,
    area_cost,
    core_cost,
    objective,
)
from inspect_engine.domain.planning.solve import solve

__all__ = [
    "Assignment",
    "Infeasible",
    "Problem",
    "Solution",
    "Team",
    "Visit",
    "Weights",
    "area_cost",
    "check",
    "core_cost",
    "greedy",
    "objective",
    "solve",
]
