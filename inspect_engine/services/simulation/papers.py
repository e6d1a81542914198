"""What the simulated people write and who they are: the findings a team drafts, a failed
re-inspection's, the minutes of a visit, the names and positions of a team and a unit."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from inspect_engine.domain.campaign.model import CampaignSpec, Team
from inspect_engine.domain.campaign.simulation import SimulationSettings
from inspect_engine.services.simulation import texts
from inspect_engine.services.simulation.world import SimCase, World


class Papers:
    def __init__(
        self,
        spec: CampaignSpec,
        settings: SimulationSettings,
        world: World,
        rng: Callable[[str, str], random.Random],
    ) -> None:
        self.spec, self.settings, self.world, self.rng = spec, settings, world, rng
        self.teams: dict[str, Team] = {t.name: t for t in spec.teams}
        self._people: dict[str, list[tuple[str, str]]] = {}  # who works at each unit

    def findings(self, rng: random.Random) -> list[dict[str, Any]]:
        out = []
        for area in self.spec.content_areas:
            shares = self.settings.severity_of(area).shares()
            pick, marked = rng.random(), rng.random() < self.settings.major_reinspection
            severity = _pick(shares, pick)
            words = texts.area_texts(area)
            finding: dict[str, Any] = {"area": area, "severity": severity}
            if severity == "none":
                finding["text"] = words.done
            else:
                finding["text"] = words.shortcomings[("minor", "major", "serious").index(severity)]
                finding["remedy"] = words.remedy
                if severity == "major" and marked:
                    finding["reinspection"] = True
            out.append(finding)
        return out

    def still_open(self, case: SimCase, rng: random.Random) -> list[dict[str, Any]]:
        """A failed re-inspection's findings: each earlier shortcoming fixed or not, at least
        one not."""
        earlier = [f for f in case.findings if f.get("severity", "none") != "none"]
        keep = [rng.random() < 0.5 for _ in earlier]
        if earlier and not any(keep):
            keep[rng.randrange(len(earlier))] = True
        failed = texts.REINSPECTION_FAILED.format(number=case.conclusion_number).strip()
        out = []
        for finding, open_ in zip(earlier, keep, strict=True):
            item = {
                "area": finding["area"],
                "severity": "none",
                "text": f"Đã khắc phục: {finding['text']}",
            }
            if open_:
                item.update(severity=finding["severity"], text=f"{failed}: {finding['text']}")
                item["remedy"] = str(finding.get("remedy") or texts.area_texts(item["area"]).remedy)
            out.append(item)
        return out

    def lead(self, case: SimCase) -> str:
        team = self.teams.get(case.team or "")
        return team.lead if team else self.spec.teams[0].lead

    def team_people(self, case: SimCase) -> list[tuple[str, str]]:
        team = self.teams.get(case.team or "") or self.spec.teams[0]
        others = [m.name for m in team.members if m.name != team.lead]
        people = [(team.lead, "Trưởng đoàn")]
        for i, name in enumerate(others):
            last = i == len(others) - 1 and len(others) > 1
            people.append((name, "Thư ký" if last else "Thành viên"))
        return people

    def recorder(self, case: SimCase) -> str:
        """Who records a visit: the team's secretary (thư ký), else its lead."""
        return self.team_people(case)[-1][0]

    def unit_people(self, case: SimCase) -> list[tuple[str, str]]:
        if case.unit_code not in self._people:
            rng = self.rng(case.unit_code, "people")
            positions = texts.UNIT_POSITIONS.get(case.kind, texts.OTHER_POSITIONS)
            self._people[case.unit_code] = [(texts.person(rng), p) for p in positions]
        return self._people[case.unit_code]

    def unit_officer(self, case: SimCase) -> str:
        """Who sends the unit's papers: its officer for the reform."""
        return self.unit_people(case)[-1][0]

    def minutes(self, case: SimCase, day: date, notes: tuple[str, ...]) -> dict[str, Any]:
        """The biên bản of a visit on `day`, numbered in the team's own book."""
        return {
            "minutes": {
                "number": self.world.next_minutes_number(case.team),
                "visit_date": day.isoformat(),
                "team_participants": [
                    {"name": n, "position": p} for n, p in self.team_people(case)
                ],
                "unit_participants": [
                    {"name": n, "position": p} for n, p in self.unit_people(case)
                ],
                "noted": [note.format(year=self.spec.year) for note in notes],
            }
        }


def _pick(shares: tuple[tuple[str, float], ...], draw: float) -> str:
    total = 0.0
    for name, share in shares:
        total += share
        if draw < total:
            return name
    return next(name for name, share in reversed(shares) if share > 0)
