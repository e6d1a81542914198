"""Signed PDFs: PAdES signatures of the signer, then of the organisation, as incremental
updates, with Decree 30's visible marks where the layout drew the signature block and the
appendices; `notices verify` against a test CA as the only trust root."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy
import pytest
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from inspect_engine.cli.app import app
from inspect_engine.documents.pdf_geometry import PdfGeometry
from inspect_engine.documents.pdf_layout import render_pdf, render_pdf_laid_out
from inspect_engine.documents.signature_images import seal_png, signature_png
from inspect_engine.documents.signature_marks import info_mark, seal_mark, signature_mark
from inspect_engine.domain.campaign.model import Issuer
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.errors import InputError
from inspect_engine.services.signing import prepare as signing
from inspect_engine.services.signing.config import load_config
from inspect_engine.services.signing.demo import ensure_demo_signing
from inspect_engine.services.signing.pdf_signing import (
    ORGANISATION_FIELD,
    SIGNER_FIELD,
    sign_letter,
)
from inspect_engine.services.signing.verify import load_trust_roots, verify_pdf
from tests import letters, signing_pki
from tests.pdf_checks import check_decree30_pdf
from tests.signing_pki import ORGANISATION, PARENT, SIGNER, Pki

AT = datetime(2026, 8, 5, 3, 15, 20, tzinfo=UTC)  # 10:15:20 in Hà Nội


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return signing_pki.build(tmp_path_factory.mktemp("pki"))


@pytest.fixture(autouse=True)
def signer_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signing_pki.SIGNER_PASSPHRASE_ENV, "s3cret")


def signed(letter: Letter, config: Path, *, draft: bool = False) -> tuple[bytes, bytes]:
    """(the rendered PDF, the same signed)."""
    ready = signing.prepare(load_config(config), AT)
    request = ready.request(letter.to_json(), draft=draft)
    assert request is not None
    data, geometry = render_pdf_laid_out(letter)
    return data, sign_letter(letter, data, geometry, request)


def verify(*args: str) -> Any:
    return CliRunner().invoke(app, ["notices", "verify", *args], catch_exceptions=False)


def widgets(data: bytes) -> list[tuple[int, str, list[float]]]:
    """(page, field name, rect) of every widget annotation, page by page."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                field = annot["/Parent"].get_object()["/T"]
                found.append((number, str(field), [float(v) for v in annot["/Rect"]]))
    return found


def close(a: list[float], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) < 0.01 for x, y in zip(a, b, strict=True))


def test_a_signed_letter_validates_against_the_test_ca_alone(pki: Pki, tmp_path: Path) -> None:
    letter = letters.announcement()
    _, data = signed(letter, pki.config)
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    result = verify_pdf(path, load_trust_roots([pki.ca_pem]))
    assert result.valid, result.problems
    first, second = result.signatures
    assert (first.role, first.common_name, first.organisation) == ("signer", SIGNER, ORGANISATION)
    assert (second.role, second.common_name, second.organisation) == (
        "organisation", ORGANISATION, PARENT,
    )  # fmt: skip
    assert first.signed_at == second.signed_at == AT
    assert not result.modified_after_last and second.covers_whole_file
    done = verify(str(path), "--trust", str(pki.ca_pem))
    assert done.exit_code == 0, done.stderr
    assert f"1. signer: {SIGNER} ({ORGANISATION}), signed 05/08/2026 10:15:20 +07:00" in done.stdout
    assert f"2. organisation: {ORGANISATION} ({PARENT})" in done.stdout
    assert "not modified after the last signature" in done.stdout
    assert done.stdout.rstrip().endswith("valid")
    # The signed file is still the Decree 30 letter: same pages, text, fonts, margins.
    check_decree30_pdf(data, letter)


def test_the_signer_signs_first_and_the_organisation_after_each_as_an_increment(
    pki: Pki,
) -> None:
    rendered, data = signed(letters.announcement(), pki.config)
    assert data.startswith(rendered)  # the rendered letter is not rewritten
    reader = PdfReader(io.BytesIO(data))
    fields = [f for f in reader.get_fields().values() if f.get("/FT") == "/Sig"]
    assert [f["/T"] for f in fields] == [SIGNER_FIELD, ORGANISATION_FIELD]
    ranges = [[int(v) for v in f["/V"].get_object()["/ByteRange"]] for f in fields]
    # Signature 1 covers the file up to the end of its own revision, which is a prefix of the
    # file: the bytes signature 2 appended come after it.
    end_of_first = ranges[0][2] + ranges[0][3]
    assert ranges[0][0] == 0 and end_of_first < len(data)
    assert data[:end_of_first].rstrip().endswith(b"%%EOF")
    assert ranges[1][0] == 0 and ranges[1][2] + ranges[1][3] == len(data)
    assert data[end_of_first:].count(b"%%EOF") == 1  # one more revision: the organisation's
    subfilters = {str(f["/V"].get_object()["/SubFilter"]) for f in fields}
    assert subfilters == {"/ETSI.CAdES.detached"}  # PAdES


def test_one_byte_changed_after_signing_fails_validation(pki: Pki, tmp_path: Path) -> None:
    rendered, data = signed(letters.announcement(), pki.config)
    changed = bytearray(data)
    changed[len(rendered) // 2] ^= 0x01  # inside the letter both signatures cover
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(changed))
    done = verify(str(path), "--trust", str(pki.ca_pem))
    assert done.exit_code == 1
    problems = done.stderr.strip().splitlines()
    assert problems == [
        f"{path}: signature 1 (signer): the signed bytes were changed after signing "
        "(digest mismatch)",
        f"{path}: signature 2 (organisation): the signed bytes were changed after signing "
        "(digest mismatch)",
    ]


def test_bytes_added_after_the_last_signature_are_reported(pki: Pki, tmp_path: Path) -> None:
    _, data = signed(letters.announcement(), pki.config)
    path = tmp_path / "added.pdf"
    path.write_bytes(data + b"\n1 0 obj\n(added later)\nendobj\n")
    done = verify(str(path), "--trust", str(pki.ca_pem))
    assert done.exit_code == 1
    assert done.stderr.strip() == f"{path}: the file was changed after the last signature"


def test_a_certificate_from_another_ca_is_not_trusted(pki: Pki, tmp_path: Path) -> None:
    _, data = signed(letters.announcement(), pki.other_config)
    path = tmp_path / "other.pdf"
    path.write_bytes(data)
    done = verify(str(path), "--trust", str(pki.ca_pem))
    assert done.exit_code == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all("(issued by Other Root CA) does not chain to a trusted root" in x for x in lines)
    # Its own CA, named by its signing configuration's [trust] roots, does trust it.
    assert verify(str(path), "--signing", str(pki.other_config)).exit_code == 0


def test_the_marks_sit_where_the_layout_drew_the_signature_block_and_the_appendices(
    pki: Pki,
) -> None:
    letter = letters.announcement(appendices=2)
    _, data = signed(letter, pki.config)
    geometry: PdfGeometry = render_pdf_laid_out(letter)[1]
    [space] = geometry.signature_spaces
    assert space.page == 1 and geometry.appendix_pages == (2, 3)
    signature = signature_mark(space, signature_png(SIGNER))
    seal = seal_mark(signature, seal_png(PARENT.upper(), "SỞ NỘI VỤ"), 36)
    found = widgets(data)
    by_page: dict[int, list[tuple[str, list[float]]]] = {}
    for page, field, rect in found:
        by_page.setdefault(page, []).append((field, rect))
    # Page 2: the signer's signature centred between the title and the name; the seal over
    # its left third, 36 mm across.
    [(f1, r1), (f2, r2)] = by_page[space.page]
    assert f1 == SIGNER_FIELD and close(r1, signature.rect)
    assert space.x < r1[0] < r1[2] < space.x + space.width
    assert space.y < r1[1] < r1[3] < space.y + space.height
    assert abs((r1[0] + r1[2]) / 2 - space.centre_x) < 0.01
    assert f2 == ORGANISATION_FIELD and close(r2, seal.rect)
    assert abs(r2[2] - (r1[0] + (r1[2] - r1[0]) / 3)) < 0.01  # a third of the signature
    assert abs(r2[2] - r2[0] - 36 / 25.4 * 72) < 0.01
    # Page 1 and each appendix's first page: the organisation's information, top right, in
    # the top margin, against the right margin.
    right = geometry.page_width - geometry.margin_right
    for page in (0, *geometry.appendix_pages):
        [(field, rect)] = by_page[page]
        assert field == ORGANISATION_FIELD
        assert abs(rect[2] - right) < 0.01
        assert rect[1] > geometry.page_height - geometry.margin_top
    assert set(by_page) == {0, 1, 2, 3}
    expected = info_mark(geometry, 2, ["Số: 05/TB-SNV", f"{ORGANISATION}, {PARENT}", "x"])
    assert by_page[2][0][1][3] == pytest.approx(expected.rect[3])


def test_the_information_shows_number_organisation_and_time(pki: Pki, tmp_path: Path) -> None:
    _, data = signed(letters.announcement(appendices=1), pki.config)
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    page = tmp_path / "appendix"
    import subprocess

    subprocess.run(
        ["pdftotext", "-f", "3", "-l", "3", str(path), str(page)], check=True, capture_output=True
    )
    text = page.read_text(encoding="utf-8")
    assert "Số: 05/TB-SNV" in text
    assert f"{ORGANISATION}, {PARENT}" in text
    assert "Thời gian ký: 05/08/2026 10:15:20 +07:00" in text


def test_a_draft_awaiting_its_number_is_signed_by_the_signer_alone(
    pki: Pki, tmp_path: Path
) -> None:
    _, data = signed(letters.announcement(), pki.config, draft=True)
    path = tmp_path / "draft.pdf"
    path.write_bytes(data)
    result = verify_pdf(path, load_trust_roots([pki.ca_pem]))
    assert result.valid and [s.role for s in result.signatures] == ["signer"]
    assert {field for _, field, _ in widgets(data)} == {SIGNER_FIELD}


def test_a_minutes_with_two_parties_is_left_unsigned(pki: Pki) -> None:
    ready = signing.prepare(load_config(pki.config), AT)
    assert ready.request(letters.minutes().to_json()) is None


def test_a_letter_of_someone_else_is_not_signed_with_this_certificate(pki: Pki) -> None:
    base = letters.announcement()
    other = Letter.from_json(
        {
            **base.to_json(),
            "signers": [{"authority": "", "title": "GIÁM ĐỐC", "name": "Lê Văn Cường"}],
        }
    )
    ready = signing.prepare(load_config(pki.config), AT)
    with pytest.raises(
        InputError,
        match="is signed by Lê Văn Cường, but the signer's certificate is Nguyễn Văn An's",
    ):
        ready.request(other.to_json())


def test_an_expired_certificate_is_refused_before_signing(pki: Pki) -> None:
    config = load_config(signing_pki.expired_config(pki))
    with pytest.raises(InputError, match="valid from 01/01/2025 to 01/06/2025, not at 05/08/2026"):
        signing.prepare(config, AT)
    # Valid when the command starts, but not at the time a document is to be signed at.
    ready = signing.prepare(config, datetime(2025, 3, 1, tzinfo=UTC))
    with pytest.raises(InputError, match="not at 05/08/2026"):
        ready.request(letters.announcement().to_json(), at=AT)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda t: t.replace("INSPECT_TEST_SIGNER_PASSPHRASE", "NO_SUCH_VAR_SET"),
         "the signer's passphrase is to come from $NO_SUCH_VAR_SET, which is not set"),
        (lambda t: t.replace('"organisation.pass"', '"ca.pem"'),
         "organisation.p12: wrong passphrase, or not a PKCS#12 file"),
        (lambda t: t.replace('"organisation.pass"', '"signer.p12"'),
         "signer.p12 is not a text file holding the organisation's passphrase"),
        (lambda t: t.replace("[trust]", "colour = 1\n[trust]"),
         "unknown key 'colour' in [organisation]"),
        (lambda t: t.replace("\n[organisation]", '[signer.pkcs11]\nmodule = "m"\n[organisation]'),
         "needs exactly one of pkcs12"),
        (lambda t: t.split("[organisation]")[0],
         "missing [organisation] table"),
        (lambda t: t.replace('"signer.p12"', '"missing.p12"'),
         "cannot read"),
    ],
)  # fmt: skip
def test_a_bad_configuration_is_one_clear_line(pki: Pki, edit: Any, says: str) -> None:
    path = signing_pki.with_config(pki.folder, edit(pki.config.read_text(encoding="utf-8")))
    with pytest.raises(InputError) as raised:
        signing.prepare(load_config(path), AT)
    message = str(raised.value)
    assert says in message and "\n" not in message
    assert message.startswith(str(path))


SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")


def test_a_pkcs11_key_needs_its_package(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without python-pkcs11 a token's configuration says what to install, before any PIN."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pkcs11" else real(name, *a)
    )
    path = signing_pki.with_config(pki.folder, _token_config(pki), "token.toml")
    config = load_config(path)
    assert config.uses_token and config.organisation.pkcs11 is not None
    assert config.organisation.pkcs11.token_label == "SO NOI VU"
    with pytest.raises(InputError, match=r"pip install 'inspect-engine\[pkcs11\]'"):
        signing.prepare(config, AT)


def _token_config(pki: Pki) -> str:
    return pki.config.read_text(encoding="utf-8").replace(
        'pkcs12 = "organisation.p12"\npassphrase_file = "organisation.pass"',
        f'[organisation.pkcs11]\nmodule = "{SOFTHSM}"\n'
        'token_label = "SO NOI VU"\nkey_label = "seal"\ncert_label = "seal"\npin_env = "ORG_PIN"',
    )


@pytest.mark.skipif(not SOFTHSM.exists(), reason="SoftHSM is not installed (make test installs it)")
def test_the_organisation_signs_with_a_key_on_a_pkcs11_token(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SoftHSM token stands in for the records office's USB token: its key never leaves it."""
    import subprocess

    pkcs11 = pytest.importorskip("pkcs11")
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key

    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.setenv("ORG_PIN", "1234")
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "SO NOI VU", "--pin", "1234",
         "--so-pin", "5678"],
        check=True, capture_output=True,
    )  # fmt: skip
    key, cert = pki.ca.issue(signing_pki.name(ORGANISATION, PARENT))
    token = pkcs11.lib(str(SOFTHSM)).get_token(token_label="SO NOI VU")
    with token.open(rw=True, user_pin="1234") as session:
        from cryptography.hazmat.primitives import serialization

        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        attributes = decode_rsa_private_key(der)
        attributes.update(
            {Attribute.TOKEN: True, Attribute.LABEL: "seal", Attribute.ID: b"\x01",
             Attribute.SIGN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True}
        )  # fmt: skip
        session.create_object(attributes)
        session.create_object(
            {Attribute.CLASS: ObjectClass.CERTIFICATE,
             Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
             Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
             Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.LABEL: "seal",
             Attribute.ID: b"\x01", Attribute.TOKEN: True}
        )  # fmt: skip
    path = signing_pki.with_config(pki.folder, _token_config(pki), "softhsm.toml")
    _, data = signed(letters.announcement(), path)
    pdf = tmp_path / "token.pdf"
    pdf.write_bytes(data)
    result = verify_pdf(pdf, load_trust_roots([pki.ca_pem]))
    assert result.valid, result.problems
    assert [(s.role, s.common_name) for s in result.signatures] == [
        ("signer", SIGNER), ("organisation", ORGANISATION),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"PK\x03\x04 not a pdf", "not a PDF file"),
        (render_pdf(letters.minutes()), "the PDF has no signatures"),
    ],
)
def test_verify_refuses_what_is_not_a_signed_pdf(
    pki: Pki, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    done = verify(str(path), "--trust", str(pki.ca_pem))
    assert done.exit_code == 2
    assert done.stderr.strip() == f"error: {path}: {says}"


def test_verify_needs_trust_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSPECT_SIGNING_CONFIG", raising=False)
    path = tmp_path / "file.pdf"
    path.write_bytes(b"%PDF-1.4")
    done = verify(str(path))
    assert done.exit_code == 2 and "no trust roots: give --trust CA.pem" in done.stderr


def test_the_demo_makes_its_ca_once_and_signs_with_it(tmp_path: Path) -> None:
    issuer = Issuer(
        parent_body="UBND thành phố Hà Nội", body="Sở Nội vụ", body_code="SNV", place="Hà Nội",
        signer_title="Phó Giám đốc", signer_name="Nguyễn Văn An", signer_authority="KT. GIÁM ĐỐC",
    )  # fmt: skip
    folder = tmp_path / "signing"
    config = ensure_demo_signing(folder, issuer, now=AT)
    ca = (folder / "ca.pem").read_bytes()
    again = ensure_demo_signing(folder, issuer, now=AT)
    assert again == config and (folder / "ca.pem").read_bytes() == ca  # reused, not remade
    assert (folder / "signer.pass").stat().st_mode & 0o077 == 0
    letter = letters.announcement()
    ready = signing.prepare(config, AT)
    request = ready.request(letter.to_json())
    assert request is not None
    data, geometry = render_pdf_laid_out(letter)
    path = tmp_path / "demo.pdf"
    path.write_bytes(sign_letter(letter, data, geometry, request))
    done = verify(str(path), "--signing", str(config.source))
    assert done.exit_code == 0, done.stderr
    assert "1. signer: Nguyễn Văn An (Sở Nội vụ)" in done.stdout
    # Another issuer gets its own certificates.
    moved = ensure_demo_signing(
        folder, Issuer(**{**issuer.__dict__, "signer_name": "Lê Thị Hoa"}), now=AT
    )
    assert signing.prepare(moved, AT).signer.common_name == "Lê Thị Hoa"
    assert (folder / "ca.pem").read_bytes() != ca


def test_the_drawn_seal_is_red_and_the_signature_blue_on_transparent_ground() -> None:
    seal = Image.open(io.BytesIO(seal_png("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ", 36))).convert(
        "RGBA"
    )
    assert seal.size == (425, 425)  # 36 mm at 300 dpi: the seal's real size
    assert (
        seal.getpixel((0, 0))[3] == 0 and seal.getpixel((212, 320))[3] == 0
    )  # inside, below the name
    inked = numpy.asarray(seal).reshape(-1, 4)
    inked = inked[inked[:, 3] > 200]
    assert len(inked) and (inked[:, 0] > 150).all() and (inked[:, 1:3] < 80).all()
    signature = Image.open(io.BytesIO(signature_png(SIGNER))).convert("RGBA")
    ink = numpy.asarray(signature).reshape(-1, 4)
    ink = ink[ink[:, 3] > 200]
    assert len(ink) and (ink[:, 2] > 120).all() and (ink[:, 0] < 60).all()
    assert signature.getpixel((0, 0))[3] == 0
    assert signature_png(SIGNER) == signature_png(SIGNER) != signature_png("Trần Thị Bình")
