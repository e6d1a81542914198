"""The markup a content template renders, read into the parts of a `Letter`.

A template (notices/*.xml.j2) says what a document says, not how it looks: a small fixed set of
elements, so a province can reword a letter without knowing DOCX or PDF. The vocabulary
(notices/README.md has it with examples):

    <summary>      the trích yếu                 <addressee>  a "Kính gửi:" line (Công văn)
    <basis>        a legal basis, italic         <p>          a body paragraph
    <h>            a section head, bold          <li>         a "- ..." line
    <center>       a centred line                <note>       a small italic note
    <b>, <i>       bold, italic inside the above
    <table widths="1 6 2" header-rows="1"> <tr> <th>/<td> ... </table>
    <signer authority="KT. GIÁM ĐỐC" title="PHÓ GIÁM ĐỐC" name="..."/>
    <recipient>    a "Nơi nhận:" line (written without the leading "- ")
    <appendix label="Phụ lục I" caption="(Kèm theo ...)" title="...">  blocks  </appendix>
    <figure image="BASE64 PNG" caption="Hình 1. ..." width="0.9"/>   a chart (the report's)

It is XML: every element closed (`<signer .../>` closes itself), `&amp;` for &. Whitespace
collapses as in HTML, so a template may wrap a paragraph over several lines. Anything else is
an error naming the line of the rendered text.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field
from xml.parsers import expat

from inspect_engine.domain.documents.letter import (
    AppendixPage,
    Block,
    Figure,
    Paragraph,
    ParaStyle,
    Run,
    Signer,
    Table,
)

_PARAGRAPHS: dict[str, ParaStyle] = {
    "p": "body",
    "basis": "basis",
    "h": "heading",
    "li": "item",
    "center": "center",
    "note": "note",
}
_TEXT_ONLY = ("summary", "addressee", "recipient")
_INLINE = ("b", "i")
_HOLDS_INLINE = frozenset((*_PARAGRAPHS, "th", "td"))  # where <b> and <i> may be
# ASCII whitespace only, as HTML: the no-break spaces of a draft's blanks stay.
_SPACE = re.compile(r"[ \t\r\n\f]+")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class MarkupError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.detail = message


@dataclass
class LetterParts:
    """What a template says; `documents.templates` adds the header the issuer decides."""

    summary: str = ""
    addressees: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    appendices: list[AppendixPage] = field(default_factory=list)


def parse_letter(text: str) -> LetterParts:
    """Read rendered markup; raises MarkupError naming the line."""
    reader = _Reader()
    try:
        reader.parser.Parse(unicodedata.normalize("NFC", text), True)
    except expat.ExpatError as exc:
        raise MarkupError(exc.lineno, f"not well-formed: {expat.ErrorString(exc.code)}") from None
    reader.finish()
    return reader.parts


class _Open:
    """The element being read, with what it has collected so far (slots: one is made per
    element of every letter issued)."""

    __slots__ = ("attrs", "line", "runs", "tag")

    def __init__(self, tag: str, line: int, attrs: dict[str, str] | None = None) -> None:
        self.tag = tag
        self.line = line
        self.runs: list[Run] = []
        self.attrs = attrs if attrs is not None else {}


class _Reader:
    """Reads the markup with expat (C): a third of the cost of issuing a notice went to the
    pure-Python HTMLParser (bench/notices.py)."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True  # one call per run of text, so its line is known
        self.parser.StartElementHandler = self.handle_starttag
        self.parser.EndElementHandler = self.handle_endtag
        self.parser.CharacterDataHandler = self.handle_data
        self.parts = LetterParts()
        self.stack: list[_Open] = []
        self.bold = 0
        self.italic = 0
        self.appendix: _Open | None = None
        self.appendix_blocks: list[Block] = []
        self.rows: list[tuple[str, ...]] | None = None
        self.row: list[str] | None = None
        self.table_attrs: dict[str, str] = {}

    # --- helpers -------------------------------------------------------------------------------

    def getpos(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber

    def fail(self, message: str) -> MarkupError:
        return MarkupError(self.getpos()[0], message)

    @property
    def top(self) -> _Open | None:
        return self.stack[-1] if self.stack else None

    def blocks(self) -> list[Block]:
        return self.appendix_blocks if self.appendix is not None else self.parts.blocks

    # --- the parser's callbacks -----------------------------------------------------------------

    def handle_starttag(self, tag: str, values: dict[str, str]) -> None:
        top = self.stack[-1] if self.stack else None
        if tag in _INLINE:
            if top is None or top.tag not in _HOLDS_INLINE:
                raise self.fail(f"<{tag}> belongs inside a paragraph")
            self.bold += tag == "b"
            self.italic += tag == "i"
            self.stack.append(_Open(tag, self.parser.CurrentLineNumber))
            return
        if top is not None and top.tag not in ("table", "tr"):
            raise self.fail(f"<{tag}> cannot be inside <{top.tag}>")
        if tag == "letter":
            return
        if tag in _PARAGRAPHS or tag in _TEXT_ONLY:
            self.stack.append(_Open(tag, self.parser.CurrentLineNumber))
        elif tag == "table":
            self._start_table(values)
        elif tag == "tr":
            if top is None or top.tag != "table":
                raise self.fail("<tr> belongs inside <table>")
            self.row = []
            self.stack.append(_Open(tag, self.getpos()[0]))
        elif tag in ("th", "td"):
            if top is None or top.tag != "tr":
                raise self.fail(f"<{tag}> belongs inside <tr>")
            self.stack.append(_Open(tag, self.getpos()[0]))
        elif tag == "appendix":
            self._start_appendix(values)
        elif tag == "signer":
            self._signer(values)
        elif tag == "figure":
            self._figure(values)
        else:
            raise self.fail(f"unknown element <{tag}>; see notices/README.md for the vocabulary")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("letter", "signer", "figure"):
            return
        if tag == "appendix":
            self._end_appendix()
            return
        top = self.stack[-1] if self.stack else None
        if top is None or top.tag != tag:
            expected = f"</{top.tag}> (opened on line {top.line})" if top else "no closing tag"
            raise self.fail(f"</{tag}> does not match: expected {expected}")
        self.stack.pop()
        if tag in _INLINE:
            self.bold -= tag == "b"
            self.italic -= tag == "i"
            return
        if tag in ("th", "td"):
            assert self.row is not None
            self.row.append(_collapse("".join(r.text for r in top.runs)))
        elif tag == "tr":
            assert self.rows is not None and self.row is not None
            self.rows.append(tuple(self.row))
        elif tag == "table":
            self._end_table()
        elif tag in _TEXT_ONLY:
            self._text_only(tag, _collapse("".join(r.text for r in top.runs)))
        else:
            runs = _trim(top.runs)
            if not runs:
                raise self.fail(f"<{tag}> is empty")
            self.blocks().append(Paragraph(runs, _PARAGRAPHS[tag]))

    def handle_data(self, data: str) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None or top.tag in ("table", "tr"):
            if data.strip():
                where = f"<{top.tag}>" if top else "a letter"
                # expat hands buffered text over at the next tag: count back to the text.
                line = self.getpos()[0] - data[len(data.rstrip()) :].count("\n")
                raise MarkupError(
                    line, f"text {data.strip()[:30]!r} outside a paragraph in {where}"
                )
            return
        carrier = top
        if carrier.tag in _INLINE:  # the paragraph or cell the <b> or <i> is in
            carrier = next(o for o in reversed(self.stack) if o.tag not in _INLINE)
        carrier.runs.append(Run(data, self.bold > 0, self.italic > 0))

    # --- elements -------------------------------------------------------------------------------

    def _text_only(self, tag: str, text: str) -> None:
        if not text:
            raise self.fail(f"<{tag}> is empty")
        if tag == "summary":
            if self.parts.summary:
                raise self.fail("a letter has one <summary>")
            self.parts.summary = text
        elif tag == "addressee":
            self.parts.addressees.append(text)
        else:
            self.parts.recipients.append(text)

    def _signer(self, attrs: dict[str, str]) -> None:
        unknown = set(attrs) - {"authority", "title", "name"}
        if unknown or not attrs.get("title") or not attrs.get("name"):
            raise self.fail('<signer> needs title="..." and name="..." (authority is optional)')
        self.parts.signers.append(
            Signer(_collapse(attrs["title"]), _collapse(attrs["name"]), attrs.get("authority", ""))
        )

    def _figure(self, attrs: dict[str, str]) -> None:
        unknown = sorted(set(attrs) - {"image", "caption", "width"})
        if unknown:
            raise self.fail(f"<figure> has no attribute {unknown[0]!r}: image, caption, width")
        image = "".join(attrs.get("image", "").split())
        try:
            data = base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if not data.startswith(_PNG_SIGNATURE):
            raise self.fail('<figure image="..."> must be a PNG image in base64')
        given = attrs.get("width", "1")
        try:
            width = float(given)
        except ValueError:
            width = 0.0
        if not 0 < width <= 1:
            raise self.fail(f'<figure width="{given}">: a share of the text width, over 0 up to 1')
        self.blocks().append(Figure(image, _collapse(attrs.get("caption", "")), width))

    def _start_table(self, attrs: dict[str, str]) -> None:
        self.rows = []
        self.table_attrs = attrs
        self.stack.append(_Open("table", self.getpos()[0]))

    def _end_table(self) -> None:
        rows = self.rows or []
        if not rows:
            raise self.fail("<table> has no rows")
        columns = len(rows[0])
        for i, row in enumerate(rows, start=1):
            if len(row) != columns:
                raise self.fail(f"<table> row {i} has {len(row)} cells, the first has {columns}")
        widths = self._widths(columns)
        header = self.table_attrs.get("header-rows", "1")
        if not header.isdigit() or int(header) > len(rows):
            raise self.fail(f'<table header-rows="{header}">: a row count up to {len(rows)}')
        self.blocks().append(Table(tuple(rows), widths, int(header)))
        self.rows = None

    def _widths(self, columns: int) -> tuple[float, ...]:
        given = self.table_attrs.get("widths")
        if given is None:
            return (1.0,) * columns
        try:
            widths = tuple(float(w) for w in given.split())
        except ValueError:
            raise self.fail(f'<table widths="{given}">: numbers separated by spaces') from None
        if len(widths) != columns or any(w <= 0 for w in widths):
            raise self.fail(f'<table widths="{given}">: {columns} positive numbers')
        return widths

    def _start_appendix(self, attrs: dict[str, str]) -> None:
        if self.appendix is not None:
            raise self.fail("an <appendix> cannot hold another")
        if not attrs.get("label"):
            raise self.fail('<appendix> needs label="Phụ lục ..."')
        self.appendix = _Open("appendix", self.getpos()[0], attrs=attrs)
        self.appendix_blocks = []

    def _end_appendix(self) -> None:
        if self.appendix is None or self.stack:
            raise self.fail("</appendix> does not match an open <appendix>")
        attrs = self.appendix.attrs
        self.parts.appendices.append(
            AppendixPage(
                _collapse(attrs["label"]),
                _collapse(attrs.get("caption", "")),
                _collapse(attrs.get("title", "")),
                tuple(self.appendix_blocks),
            )
        )
        self.appendix = None

    def finish(self) -> None:
        if self.stack:
            raise MarkupError(self.stack[-1].line, f"<{self.stack[-1].tag}> is never closed")
        if self.appendix is not None:
            raise MarkupError(self.appendix.line, "<appendix> is never closed")
        if not self.parts.summary:
            raise self.fail("the letter has no <summary>")
        if not self.parts.signers:
            raise self.fail("the letter has no <signer/>")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _trim(runs: list[Run]) -> tuple[Run, ...]:
    """Collapse whitespace across runs as HTML does, dropping what is left empty."""
    if len(runs) == 1:  # most paragraphs: one run, the same as the loop below makes of it
        run = runs[0]
        text = _SPACE.sub(" ", run.text).strip(" ")
        return (Run(text, run.bold, run.italic),) if text else ()
    out: list[Run] = []
    previous_space = True  # no space at the start of a paragraph
    for run in runs:
        text = _SPACE.sub(" ", run.text)
        if previous_space:
            text = text.lstrip(" ")
        if not text:
            continue
        previous_space = text.endswith(" ")
        out.append(Run(text, run.bold, run.italic))
    if out:
        last = out[-1]
        out[-1] = Run(last.text.rstrip(" "), last.bold, last.italic)
        if not out[-1].text:
            out.pop()
    return tuple(out)
