"""A document as issued: its parts in the order Decree 30/2020/NĐ-CP lays them out, as values.

A content template (notices/*.xml.j2) gives the wording; `markup.parse_letter` turns what it
renders into a `Letter`, and the layouts (`inspect_engine.documents`: DOCX, PDF, HTML) draw the
same `Letter`, so the three formats cannot say different things. An issued document stores its
`Letter` as JSON: re-rendering it later reproduces its number, date and text exactly, whatever
the templates have become since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# body: justified, first-line indent. basis: a legal basis (căn cứ), italic, justified, indented.
# heading: a numbered section head, bold. item: a "- ..." line of a list, indented like body.
# center: centred (a title inside the body, a form's caption). note: italic, smaller, left.
ParaStyle = Literal["body", "basis", "heading", "item", "center", "note"]
PARA_STYLES: tuple[str, ...] = ("body", "basis", "heading", "item", "center", "note")
# notice: Thông báo, Quyết định, Biên bản (type name and summary centred under the header).
# letter: Công văn (no type name; "V/v ..." under the number; "Kính gửi:" above the body).
LetterForm = Literal["notice", "letter"]


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: ParaStyle = "body"

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    """A ruled table; the first `header_rows` rows are bold and repeat on each page."""

    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths, one per column
    header_rows: int = 1


@dataclass(frozen=True)
class Figure:
    """A chart or picture: a PNG (base64, so the stored letter holds it and renders the same
    whenever it is rendered), `width` its share of the text width, `caption` under it."""

    image: str
    caption: str = ""
    width: float = 1.0


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Signer:
    """One signature box: `authority` ("KT. GIÁM ĐỐC") and `title` in capitals, bold; space to
    sign; the name in bold. A Biên bản has two boxes side by side."""

    title: str
    name: str
    authority: str = ""


@dataclass(frozen=True)
class AppendixPage:
    """A Phụ lục, on its own pages with its own page numbers: `label` ("Phụ lục I") in bold,
    `caption` ("(Kèm theo Thông báo số ...)") in italics, `title` in capitals, bold, then its
    blocks."""

    label: str
    caption: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Letter:
    kind: str  # the document kind (domain/documents/kinds.py), e.g. "thong-bao-kiem-tra"
    form: LetterForm
    parent_body: str  # "UBND THÀNH PHỐ HÀ NỘI": capitals, not bold
    body: str  # "SỞ NỘI VỤ": capitals, bold, a short line under it
    number: str  # "Số: 05/TB-SNV", or "Số:      /TB-SNV" while the records office numbers it
    place_date: str  # "Hà Nội, ngày 05 tháng 8 năm 2026", italic
    type_name: str  # "THÔNG BÁO"; "" for a Công văn
    summary: str  # the trích yếu; a Công văn shows it as "V/v ..."
    blocks: tuple[Block, ...]
    signers: tuple[Signer, ...]
    recipients: tuple[str, ...] = ()  # "Nơi nhận:" lines, the last "- Lưu: VT, CCHC."
    addressees: tuple[str, ...] = ()  # "Kính gửi:" (a Công văn)
    appendices: tuple[AppendixPage, ...] = field(default=())

    def all_text(self) -> str:
        """Every word of the document, in reading order (for tests and search)."""
        parts = [self.parent_body, self.body, self.number, self.place_date, self.type_name]
        parts += [self.summary, *self.addressees, *_texts(self.blocks)]
        for s in self.signers:
            parts += [s.authority, s.title, s.name]
        parts += list(self.recipients)
        for a in self.appendices:
            parts += [a.label, a.caption, a.title, *_texts(a.blocks)]
        return "\n".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "form": self.form,
            "parent_body": self.parent_body,
            "body": self.body,
            "number": self.number,
            "place_date": self.place_date,
            "type_name": self.type_name,
            "summary": self.summary,
            "blocks": [_block_json(b) for b in self.blocks],
            "signers": [
                {"authority": s.authority, "title": s.title, "name": s.name} for s in self.signers
            ],
            "recipients": list(self.recipients),
            "addressees": list(self.addressees),
            "appendices": [
                {
                    "label": a.label,
                    "caption": a.caption,
                    "title": a.title,
                    "blocks": [_block_json(b) for b in a.blocks],
                }
                for a in self.appendices
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Letter:
        return cls(
            kind=data["kind"],
            form=data["form"],
            parent_body=data["parent_body"],
            body=data["body"],
            number=data["number"],
            place_date=data["place_date"],
            type_name=data["type_name"],
            summary=data["summary"],
            blocks=tuple(_block_of(b) for b in data["blocks"]),
            signers=tuple(Signer(s["title"], s["name"], s["authority"]) for s in data["signers"]),
            recipients=tuple(data["recipients"]),
            addressees=tuple(data["addressees"]),
            appendices=tuple(
                AppendixPage(
                    a["label"], a["caption"], a["title"], tuple(_block_of(b) for b in a["blocks"])
                )
                for a in data["appendices"]
            ),
        )


def _texts(blocks: Sequence[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            out.append(b.text)
        elif isinstance(b, Figure):
            out += [b.caption] if b.caption else []
        else:
            out += [" | ".join(row) for row in b.rows]
    return out


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Figure):
        return {"figure": block.image, "caption": block.caption, "width": block.width}
    if isinstance(block, Table):
        return {
            "table": [list(r) for r in block.rows],
            "widths": list(block.widths),
            "header_rows": block.header_rows,
        }
    return {
        "style": block.style,
        "runs": [
            {
                "text": r.text,
                **({"bold": True} if r.bold else {}),
                **({"italic": True} if r.italic else {}),
            }
            for r in block.runs
        ],
    }


def _block_of(data: Mapping[str, Any]) -> Block:
    if "figure" in data:
        return Figure(str(data["figure"]), str(data["caption"]), float(data["width"]))
    if "table" in data:
        return Table(
            tuple(tuple(r) for r in data["table"]),
            tuple(float(w) for w in data["widths"]),
            int(data["header_rows"]),
        )
    runs = tuple(
        Run(r["text"], bool(r.get("bold", False)), bool(r.get("italic", False)))
        for r in data["runs"]
    )
    return Paragraph(runs, data["style"])
