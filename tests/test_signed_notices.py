"""The engine's own letters signed where it writes them for delivery (`notices render`,
`notices package`, `notices issue --out`), on both backends, and checked with `notices verify`
against the test CA alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_engine.documents.pdf_layout import render_pdf_laid_out
from inspect_engine.domain.documents.letter import Letter
from tests import signing_pki
from tests.conftest import Cli
from tests.signing_pki import Pki
from tests.test_notices import announce_all, case_of, documents, letter
from tests.test_signing import widgets
from tests.test_workflow_v2 import planned  # noqa: F401  (the fixture)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return signing_pki.build(tmp_path_factory.mktemp("pki"))


@pytest.fixture(autouse=True)
def signer_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signing_pki.SIGNER_PASSPHRASE_ENV, "s3cret")
    monkeypatch.delenv("INSPECT_SIGNING_CONFIG", raising=False)


def test_an_issued_notice_is_signed_and_verifies_against_the_test_ca(
    planned: Cli,  # noqa: F811
    pki: Pki,
    tmp_path: Path,
) -> None:
    announce_all(planned)
    assert planned("notices", "issue", "hanoi-2026").exit_code == 0
    [notice] = documents(planned, "--case", str(case_of(planned, "STP")))
    out = tmp_path / "letters"
    done = planned(
        "notices", "render", str(notice["id"]), "--format", "pdf", "--out", str(out),
        "--signing", str(pki.config),
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "signed 1 PDFs as Nguyễn Văn An and Sở Nội vụ" in done.stdout
    [pdf] = out.glob("*.pdf")
    checked = planned("notices", "verify", str(pdf), "--trust", str(pki.ca_pem))
    assert checked.exit_code == 0, checked.stderr
    assert "1. signer: Nguyễn Văn An (Sở Nội vụ)" in checked.stdout
    assert "2. organisation: Sở Nội vụ (UBND thành phố Hà Nội)" in checked.stdout
    # Sở Tư pháp's notice has its appendices in the same file: the organisation's signature
    # shows its information on the first page of each, where the layout started them.
    content = Letter.from_json(letter(planned, notice["id"]))
    geometry = render_pdf_laid_out(content)[1]
    assert len(geometry.appendix_pages) == len(content.appendices) >= 3
    found = widgets(pdf.read_bytes())
    organisation_pages = {page for page, field, _ in found if field == "ChuKyCoQuan"}
    [space] = geometry.signature_spaces
    assert organisation_pages == {0, space.page, *geometry.appendix_pages}
    assert {page for page, field, _ in found if field == "ChuKyNguoiKy"} == {space.page}
    # Another CA's certificate does not pass for this one.
    other = planned("notices", "verify", str(pdf), "--trust", str(pki.other_ca_pem))
    assert other.exit_code == 1 and "does not chain to a trusted root" in other.stderr


def test_without_a_configuration_the_pdfs_are_unsigned_and_the_output_says_so(
    planned: Cli,  # noqa: F811
    pki: Pki,
    tmp_path: Path,
) -> None:
    announce_all(planned)
    assert planned("notices", "issue", "hanoi-2026").exit_code == 0
    [notice] = documents(planned, "--case", str(case_of(planned, "STP")))
    done = planned("notices", "render", str(notice["id"]), "--out", str(tmp_path))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.count("PDFs are written unsigned: no signing configuration") == 1
    [pdf] = tmp_path.glob("*.pdf")
    checked = planned("notices", "verify", str(pdf), "--trust", str(pki.ca_pem))
    assert checked.exit_code == 2
    assert checked.stderr.strip() == f"error: {pdf}: the PDF has no signatures"
    not_a_root = planned("notices", "verify", str(pdf), "--trust", str(Path(__file__)))
    assert not_a_root.exit_code == 2
    assert f"{Path(__file__)}, field '--trust': not a certificate (PEM or DER)" in not_a_root.stderr


def test_a_wrong_passphrase_stops_the_command_before_anything_is_written(
    planned: Cli,  # noqa: F811
    pki: Pki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(signing_pki.SIGNER_PASSPHRASE_ENV, "wrong")
    announce_all(planned)
    out = tmp_path / "letters"
    done = planned(
        "notices", "issue", "hanoi-2026", "--out", str(out), "--signing", str(pki.config)
    )
    assert done.exit_code == 2
    [line] = done.stderr.strip().splitlines()
    assert "signer.p12: wrong passphrase, or not a PKCS#12 file" in line
    assert not out.exists()
    assert documents(planned) == []  # nothing issued either


@pytest.mark.slow
def test_package_signs_every_letter_with_one_signer_and_leaves_the_rest(
    planned: Cli,  # noqa: F811
    pki: Pki,
    tmp_path: Path,
) -> None:
    announce_all(planned)
    assert planned("notices", "issue", "hanoi-2026").exit_code == 0
    out = tmp_path / "delivery"
    done = planned(
        "notices", "package", "hanoi-2026", "--out", str(out), "--format", "pdf",
        "--signing", str(pki.config),
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "signed 144 PDFs as Nguyễn Văn An and Sở Nội vụ" in done.stdout
    decision = next((out / "_chien-dich").glob("*quyet-dinh*.pdf"))
    for pdf in (decision, next(out.glob("STP_*/*.pdf"))):
        checked = planned("notices", "verify", str(pdf), "--signing", str(pki.config))
        assert checked.exit_code == 0, checked.stderr
    index = (out / "danh-sach-van-ban.csv").read_text("utf-8-sig").splitlines()
    assert len(index) == 1 + 144
    assert json.loads(planned("notices", "list", "hanoi-2026", "--json").stdout)
