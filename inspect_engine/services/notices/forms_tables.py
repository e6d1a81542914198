"""The appendix forms as the tables a letter's appendix pages show.

The letter and the unit's XLSX workbook come from the same form definitions (`forms.toml` in
the template folders), so the appendix page shows the very columns and prefilled rows the unit
fills in: the form's own blank rows are cut to a few on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.campaign.model import CampaignSpec
from inspect_engine.domain.documents.forms import FormDef, form_sheet
from inspect_engine.services.evidence import FORMS_FILE, load_forms

BLANK_ROWS_ON_PAPER = 3


def forms_folder(folders: Sequence[Path]) -> Path | None:
    """The first template folder that defines the forms (a province's own, else the shipped)."""
    return next((f for f in folders if (f / FORMS_FILE).is_file()), None)


class FormTables:
    """Each unit's appendix tables, by appendix code: {headers, rows, widths}."""

    def __init__(self, folders: Sequence[Path], spec: CampaignSpec, units: Mapping[str, Any]):
        folder = forms_folder(folders)
        self.forms: dict[str, FormDef] = load_forms(folder) if folder else {}
        self.spec = spec
        self.units = units  # code -> its name and kind

    def for_unit(self, unit_code: str) -> dict[str, dict[str, Any]]:
        """The tables of the appendices that apply to the unit (asked or kept ready)."""
        unit = self.units[unit_code]
        asked = appendices_for(self.spec, unit_code, unit.kind)
        tables = {}
        for appendix in (*asked.required, *asked.keep_ready):
            form = self.forms.get(appendix.code)
            if form is None:
                continue  # the page then says what the appendix holds, in words
            code = appendix.code
            sheet = form_sheet(form, self.spec, unit_code, unit.name)
            numbers = [c.prefill == "number" for c in sheet.columns]
            # A row the form gives only its number (STT) is one for the unit to fill in.
            given = [any(v for v, n in zip(r, numbers, strict=True) if not n) for r in sheet.rows]
            filled = [r for r, g in zip(sheet.rows, given, strict=True) if g]
            blank = [r for r, g in zip(sheet.rows, given, strict=True) if not g]
            blank = blank[:BLANK_ROWS_ON_PAPER]
            tables[code] = {
                "headers": [c.header for c in sheet.columns],
                "rows": [list(r) for r in (*filled, *blank)],
                # Excel's width of "STT" fits its digits; on paper it must fit the word.
                "widths": [
                    max(c.width, 14) if n else c.width
                    for c, n in zip(sheet.columns, numbers, strict=True)
                ],
            }
        return tables
