"""edXML packages for the document axis (QCVN 102:2016/BTTTT, SĐ1:2022), on both backends: the
packages `notices package --format edxml` writes, parsed with lxml and checked field by field
against the stored documents; the axis's status packages into the case history; a unit's reply
package recorded as its delivery."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from lxml import etree

from inspect_engine.documents.edxml_xml import pdf_pages
from inspect_engine.domain.documents import edxml
from inspect_engine.domain.documents.edxml import XLSX, Attachment, Organ
from inspect_engine.domain.documents.letter import Letter
from inspect_engine.services.notices import rendering
from tests.conftest import EXAMPLES, HANOI, Cli
from tests.edxml_packages import STP, answering, reply_xml, status_xml
from tests.letters import announcement
from tests.test_evidence import FILLED, PL1, announced, case_of, events, fill, hanoi  # noqa: F401
from tests.test_workflow_v2 import free_day

NS = {"e": edxml.NS, "xlink": edxml.XLINK}
LEAD = ("--actor", "Trần Thị Bình", "--role", "team_lead")


def issued(cli: Cli) -> list[dict[str, Any]]:
    done = cli("notices", "issue", "hanoi-2026")
    assert done.exit_code == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(cli("notices", "list", "hanoi-2026", "--json").stdout)
    return listed


def stored(cli: Cli, doc_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(cli("notices", "show", str(doc_id), "--json").stdout)
    return shown


def packaged(cli: Cli, out: Path, *more: str) -> Any:
    return cli("notices", "package", "hanoi-2026", "--out", str(out), "--format", "edxml", *more)


def the_announcement(docs: list[dict[str, Any]]) -> dict[str, Any]:
    [found] = [d for d in docs if d["kind"] == "thong-bao-kiem-tra"]
    return found


def parse(path: Path) -> Any:
    """The package as lxml reads it, refusing anything that is not well-formed XML."""
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()


def text(root: Any, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return str(found[0].text or "")


def texts(root: Any, path: str) -> list[str]:
    return [str(e.text or "") for e in root.xpath(path, namespaces=NS)]


def attachments(root: Any) -> dict[str, dict[str, Any]]:
    """Each manifest reference resolved to the attachment its cid names (all must resolve)."""
    encoded = {
        text(a, "e:ContentId"): a
        for a in root.xpath("e:AttachmentEncoded/e:Attachment", namespaces=NS)
    }
    out = {}
    refs = root.xpath("e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference", namespaces=NS)
    assert refs and len(refs) == len(encoded)
    for ref in refs:
        href = ref.get(f"{{{edxml.XLINK}}}href")
        assert href.startswith("cid:") and text(ref, "e:ContentId") == href
        attachment = encoded[href.removeprefix("cid:")]
        assert text(attachment, "e:AttachmentName") == text(ref, "e:AttachmentName")
        assert text(attachment, "e:ContentType") == text(ref, "e:ContentType")
        out[text(ref, "e:ContentType")] = {
            "name": text(ref, "e:AttachmentName"),
            "description": text(ref, "e:Description"),
            "data": base64.b64decode(text(attachment, "e:ContentTransferEncoded"), validate=True),
        }
    return out


def package_of(out: Path, doc: dict[str, Any]) -> Path:
    [path] = out.glob(f"STP_So-Tu-phap/{doc['issued_on']}_*_{doc['kind']}.edxml")
    return path


@pytest.fixture
def stp_announced(announced: Cli) -> tuple[Cli, dict[str, Any]]:  # noqa: F811
    """STP's inspection notice, issued."""
    return announced, the_announcement(issued(announced))


# --- the packages ------------------------------------------------------------------------------


def test_a_hanoi_announcement_package_carries_the_units_organ_id_the_number_date_and_pdf(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    """The issue's acceptance point: an edXML package of a Hanoi announcement parses and
    carries the unit's OrganId, the number and date, and the PDF."""
    cli, doc = stp_announced
    done = packaged(cli, tmp_path)
    assert done.exit_code == 0, done.stderr
    root = parse(package_of(tmp_path, doc))
    header = root.xpath("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", namespaces=NS)[0]
    assert text(header, "e:To/e:OrganId") == "000.00.02.H26"  # Sở Tư pháp in hanoi-units.csv
    number, notation = doc["number"].split("/")
    assert (text(header, "e:Code/e:CodeNumber"), text(header, "e:Code/e:CodeNotation")) == (
        number,
        notation,
    )
    day = date.fromisoformat(doc["issued_on"])
    assert text(header, "e:PromulgationInfo/e:PromulgationDate") == f"{day:%Y/%m/%d}"
    pdf = attachments(root)[edxml.PDF]["data"]
    letter = Letter.from_json(stored(cli, doc["id"])["letter"])
    assert pdf == rendering.render(letter, "pdf")
    assert doc["number"] in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_every_field_of_a_package_comes_from_the_stored_document(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    assert packaged(cli, tmp_path).exit_code == 0
    letter = stored(cli, doc["id"])["letter"]
    root = parse(package_of(tmp_path, doc))
    assert root.tag == f"{{{edxml.NS}}}edXML"
    header = root.xpath("e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader", namespaces=NS)[0]
    sender = [text(header, f"e:From/e:{f}") for f in ("OrganId", "OrganName", "OrganInCharge",
                                                       "Email", "Telephone")]  # fmt: skip
    assert sender == ["000.00.01.H26", "Sở Nội vụ", "UBND thành phố Hà Nội",
                      "cchc.snv@hanoi.gov.vn", "024 3355 0000"]  # fmt: skip
    assert texts(header, "e:From/e:Fax") == [""] and texts(header, "e:From/e:Website") == [""]
    assert [text(header, f"e:To/e:{f}") for f in ("OrganName", "OrganInCharge")] == [
        "Sở Tư pháp",
        "Thành phố Hà Nội",  # STP's parent unit in hanoi-units.csv
    ]
    day = date.fromisoformat(doc["issued_on"])
    assert text(header, "e:DocumentId") == f"000.00.01.H26,{day:%Y/%m/%d},{doc['number']}"
    assert text(header, "e:PromulgationInfo/e:Place") == "Hà Nội"
    assert (text(header, "e:DocumentType/e:Type"), text(header, "e:DocumentType/e:TypeName")) == (
        "7",
        "Thông báo",
    )
    assert text(header, "e:Subject") == letter["summary"]
    content = text(header, "e:Content")
    assert content.splitlines()[0].startswith("Căn cứ Kế hoạch số 210/KH-UBND")
    assert content.endswith("chuẩn bị và phối hợp thực hiện./.")
    signer = [text(header, f"e:SignerInfo/e:{f}") for f in ("Competence", "Position", "FullName")]
    assert signer == ["KT. GIÁM ĐỐC", "Phó Giám đốc", "Nguyễn Văn An"]
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    due = date.fromisoformat(next(v for v in plan if v["unit_code"] == "STP")["evidence_due"])
    assert text(header, "e:DueDate") == f"{due:%Y/%m/%d}"
    assert f"trước ngày {due.day}/{due.month}/{due.year}" in content  # what the letter says
    assert texts(header, "e:ToPlaces/e:Place") == [
        "Sở Tư pháp", "Giám đốc Sở (để báo cáo)", "Thành viên Đoàn kiểm tra",
    ]  # fmt: skip
    other = header.xpath("e:OtherInfo", namespaces=NS)[0]
    assert (text(other, "e:Priority"), text(other, "e:PromulgationAmount")) == ("0", "3")
    assert texts(other, "e:Appendixes/e:Appendix") == [
        f"{a['label']}: {a['title']}" for a in letter["appendices"]
    ]
    assert [a.split(":")[0] for a in texts(other, "e:Appendixes/e:Appendix")] == [
        "Phụ lục I", "Phụ lục II", "Phụ lục III",
    ]  # fmt: skip
    files = attachments(root)
    assert set(files) == {edxml.PDF, XLSX}
    pdf = files[edxml.PDF]
    assert (
        pdf["name"]
        == f"{doc['issued_on']}_{doc['number'].replace('/', '-')}_thong-bao-kiem-tra.pdf"
    )
    assert pdf["description"] == f"Thông báo số {doc['number']}: {letter['summary']}"
    pages = len(pypdf.PdfReader(io.BytesIO(pdf["data"])).pages)
    assert text(other, "e:PageAmount") == str(pages) and pages > 1
    forms = tmp_path / "forms.xlsx"
    written = cli("evidence", "forms", str(case_of(cli, "STP")), "--out", str(forms))
    assert written.exit_code == 0, written.stderr
    assert _cells(files[XLSX]["data"]) == _cells(forms.read_bytes())
    assert files[XLSX]["name"] == "phu-luc_STP.xlsx"


def _cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_only_documents_sent_to_a_unit_get_a_package_and_the_index_lists_them(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    done = packaged(cli, tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "4 documents in 1 folders" in done.stdout and "1 edXML package;" in done.stdout
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.edxml")) == [
        package_of(tmp_path, doc).relative_to(tmp_path).as_posix()
    ]  # the team decisions go to their members, not to an agency on the axis
    index = (tmp_path / "danh-sach-van-ban.csv").read_text("utf-8-sig").splitlines()
    [row] = [line for line in index if doc["number"] in line]
    assert row.endswith(".edxml") and package_of(tmp_path, doc).name in row


def test_a_moved_visits_notice_is_due_by_the_new_date_and_carries_only_its_pdf(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, first = stp_announced
    visit = next(v for v in json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
                 if v["unit_code"] == "STP")  # fmt: skip
    move = tmp_path / "move.json"
    later = free_day(cli, visit["team"], "2026-10-26")
    move.write_text(json.dumps({"visit_date": later, "reason": "Đơn vị đề nghị"}), "utf-8")
    moved = cli("case", "advance", str(visit["case_id"]), "reschedule", "--data-file", str(move),
                *LEAD)  # fmt: skip
    assert moved.exit_code == 0, moved.stderr
    [notice] = [d for d in issued(cli) if d["kind"] == "thong-bao-doi-lich"]
    assert packaged(cli, tmp_path / "axis").exit_code == 0
    plan = json.loads(cli("plan", "show", "hanoi-2026", "--json").stdout)
    due = date.fromisoformat(next(v for v in plan if v["unit_code"] == "STP")["evidence_due"])
    assert due.isoformat() != visit["evidence_due"]
    dues = {}
    for doc in (first, notice):
        root = parse(package_of(tmp_path / "axis", doc))
        dues[doc["kind"]] = text(root, "//e:MessageHeader/e:DueDate")
        kinds = sorted(attachments(root))
        assert kinds == ([edxml.PDF, XLSX] if doc is first else [edxml.PDF])
    assert dues == {
        "thong-bao-kiem-tra": visit["evidence_due"].replace("-", "/"),
        "thong-bao-doi-lich": f"{due:%Y/%m/%d}",
    }


def test_a_unit_without_an_agency_code_gets_no_package_and_the_others_are_written(
    announced: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    cli = announced
    syt = str(case_of(cli, "SYT"))
    assert cli("case", "advance", syt, "announce", *LEAD).exit_code == 0
    issued(cli)
    units = (EXAMPLES / "hanoi-units.csv").read_text(encoding="utf-8").splitlines()
    cleared = [line.replace(",000.00.02.H26", ",") if line.startswith("STP,") else line
               for line in units]  # fmt: skip
    path = tmp_path / "units.csv"
    path.write_text("\n".join(cleared) + "\n", encoding="utf-8")
    assert cli("units", "import", str(path)).exit_code == 0
    out = tmp_path / "axis"
    done = packaged(cli, out)
    assert done.exit_code == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: no edXML package for STP (Sở Tư pháp): no agency code")
    assert "agency_code column" in line and "units import" in line and "1 other packages" in line
    assert [p.parent.name for p in out.rglob("*.edxml")] == ["SYT_So-Y-te"]
    assert (out / "danh-sach-van-ban.csv").is_file()


def test_an_issuer_without_an_agency_code_writes_no_package(cli: Cli, tmp_path: Path) -> None:
    campaign = HANOI.read_text(encoding="utf-8")
    line = next(x for x in campaign.splitlines() if x.startswith("agency_code"))
    path = tmp_path / "hanoi-2026.toml"
    path.write_text(campaign.replace(line + "\n", ""), encoding="utf-8")
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    assert cli("campaign", "create", str(path)).exit_code == 0
    done = packaged(cli, tmp_path / "axis")
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        "error: campaign hanoi-2026's [issuer] has no agency_code (its mã định danh), the sender "
        "of every edXML package: give it in the campaign file (docs/campaign-format.md)"
    )
    assert not list((tmp_path / "axis").rglob("*.edxml"))


def test_the_service_writes_one_units_packages(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    """What the demo calls: one unit's packages under a folder."""
    from inspect_engine.bootstrap import bootstrap
    from inspect_engine.services.notices.edxml import write_edxml

    cli, doc = stp_announced
    with bootstrap(cli.url).unit_of_work() as uow:
        written = write_edxml(uow, "hanoi-2026", tmp_path, unit_code="STP")
    assert written.paths == [package_of(tmp_path, doc)] and written.refused == []
    with bootstrap(cli.url).unit_of_work() as uow, pytest.raises(Exception, match="no case"):
        write_edxml(uow, "hanoi-2026", tmp_path, unit_code="XYZ")


def test_the_page_count_is_the_pdfs() -> None:
    for letter in (announcement(appendices=0, paragraphs=1), announcement(appendices=3)):
        pdf = rendering.render(letter, "pdf")
        assert pdf_pages(pdf) == len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_document_ids_numbers_and_status_codes() -> None:
    made = edxml.document_id("000.00.01.H26", date(2026, 8, 5), "05/TB-SNV")
    assert made == "000.00.01.H26,2026/08/05,05/TB-SNV"
    assert edxml.parse_document_id(made) == ("000.00.01.H26", date(2026, 8, 5), "05/TB-SNV")
    assert edxml.parse_document_id("000.00.00.G22,2015-09-30,7816/VPCP-TTĐT") == (
        "000.00.00.G22", date(2015, 9, 30), "7816/VPCP-TTĐT",
    )  # fmt: skip
    assert edxml.parse_document_id("128/TB-SNV") is None
    assert edxml.split_number("07/BB-ĐKT") == ("07", "BB-ĐKT")
    assert [edxml.status_code(c) for c in ("3", "03", " 06 ", "07", "-1", "x")] == [
        "03", "03", "06", None, None, None,
    ]  # fmt: skip


# --- status packages ---------------------------------------------------------------------------


def _answering(doc: dict[str, Any]) -> Any:
    return answering(doc["number"], date.fromisoformat(doc["issued_on"]))


def test_a_status_is_recorded_once_in_the_case_history(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    before = events(cli, case)
    status = tmp_path / "status_acceptance_03.edxml"
    status.write_bytes(status_xml(_answering(doc), "03"))
    done = cli("notices", "import-status", str(status))
    assert done.exit_code == 0, done.stderr
    after = events(cli, case)
    assert len(after) == len(before) + 1
    event = after[-1]
    assert (event["trigger"], event["from"], event["to"]) == (
        "axis_status",
        "announced",
        "announced",
    )
    assert (event["actor"], event["role"]) == ("000.00.02.H26", "system")
    recorded = event["payload"]["axis_status"]
    assert recorded["document"] == {"id": doc["id"], "kind": "thong-bao-kiem-tra",
                                    "number": doc["number"]}  # fmt: skip
    assert (recorded["code"], recorded["status"], recorded["name"]) == (
        "03",
        "accepted",
        "Đã tiếp nhận",
    )
    assert recorded["timestamp"] == "2026-12-03T09:15:00+07:00"
    assert done.stdout.splitlines() == [
        f"case {case} (STP): {doc['number']}: 03 đã tiếp nhận, event {event['seq']}",
        "1 status: 1 recorded, 0 already recorded",
    ]
    shown = cli("case", "show", str(case)).stdout
    assert f"{doc['number']}: 03 đã tiếp nhận (Sở Tư pháp, 03/12/2026 09:15)" in shown
    again = cli("notices", "import-status", str(status))
    assert again.exit_code == 0 and "already recorded" in again.stdout
    assert events(cli, case) == after
    assert cli("case", "verify", "hanoi-2026").exit_code == 0
    audited = cli("audit", "verify", "hanoi-2026")
    assert audited.exit_code == 0, audited.stdout + audited.stderr
    board = tmp_path / "board.html"
    assert cli("board", "hanoi-2026", "--out", str(board)).exit_code == 0
    assert f"Trục liên thông: Đã tiếp nhận {doc['number']}" in board.read_text("utf-8")


def test_a_refusal_keeps_its_reason_and_each_status_is_its_own_event(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    files = []
    for code, when in (("01", "2026-12-03T08:00:00+07:00"), ("02", "2026-12-03T08:30:00+07:00")):
        path = tmp_path / f"status_{code}.edxml"
        reason = "Văn bản gửi nhầm đơn vị" if code == "02" else ""
        path.write_bytes(status_xml(_answering(doc), code, timestamp=when, description=reason))
        files.append(str(path))
    done = cli("notices", "import-status", *files, "--json")
    assert done.exit_code == 0, done.stderr
    assert [(d["code"], d["status"], d["new"]) for d in json.loads(done.stdout)] == [
        ("01", "arrived", True), ("02", "refused", True),
    ]  # fmt: skip
    last = events(cli, case)[-1]["payload"]["axis_status"]
    assert last["description"] == "Văn bản gửi nhầm đơn vị"
    shown = cli("case", "show", str(case)).stdout
    assert "02 từ chối tiếp nhận: Văn bản gửi nhầm đơn vị" in shown
    assert "01 đã đến (Sở Tư pháp, 03/12/2026 08:00)" in shown


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (lambda doc: b"<edXML><unclosed>", "status.edxml:1: not XML"),
        (lambda doc: b'<edXML xmlns="urn:other"/>', "not an edXML package: the root element"),
        (
            lambda doc: status_xml(answering("999/TB-SNV", date(2026, 8, 5)), "03"),
            "status.edxml:5: no document 999/TB-SNV of 05/08/2026 was issued by 000.00.01.H26",
        ),
        (
            lambda doc: status_xml(_answering(doc), "07"),
            "StatusCode '07' is not a status of QCVN 102 (01 đã đến, 02 từ chối tiếp nhận",
        ),
        (
            lambda doc: status_xml(_answering(doc), "03", sender=Organ("000.00.05.H26", "Sở X")),
            "the status is from 000.00.05.H26, but",
        ),
        (
            lambda doc: status_xml(_answering(doc), "03", timestamp="hôm qua"),
            "Timestamp 'hôm qua' is not a date and time",
        ),
        (
            lambda doc: (
                b'<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + status_xml(_answering(doc), "03").split(b"?>", 1)[1]
            ),
            "status.edxml:1: a DOCTYPE is not allowed",
        ),
    ],
)
def test_a_bad_status_package_is_refused_in_one_line_and_nothing_is_recorded(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path, content: Any, says: str
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    good = tmp_path / "good.edxml"
    good.write_bytes(status_xml(_answering(doc), "01"))
    bad = tmp_path / "status.edxml"
    bad.write_bytes(content(doc))
    before = events(cli, case)
    done = cli("notices", "import-status", str(good), str(bad))
    assert done.exit_code == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and says in line and str(bad) in line
    assert events(cli, case) == before  # the good file's status is not recorded either


# --- reply packages ----------------------------------------------------------------------------


def _reply(cli: Cli, doc: dict[str, Any], out: Path, cells: dict[str, Any] | None = None) -> bytes:
    """STP's reply: the forms the engine sent it in the announcement's package, filled, and its
    report as a PDF."""
    assert packaged(cli, out / "sent").exit_code == 0
    forms = attachments(parse(package_of(out / "sent", doc)))[XLSX]["data"]
    workbook = out / "phu-luc_STP.xlsx"
    workbook.write_bytes(forms)
    fill(workbook, cells if cells is not None else FILLED)
    report = rendering.render(announcement(appendices=0, paragraphs=1), "pdf")
    return reply_xml(
        _answering(doc),
        [
            Attachment("bao-cao@000.00.02.H26", "45-BC-STP.pdf", edxml.PDF, "Báo cáo", report),
            Attachment("phu-luc@000.00.02.H26", "phu-luc_STP.xlsx", XLSX, "Các phụ lục",
                       workbook.read_bytes()),
        ],
    )  # fmt: skip


def test_a_reply_package_is_recorded_as_the_units_delivery(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    data = _reply(cli, doc, tmp_path)
    path = tmp_path / "stp-tra-loi.edxml"
    path.write_bytes(data)
    done = cli("evidence", "import-package", str(path), "--json")
    assert done.exit_code == 0, done.stderr
    shown = json.loads(done.stdout)
    assert (shown["from"], shown["to"], shown["answers"]) == (
        "announced",
        "submitted",
        doc["number"],
    )
    event = events(cli, case)[-1]
    assert (event["trigger"], event["actor"], event["role"]) == (
        "receive_submission",
        "STP",
        "unit",
    )
    submission = event["payload"]["submission"]
    assert submission["appendices"] == ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    assert submission["documents"] == ["45-BC-STP.pdf", "phu-luc_STP.xlsx"]
    assert submission["figures"]["Phụ lục 1"][0]["chi_tieu"] == 12
    package = event["payload"]["package"]
    assert package["answers"] == {"id": doc["id"], "number": doc["number"]}
    assert (package["from"], package["number"], package["file"]) == (
        "000.00.02.H26", "45/BC-STP", "stp-tra-loi.edxml",
    )  # fmt: skip
    assert package["sha256"] == hashlib.sha256(data).hexdigest()
    workbook = (tmp_path / "phu-luc_STP.xlsx").read_bytes()
    files = {f["name"]: f for f in package["attachments"]}
    assert files["phu-luc_STP.xlsx"]["sha256"] == hashlib.sha256(workbook).hexdigest()
    assert files["45-BC-STP.pdf"]["content_type"] == "application/pdf"
    assert json.loads(cli("case", "show", str(case), "--json").stdout)["state"] == "submitted"
    said = cli("case", "show", str(case)).stdout
    assert "received Phụ lục 1, Phụ lục 2, Phụ lục 3" in said
    audited = cli("audit", "verify", "hanoi-2026")
    assert audited.exit_code == 0, audited.stdout + audited.stderr


def _without_attachments(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for element in root.xpath("//e:AttachmentEncoded/* | //e:Reference", namespaces=NS):
        element.getparent().remove(element)
    result: bytes = etree.tostring(root)
    return result


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (lambda data: data[: len(data) // 2], "not XML"),
        (lambda data: data.replace(edxml.NS.encode(), b"urn:x"), "not an edXML package"),
        (
            lambda data: data.replace(
                b"<edXML:OrganId>000.00.02.H26<", b"<edXML:OrganId>000.99.99.H26<", 1
            ),
            "the package is from 000.99.99.H26 (Sở Tư pháp), the agency code of no unit",
        ),
        (_without_attachments, "the package has no attachment: nothing to record"),
        (
            lambda data: data.replace(b"cid:phu-luc@", b"cid:lost@", 2),
            "the manifest references cid:lost@000.00.02.H26, which no attachment carries",
        ),
    ],
)
def test_a_broken_reply_package_writes_nothing(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path, broken: Any, says: str
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    path = tmp_path / "reply.edxml"
    path.write_bytes(broken(_reply(cli, doc, tmp_path)))
    before = events(cli, case)
    done = cli("evidence", "import-package", str(path))
    assert done.exit_code == 2, done.stdout
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}") and says in line
    assert events(cli, case) == before


def test_a_reply_with_a_bad_form_or_for_another_unit_writes_nothing(
    stp_announced: tuple[Cli, dict[str, Any]], tmp_path: Path
) -> None:
    cli, doc = stp_announced
    case = case_of(cli, "STP")
    before = events(cli, case)
    path = tmp_path / "reply.edxml"
    path.write_bytes(_reply(cli, doc, tmp_path, {PL1: {"C7": "mười hai", "D7": 10}}))
    done = cli("evidence", "import-package", str(path))
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        f"error: {path}: attachment phu-luc_STP.xlsx: sheet '{PL1}', row 7, column C "
        "(Chỉ tiêu kế hoạch): 'mười hai' is not a whole number"
    )
    syt = Organ("000.00.03.H26", "Sở Tài chính")  # STC in hanoi-units.csv: not whom it went to
    other = tmp_path / "other.edxml"
    other.write_bytes(reply_xml(_answering(doc), [Attachment("x@y", "a.xlsx", XLSX, "", b"PK")],
                                sender=syt))  # fmt: skip
    refused = cli("evidence", "import-package", str(other))
    assert refused.exit_code == 2
    assert f"is from STC (Sở Tài chính) but answers {doc['number']}, which was sent to STP" in (
        refused.stderr
    )
    only_pdf = tmp_path / "pdf.edxml"
    report = Attachment("r@s", "bc.pdf", edxml.PDF, "", b"%PDF")
    only_pdf.write_bytes(reply_xml(_answering(doc), [report], sender=STP))
    nothing = cli("evidence", "import-package", str(only_pdf))
    assert (
        nothing.exit_code == 2
        and "no appendix workbook (.xlsx) among the attachments (bc.pdf)" in (nothing.stderr)
    )
    assert events(cli, case) == before
