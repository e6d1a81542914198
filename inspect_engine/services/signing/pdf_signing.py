"""Signing a rendered letter as PAdES with pyHanko: the signer's signature, then the
organisation's, each an incremental update, with the visible marks of Decree 30
(`documents/signature_marks.py` places and draws them; docs/signing.md says where and why).

The organisation's signature is one signature field with several widgets: the seal over the
signer's signature, and its information at the top right of the first page and of each
appendix's first page. The appendices are in the same file, so the one signature covers them;
the widgets only show it where Decree 30 puts the information. pyHanko's own appearance
generator handles one widget per field, so the widgets and their appearances are made here
and pyHanko is told to leave them as they are.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.cms_embedder import SigObjSetup
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner, PdfSigningSession
from pyhanko.stamp import NoOpStampStyle

from inspect_engine.documents import signature_images as images
from inspect_engine.documents.pdf_geometry import PdfGeometry
from inspect_engine.documents.signature_marks import Mark, info_mark, seal_mark, signature_mark
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.domain.text import clean
from inspect_engine.errors import InputError
from inspect_engine.services.signing.config import SigningConfig
from inspect_engine.services.signing.keys import OpenedKey, open_keys
from inspect_engine.settings import DISPLAY_TZ

SIGNER_FIELD = "ChuKyNguoiKy"  # người có thẩm quyền ký
ORGANISATION_FIELD = "ChuKyCoQuan"  # cơ quan, tổ chức ban hành
# Widgets are printed, and neither moved nor edited by a viewer (PDF annotation flags).
_PRINT, _LOCKED = 4, 128


@dataclass(frozen=True)
class SignRequest:
    """How to sign one PDF: with which keys, at what time, and whether the organisation signs
    too (not a draft the records office has yet to number: its number and date come with the
    organisation's signature)."""

    config: SigningConfig
    at: datetime
    organisation: bool = True


def why_unsigned(letter: Letter) -> str | None:
    """Why a letter is left unsigned, or None when it is signed. A Biên bản carries two
    signature boxes, its two parties', whose keys the engine does not hold."""
    if len(letter.signers) != 1:
        return f"{len(letter.signers)} signature boxes, signed by each party"
    return None


def check_signer(letter: Letter, signer: OpenedKey, config: SigningConfig) -> None:
    """The signer's certificate must be the one of the person the letter names: a letter of
    one Phó Giám đốc is never signed with another's key."""
    what = letter.number.removeprefix("Số:").strip() or letter.kind
    check_signer_name(letter.signers[0].name, what, signer, config)


def check_signer_name(name: str, what: str, signer: OpenedKey, config: SigningConfig) -> None:
    if _same_name(name, signer.common_name):
        return
    raise InputError(
        f"{what} is signed by {name}, but the signer's certificate is {signer.common_name}'s",
        source=str(config.source),
        field="signer",
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(clean(a).casefold().split()) == " ".join(clean(b).casefold().split())


def sign_letter(letter: Letter, pdf: bytes, geometry: PdfGeometry, request: SignRequest) -> bytes:
    """The rendered letter signed by the signer and then, unless it is a draft, by the
    organisation, each in its own incremental update."""
    signer, organisation = open_keys(request.config)
    check_signer(letter, signer, request.config)
    at = request.at.astimezone(DISPLAY_TZ).replace(microsecond=0)
    [space] = geometry.signature_spaces
    box = letter.signers[0]
    signature = signature_mark(space, _image(request.config.signer.image) or
                               images.signature_png(box.name))  # fmt: skip
    place = letter.place_date.split(",")[0].strip()
    signed = _sign(
        pdf, signer, SIGNER_FIELD, [signature], at,
        reason=f"{box.authority} {box.title}".strip().capitalize(), location=place,
    )  # fmt: skip
    if not request.organisation:
        return signed
    seal = _image(request.config.organisation.image) or images.seal_png(
        letter.parent_body or letter.body, letter.body, request.config.seal_mm
    )
    name = organisation_name(organisation)
    when = f"Thời gian ký: {signing_time_text(at)}"
    number = letter.number.strip()
    marks = [
        seal_mark(signature, seal, request.config.seal_mm),
        info_mark(geometry, 0, [name, when]),
        *(info_mark(geometry, page, [number, name, when]) for page in geometry.appendix_pages),
    ]
    reason = f"Phát hành văn bản {number.removeprefix('Số:').strip()}"
    return _sign(signed, organisation, ORGANISATION_FIELD, marks, at, reason=reason, location=place)


def organisation_name(key: OpenedKey) -> str:
    """The organisation as its certificate names it: "Sở Nội vụ, UBND thành phố Hà Nội"."""
    name, parent = key.common_name, key.organisation
    return f"{name}, {parent}" if parent and parent != name else name


def signing_time_text(at: datetime) -> str:
    """Vietnam's time to the second with its ISO 8601 offset: 05/08/2026 10:15:20 +07:00."""
    local = at.astimezone(DISPLAY_TZ)
    offset = local.isoformat()[-6:]
    return f"{local:%d/%m/%Y %H:%M:%S} {offset}"


def _image(path: Any) -> bytes | None:
    return path.read_bytes() if path is not None else None


def _sign(
    pdf: bytes, key: OpenedKey, field: str, marks: Sequence[Mark], at: datetime, *,
    reason: str, location: str,
) -> bytes:  # fmt: skip
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _add_field(writer, field, marks)
    meta = PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        name=key.common_name,
        reason=reason,
        location=location,
    )
    signer = _SignsAsGiven(meta, key.signer, at=at, stamp_style=NoOpStampStyle())
    out = signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=_room(key))
    return bytes(out.getvalue())


def _room(key: OpenedKey) -> int:
    """Bytes to keep for the CMS signature: its certificates, the signature value and the
    signed attributes (pyHanko would otherwise make a trial signature to measure)."""
    certificates = [key.signer.signing_cert, *key.signer.cert_registry]
    size = sum(len(c.dump()) for c in certificates if c is not None) + 4096
    return size + size % 2  # written as hex: an even number


def _add_field(writer: IncrementalPdfFileWriter, name: str, marks: Sequence[Mark]) -> None:
    """An empty signature field with one widget per mark, each with its appearance."""
    field = generic.DictionaryObject(
        {
            pdf_name("/FT"): pdf_name("/Sig"),
            pdf_name("/T"): generic.TextStringObject(name),
            pdf_name("/Kids"): generic.ArrayObject(),
        }
    )
    field_ref = writer.add_object(field)
    kids = generic.ArrayObject(_add_widget(writer, field_ref, mark) for mark in marks)
    field[pdf_name("/Kids")] = kids
    root = writer.root
    if "/AcroForm" in root:
        form = root["/AcroForm"]
        form[pdf_name("/Fields")] = generic.ArrayObject([*form["/Fields"], field_ref])
        form[pdf_name("/SigFlags")] = generic.NumberObject(3)
        writer.update_container(form)
    else:
        form = generic.DictionaryObject(
            {
                pdf_name("/Fields"): generic.ArrayObject([field_ref]),
                pdf_name("/SigFlags"): generic.NumberObject(3),  # signatures exist, append only
            }
        )
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()


def _add_widget(
    writer: IncrementalPdfFileWriter, field_ref: generic.IndirectObject, mark: Mark
) -> generic.IndirectObject:
    page_ref, _ = writer.find_page_for_modification(mark.page)
    appearance = writer.import_page_as_xobject(_appearance_reader(mark.appearance))
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in mark.rect),
            pdf_name("/F"): generic.NumberObject(_PRINT | _LOCKED),
            pdf_name("/P"): page_ref,
            pdf_name("/Parent"): field_ref,
            pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): appearance}),
        }
    )
    widget_ref = writer.add_object(widget)
    page = page_ref.get_object()
    annots = page.get("/Annots")
    page[pdf_name("/Annots")] = generic.ArrayObject([*(annots or []), widget_ref])
    writer.update_container(page)
    return widget_ref


@lru_cache(maxsize=64)
def _appearance_reader(appearance: bytes) -> PdfFileReader:
    """The same seal and signature appear on every letter: parse their pages once."""
    return PdfFileReader(io.BytesIO(appearance))


class _SignsAsGiven(PdfSigner):
    """A PdfSigner that signs at the given time (the engine's clock, not the machine's) and
    leaves the widgets' appearances as `_add_field` made them."""

    def __init__(self, *args: Any, at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(
        self, pdf_out: Any, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        session.cms_writer = _KeepAppearances(session.cms_writer)
        return session


class _KeepAppearances:
    """Passes pyHanko's CMS-writing coroutine through, without its appearance step (which
    handles one widget per field and would redraw ours)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def send(self, value: Any) -> Any:
        if isinstance(value, SigObjSetup):
            value = dataclasses.replace(value, appearance_setup=None)
        return self._inner.send(value)

    def __next__(self) -> Any:
        return next(self._inner)

    def __iter__(self) -> _KeepAppearances:
        return self
