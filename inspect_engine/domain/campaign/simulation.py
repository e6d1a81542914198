"""What `inspect-engine simulate` draws for a campaign: the optional `[simulation]` table of the
campaign file, as values, and its reader.

Every share is a probability in [0, 1]; shares that split one choice (how a unit sends its
appendices; the severity of a finding) add up to 1. Ranges are `[low, high]` in working days,
drawn uniformly. The defaults are documented in docs/simulation.md and docs/campaign-format.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.domain.workflow.inspection_rules import SEVERITIES
from inspect_engine.errors import InputError

Fail = Callable[[str, str], InputError]  # (field path, message) -> the error naming its line
_TOLERANCE = 1e-6  # shares written with two decimals must still add up to 1


@dataclass(frozen=True)
class Severity:
    """How likely each severity is for one finding (one per content area)."""

    none: float = 0.70
    minor: float = 0.22
    major: float = 0.07
    serious: float = 0.01

    def shares(self) -> tuple[tuple[str, float], ...]:
        return tuple((name, getattr(self, name)) for name in SEVERITIES)


@dataclass(frozen=True)
class SimulationSettings:
    """The actors' habits: units, the team, the signer."""

    # How each unit sends its report and appendices after the notice (the three add up to 1).
    submission_on_time: float = 0.75
    submission_late: float = 0.15
    submission_partial: float = 0.10  # part by the due date, the rest late
    early_working_days: tuple[int, int] = (0, 4)  # an on-time delivery, before its due date
    late_working_days: tuple[int, int] = (1, 5)  # a late delivery, after its due date
    moved_visits: float = 0.05  # announced visits the team lead moves, with a reason
    findings_working_days: tuple[int, int] = (1, 2)  # the team's draft, after the visit
    conclusion_working_days: tuple[int, int] = (2, 5)  # the signer's approval, after the draft
    remediation_late: float = 0.10  # remediation reports sent after their due date
    # A major finding the team marks for re-inspection (a serious one always needs one).
    major_reinspection: float = 0.15
    reinspection_working_days: tuple[int, int] = (5, 15)  # after the report, on a free day
    reinspection_pass: float = 0.80  # the others fail: new findings, concluded again
    severity: Severity = Severity()
    areas: Mapping[str, Severity] = field(default_factory=dict)  # areas drawn otherwise

    def severity_of(self, area: str) -> Severity:
        return self.areas.get(area, self.severity)


_SHARES = (
    "submission_on_time",
    "submission_late",
    "submission_partial",
    "moved_visits",
    "remediation_late",
    "major_reinspection",
    "reinspection_pass",
)
# Ranges and the lowest value each may start at: 0 = the same day as what it follows.
_RANGES = {
    "early_working_days": 0,
    "late_working_days": 1,
    "findings_working_days": 1,
    "conclusion_working_days": 1,
    "reinspection_working_days": 1,
}
_SUBMISSION = ("submission_on_time", "submission_late", "submission_partial")
KEYS = tuple(f.name for f in fields(SimulationSettings))


def parse_simulation(
    data: Mapping[str, Any], fail: Fail, content_areas: Collection[str], path: str = "simulation"
) -> SimulationSettings:
    """The `[simulation]` table; `fail(field, message)` makes the error naming its line."""
    if not isinstance(data, Mapping):
        raise fail(path, f"[{path}] must be a table")
    for key in data:
        if key not in KEYS:
            raise fail(
                f"{path}.{key}", f"unknown field {key!r}; expected one of: {', '.join(KEYS)}"
            )
    base = SimulationSettings()
    values: dict[str, Any] = {}
    for key in _SHARES:
        values[key] = _share(data, key, getattr(base, key), fail, path)
    total = sum(values[key] for key in _SUBMISSION)
    if abs(total - 1) > _TOLERANCE:
        raise fail(
            f"{path}.{_SUBMISSION[0]}",
            f"{', '.join(_SUBMISSION)} must add up to 1, got {total:g}",
        )
    for key, low in _RANGES.items():
        values[key] = _range(data, key, getattr(base, key), low, fail, path)
    values["severity"] = _severity(data.get("severity"), f"{path}.severity", fail, base.severity)
    values["areas"] = _areas(data.get("areas", []), f"{path}.areas", fail, content_areas)
    return SimulationSettings(**values)


def _share(data: Mapping[str, Any], key: str, default: float, fail: Fail, path: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{path}.{key}", f"{key} must be a number from 0 to 1, got {value!r}")
    if not 0 <= value <= 1:
        raise fail(f"{path}.{key}", f"{key} must be from 0 to 1, got {value}")
    return float(value)


def _range(
    data: Mapping[str, Any], key: str, default: tuple[int, int], low: int, fail: Fail, path: str
) -> tuple[int, int]:
    value = data.get(key, list(default))
    where = f"{path}.{key}"
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise fail(where, f"{key} must be [low, high] in working days, got {value!r}")
    first, last = value
    if first < low:
        raise fail(where, f"{key} must start at {low} or more, got {first}")
    if last < first:
        raise fail(where, f"{key} ends ({last}) before it starts ({first})")
    if last > 60:
        raise fail(where, f"{key} ends at {last} working days, more than a quarter: is it a typo?")
    return first, last


def _severity(value: Any, where: str, fail: Fail, default: Severity) -> Severity:
    """Four shares adding up to 1; a severity left out is never drawn (share 0)."""
    if value is None:
        return default
    if not isinstance(value, Mapping):
        raise fail(where, "must be a table of none, minor, major, serious")
    shares: dict[str, float] = {}
    for key in value:
        if key not in SEVERITIES:
            raise fail(
                f"{where}.{key}", f"unknown severity {key!r}; one of {', '.join(SEVERITIES)}"
            )
        shares[key] = _share(value, key, 0.0, fail, where)
    total = sum(shares.values())
    if abs(total - 1) > _TOLERANCE:
        raise fail(where, f"the shares of {', '.join(SEVERITIES)} must add up to 1, got {total:g}")
    return Severity(**{name: shares.get(name, 0.0) for name in SEVERITIES})


def _areas(
    value: Any, where: str, fail: Fail, content_areas: Collection[str]
) -> dict[str, Severity]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise fail(where, "areas must be an array of tables ([[simulation.areas]])")
    out: dict[str, Severity] = {}
    for i, item in enumerate(value):
        path = f"{where}[{i}]"
        area = item.get("area")
        if not isinstance(area, str) or area not in content_areas:
            known = "; ".join(content_areas)
            raise fail(f"{path}.area", f"{area!r} is not a content area of the campaign: {known}")
        if area in out:
            raise fail(f"{path}.area", f"{area!r} is drawn twice")
        out[area] = _severity(
            {k: v for k, v in item.items() if k != "area"}, path, fail, Severity()
        )
    return out


def read_simulation_table(
    text: str, source: str, content_areas: Collection[str]
) -> SimulationSettings:
    """The `[simulation]` table of a TOML file (`simulate --settings FILE`; a campaign file will
    do: only its `[simulation]` table is read)."""
    toml = TomlSource(text, source)
    if "simulation" not in toml.data:
        raise InputError("no [simulation] table in the file", source=source, line=1)
    return parse_simulation(toml.data["simulation"], toml.error, content_areas)
