"""The appendix forms as the tables a letter's appendix pages show.

The letter and the unit's XLSX workbook come from the same form definitions (`forms.toml` in
the template folders), so the appendix page shows the very columns and prefilled rows the unit
fills in: the form's own blank rows are cut to a few on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
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


# The parsed forms of each file, while the file stays as it is: issuers are made at every sweep
# of a worker (or day of a simulation), and parsing forms.toml cost 10 ms each time.
_PARSED: dict[Path, tuple[tuple[int, int], dict[str, FormDef]]] = {}


def _forms_of(folder: Path) -> dict[str, FormDef]:
    path = folder / FORMS_FILE
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(path)
    if cached is None or cached[0] != stamp:
        cached = _PARSED[path] = (stamp, load_forms(folder))
    return cached[1]


class FormTables:
    """Each unit's appendix tables, by appendix code: {headers, rows, widths}."""

    def __init__(self, folders: Sequence[Path], spec: CampaignSpec, units: Mapping[str, Any]):
        folder = forms_folder(folders)
        self.forms: dict[str, FormDef] = _forms_of(folder) if folder else {}
        self.spec = spec
        self.units = units  # code -> its name and kind

    def for_unit(self, unit_code: str) -> Mapping[str, dict[str, Any]]:
        """The tables of the appendices that apply to the unit (asked or kept ready), made
        when a letter first looks at them (minutes and conclusions never do)."""
        return _UnitTables(lambda: self._build(unit_code))

    def _build(self, unit_code: str) -> dict[str, dict[str, Any]]:
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


class _UnitTables(Mapping[str, dict[str, Any]]):
    def __init__(self, build: Callable[[], dict[str, dict[str, Any]]]) -> None:
        self._build = build
        self._tables: dict[str, dict[str, Any]] | None = None

    def _made(self) -> dict[str, dict[str, Any]]:
        if self._tables is None:
            self._tables = self._build()
        return self._tables

    def __getitem__(self, code: str) -> dict[str, Any]:
        return self._made()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())
