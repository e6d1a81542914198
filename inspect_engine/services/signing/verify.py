"""Checking a signed PDF (`notices verify`): each signature's integrity, what it covers, its
certificate chain against the given trust roots only, and whether the file changed after the
last signature. pyHanko does the validation; this module turns its findings into one line per
problem.

No network is used: no revocation lists or OCSP are fetched and no timestamp authority was
asked at signing, so a signature's time is the one its signer claimed, and the chain is
checked as of now.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from inspect_engine.errors import InputError
from inspect_engine.services.signing.pdf_signing import (
    ORGANISATION_FIELD,
    SIGNER_FIELD,
    signing_time_text,
)

ROLES = {SIGNER_FIELD: "signer", ORGANISATION_FIELD: "organisation"}


@dataclass(frozen=True)
class SignatureCheck:
    """One signature as found: who (certificate subject), when (claimed), what it covers,
    and what is wrong with it (nothing, when valid)."""

    index: int  # 1, 2, ... in the order they were made
    field: str
    role: str  # signer, organisation, or the field's name for a signature made elsewhere
    common_name: str
    organisation: str
    signed_at: datetime | None
    revision: int  # the revisions it covers: the rendered file is 1, each signature adds one
    intact: bool
    trusted: bool
    covers_whole_file: bool
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems

    def describe(self, revisions: int) -> str:
        who = self.common_name + (f" ({self.organisation})" if self.organisation else "")
        when = f", signed {signing_time_text(self.signed_at)}" if self.signed_at else ""
        covers = (
            "covers the whole file"
            if self.covers_whole_file
            else f"covers the first {self.revision} of {revisions} revisions"
        )
        state = "valid" if self.valid else "INVALID"
        return f"{self.index}. {self.role}: {who}{when}; {covers}; {state}"


@dataclass(frozen=True)
class Verification:
    source: str
    revisions: int
    signatures: tuple[SignatureCheck, ...]
    modified_after_last: bool
    problems: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.problems


def load_trust_roots(paths: Sequence[Path]) -> list[Any]:
    """Certificates (PEM or DER; a PEM file may hold several) to trust, and only these."""
    from pyhanko.keys import load_certs_from_pemder

    roots: list[Any] = []
    for path in paths:
        if not path.is_file():
            raise InputError("no such certificate file", source=str(path), field="--trust")
        try:
            roots += list(load_certs_from_pemder([str(path)]))
        except (ValueError, TypeError, OSError):
            raise InputError(
                "not a certificate (PEM or DER)", source=str(path), field="--trust"
            ) from None
    if not roots:
        raise InputError(
            "no trust roots: give --trust CA.pem, or a signing configuration with "
            '[trust] roots = ["CA.pem"]',
            field="--trust",
        )
    return roots


def verify_pdf(path: Path, trust_roots: Sequence[Any]) -> Verification:
    """Every signature of the PDF at `path`, checked against `trust_roots` alone."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=source) from None
    if not data.lstrip()[:5] == b"%PDF-":
        raise InputError("not a PDF file", source=source)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
        revisions = reader.xrefs.total_revisions
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return Verification(source, 0, (), True, (f"{source}: the PDF is damaged: {exc}",))
    if not embedded:
        raise InputError("the PDF has no signatures", source=source)
    checks = tuple(
        _check(i, signature, trust_roots) for i, signature in enumerate(embedded, start=1)
    )
    last = checks[-1]
    modified = not last.covers_whole_file
    problems = [
        f"{source}: signature {c.index} ({c.role}): {p}" for c in checks for p in c.problems
    ]
    if modified:
        problems.append(f"{source}: the file was changed after the last signature")
    return Verification(source, revisions, checks, modified, tuple(problems))


def _check(index: int, signature: Any, trust_roots: Sequence[Any]) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    field = str(signature.field_name)
    role = ROLES.get(field, field)
    subject = _subject(signature)
    revision = signature.signed_revision + 1
    problems = []
    try:
        status = validate_pdf_signature(signature, _context(trust_roots))
    except Exception as exc:  # pyHanko could not read what was added after the signature
        try:
            status = validate_pdf_signature(signature, _context(trust_roots), skip_diff=True)
        except Exception as again:  # the signature itself is damaged
            return SignatureCheck(
                index, field, role, subject.get("common_name", ""),
                subject.get("organization_name", ""), None, revision, False, False, False,
                (f"cannot be checked: {again}",),
            )  # fmt: skip
        if status.intact:
            problems.append(f"what was added after it cannot be read: {exc}")
    if not status.intact:
        problems.append("the signed bytes were changed after signing (digest mismatch)")
    elif not status.valid:
        problems.append("the signature value does not match its certificate's key")
    elif not status.trusted:
        issuer = status.signing_cert.issuer.native.get("common_name", "an unknown issuer")
        problems.append(
            f"the certificate of {subject.get('common_name', '?')} (issued by {issuer}) does not "
            "chain to a trusted root"
        )
    if status.coverage not in (
        SignatureCoverageLevel.ENTIRE_REVISION,
        SignatureCoverageLevel.ENTIRE_FILE,
    ):
        problems.append("it does not cover the document up to its revision")
    elif status.docmdp_ok is False:
        problems.append("what was added after it is not what a later signature may add")
    signed_at = status.signer_reported_dt
    if signed_at is not None and not _within_validity(status.signing_cert, signed_at):
        problems.append(
            f"it claims to be made {signing_time_text(signed_at)}, outside its certificate's "
            "validity"
        )
    return SignatureCheck(
        index=index,
        field=field,
        role=role,
        common_name=str(subject.get("common_name", "")),
        organisation=str(subject.get("organization_name", "")),
        signed_at=signed_at,
        revision=revision,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        problems=tuple(problems),
    )


def _context(trust_roots: Sequence[Any]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)


def _subject(signature: Any) -> dict[str, Any]:
    try:
        return dict(signature.signer_cert.subject.native)
    except Exception:  # no readable certificate in a damaged signature
        return {}


def _within_validity(certificate: Any, moment: datetime) -> bool:
    validity = certificate["tbs_certificate"]["validity"]
    return bool(validity["not_before"].native <= moment <= validity["not_after"].native)
