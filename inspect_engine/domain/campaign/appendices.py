"""Which appendices (Phụ lục) of the notice one unit prepares, and which it keeps ready.

An announced inspection asks a unit for every appendix that applies to it; an appendix marked
`unannounced_only` is not asked then, but the unit keeps its figures ready for an unannounced
inspection (kiểm tra đột xuất, 960/SNV-CCHC §1). Phụ lục 3 (`for_leads`) applies only to the
units that lead a reform area or task (960/SNV-CCHC §3).
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_engine.domain.campaign.model import Appendix, CampaignSpec, Lead


@dataclass(frozen=True)
class UnitAppendices:
    required: tuple[Appendix, ...]  # announced inspection: the unit must send these
    keep_ready: tuple[Appendix, ...]  # unannounced_only ones that apply to the unit
    leads: tuple[Lead, ...]  # what the unit leads (for Phụ lục 3's text)


def leads_of(spec: CampaignSpec, unit_code: str) -> tuple[Lead, ...]:
    """The areas and tasks the unit leads city-wide, in the file's order."""
    return tuple(lead for lead in spec.leads if lead.unit == unit_code)


def applies(appendix: Appendix, unit_kind: str, *, leads_something: bool) -> bool:
    """An appendix applies when the unit is of one of its kinds (or it names none) and, for a
    `for_leads` appendix, when the unit leads at least one area or task."""
    of_kind = not appendix.kinds or unit_kind in appendix.kinds
    return of_kind and (not appendix.for_leads or leads_something)


def appendices_for(spec: CampaignSpec, unit_code: str, unit_kind: str) -> UnitAppendices:
    """The unit's appendices, in the campaign file's order."""
    leads = leads_of(spec, unit_code)
    applicable = [a for a in spec.appendices if applies(a, unit_kind, leads_something=bool(leads))]
    return UnitAppendices(
        required=tuple(a for a in applicable if not a.unannounced_only),
        keep_ready=tuple(a for a in applicable if a.unannounced_only),
        leads=leads,
    )
