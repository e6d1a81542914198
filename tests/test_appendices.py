"""Appendices (Phụ lục) per unit: Phụ lục 3 only of the units that lead an area or task, the
unannounced-only ones kept ready; the campaign file's leads, rules and remediation lead time."""

from __future__ import annotations

import json
import unicodedata

import pytest

from inspect_engine.domain.campaign.appendices import appendices_for
from inspect_engine.domain.campaign.model import REFORM_AREAS, CampaignSpec, Lead
from inspect_engine.domain.campaign.toml_reader import parse_campaign
from inspect_engine.domain.workflow import rules
from inspect_engine.errors import InputError
from tests.conftest import EXAMPLES, Cli

EXAMPLE = (EXAMPLES / "hanoi-2026.toml").read_text(encoding="utf-8")
PL3 = 'kinds = ["department"]\nfor_leads = true'
PL4 = 'kinds = ["department", "commune"]\nunannounced_only = true'


def spec_of(text: str = EXAMPLE) -> CampaignSpec:
    return parse_campaign(text, "c.toml")


def replaced(old: str, new: str, text: str = EXAMPLE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def codes(spec: CampaignSpec, unit: str, kind: str) -> tuple[list[str], list[str]]:
    got = appendices_for(spec, unit, kind)
    return [a.code for a in got.required], [a.code for a in got.keep_ready]


# -- the rule, on the example campaign --------------------------------------------------------


def test_a_department_that_leads_an_area_prepares_phu_luc_3() -> None:
    got = appendices_for(spec_of(), "STP", "department")
    assert [a.code for a in got.required] == ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    assert got.leads == (Lead("STP", area="Cải cách thể chế"),)


def test_a_department_that_leads_nothing_does_not() -> None:
    got = appendices_for(spec_of(), "SCT", "department")
    assert [a.code for a in got.required] == ["Phụ lục 1", "Phụ lục 2"]
    assert got.leads == ()


def test_a_commune_gets_the_commune_appendices() -> None:
    assert codes(spec_of(), "00004", "commune") == (["Phụ lục 1", "Phụ lục 2"], ["Phụ lục 4"])


def test_unannounced_only_is_kept_ready_not_required() -> None:
    required, keep_ready = codes(spec_of(), "SNV", "department")
    assert "Phụ lục 4" not in required and keep_ready == ["Phụ lục 4"]


def test_a_unit_leading_two_areas_and_a_task_lists_all_in_file_order() -> None:
    leads = appendices_for(spec_of(), "SNV", "department").leads
    assert [lead.subject for lead in leads] == [
        "Cải cách tổ chức bộ máy hành chính nhà nước",
        "Cải cách chế độ công vụ",
        "Xác định Chỉ số cải cách hành chính (PAR Index) của các sở và UBND xã, phường",
    ]
    assert leads[2].area is None and leads[2].task is not None


def test_for_leads_without_kinds_applies_to_any_kind_that_leads() -> None:
    text = replaced(PL3, "for_leads = true")
    text += '\n[[leads]]\nunit = "00004"\ntask = "Thí điểm một cửa liên thông"\n'
    spec = spec_of(text)
    assert codes(spec, "00004", "commune")[0] == ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    assert codes(spec, "00008", "commune")[0] == ["Phụ lục 1", "Phụ lục 2"]


def test_kinds_restrict_a_for_leads_appendix() -> None:
    text = EXAMPLE + '\n[[leads]]\nunit = "00004"\ntask = "Thí điểm một cửa liên thông"\n'
    assert codes(spec_of(text), "00004", "commune")[0] == ["Phụ lục 1", "Phụ lục 2"]


def test_unannounced_only_for_leads_is_kept_ready_by_leading_units_only() -> None:
    spec = spec_of(replaced(PL3, PL3 + "\nunannounced_only = true"))
    assert codes(spec, "STC", "department") == (
        ["Phụ lục 1", "Phụ lục 2"],
        ["Phụ lục 3", "Phụ lục 4"],
    )
    assert codes(spec, "SCT", "department")[1] == ["Phụ lục 4"]


def test_order_is_the_files() -> None:
    # Phụ lục 4 moved before Phụ lục 1 and made an announced one: listed first.
    block = EXAMPLE[EXAMPLE.index('[[appendices]]\ncode = "Phụ lục 4"') : EXAMPLE.index(PL4)]
    text = EXAMPLE.replace(block + PL4, "").replace(
        '[[appendices]]\ncode = "Phụ lục 1"', block + PL4 + '\n\n[[appendices]]\ncode = "Phụ lục 1"'
    )
    text = text.replace("unannounced_only = true", "unannounced_only = false")
    assert codes(spec_of(text), "SKHCN", "department")[0] == [
        "Phụ lục 4",
        "Phụ lục 1",
        "Phụ lục 2",
        "Phụ lục 3",
    ]


# -- content areas, settings -----------------------------------------------------------------


def test_default_content_areas_are_the_six_full_names() -> None:
    start = EXAMPLE.index("content_areas = [")
    text = EXAMPLE[:start] + EXAMPLE[EXAMPLE.index("\n]\n", start) + 3 :]
    assert "content_areas" not in text
    spec = spec_of(text)
    assert spec.content_areas == REFORM_AREAS
    assert "Cải cách tổ chức bộ máy hành chính nhà nước" in spec.content_areas
    assert "Cải cách chế độ công vụ" in spec.content_areas


def test_v1_findings_keep_area_numbers_1_to_6() -> None:
    assert rules.REFORM_AREAS[3] == "Cải cách tổ chức bộ máy hành chính nhà nước"
    assert rules.REFORM_AREAS[4] == "Cải cách chế độ công vụ"
    assert sorted(rules.REFORM_AREAS) == [1, 2, 3, 4, 5, 6]


def test_example_adds_the_citys_own_content_areas() -> None:
    areas = spec_of().content_areas
    assert areas[:6] == REFORM_AREAS and len(areas) == 8
    assert "Thực hiện các kế hoạch nâng cao Chỉ số PAPI, PAR Index, SIPAS" in areas


def test_a_lead_area_typed_decomposed_matches_its_content_area() -> None:
    area = "Cải cách tài chính công"
    text = replaced(f'area = "{area}"', f'area = "{unicodedata.normalize("NFD", area)}"')
    assert Lead("STC", area=area) in spec_of(text).leads


def test_settings_and_their_defaults() -> None:
    spec = spec_of()
    assert spec.lead_times.remediation_working_days == 15
    assert spec.rules.visit_with_missing_appendices is False
    text = replaced("remediation_working_days = 15", "remediation_working_days = 20")
    text = replaced(
        "visit_with_missing_appendices = false", "visit_with_missing_appendices = true", text
    )
    spec = spec_of(text)
    assert spec.lead_times.remediation_working_days == 20
    assert spec.rules.visit_with_missing_appendices is True
    bare = text.replace("remediation_working_days = 20", "").replace(
        "[rules]\nvisit_with_missing_appendices = true", ""
    )
    spec = spec_of(bare)
    assert spec.lead_times.remediation_working_days == 15
    assert spec.rules.visit_with_missing_appendices is False


def test_a_lead_names_exactly_one_of_area_and_task() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Lead("STP")
    with pytest.raises(ValueError, match="exactly one"):
        Lead("STP", area="Cải cách thể chế", task="x")


# -- reader errors, through `campaign create` --------------------------------------------------

STC_LEAD = '[[leads]]\nunit = "STC"\narea = "Cải cách tài chính công"'

# name: ((old, new), which line of `new` the error is on, field, message)
BAD = {
    "lead area not a content area, with a hint": (
        ('area = "Cải cách chế độ công vụ"', 'area = "Cải cách công vụ"'),
        0,
        "leads[3].area",
        "not one of the campaign's content_areas (did you mean 'Cải cách chế độ công vụ'?)",
    ),
    "lead area far from any content area": (
        ('area = "Cải cách thể chế"', 'area = "Văn hóa"'),
        0,
        "leads[0].area",
        "'Văn hóa' is not one of the campaign's content_areas",
    ),
    "lead with area and task": (
        (STC_LEAD, STC_LEAD + '\ntask = "Tự chủ tài chính"'),
        3,
        "leads[4].task",
        "an area or a task, not both",
    ),
    "lead with neither area nor task": (
        (STC_LEAD, '[[leads]]\nunit = "STC"'),
        0,
        "leads[4]",
        "name the area or the task 'STC' leads",
    ),
    "unknown field in a lead": (
        (STC_LEAD, STC_LEAD + '\nnote = "x"'),
        3,
        "leads[4].note",
        "unknown field 'note'",
    ),
    "duplicate lead": (
        (STC_LEAD, STC_LEAD + "\n\n" + STC_LEAD),
        4,
        "leads[5]",
        "'STC' already leads 'Cải cách tài chính công'",
    ),
    "lead of an unknown unit": (
        ('unit = "STC"\narea', 'unit = "SXX"\narea'),
        0,
        "leads[4].unit",
        "unknown unit 'SXX'",
    ),
    "for_leads not a boolean": (
        (PL3, 'kinds = ["department"]\nfor_leads = "yes"'),
        1,
        "appendices[2].for_leads",
        "must be true or false",
    ),
    "unannounced_only not a boolean": (
        (PL4, 'kinds = ["department", "commune"]\nunannounced_only = 1'),
        1,
        "appendices[3].unannounced_only",
        "must be true or false",
    ),
    "appendix for no kind and not for leads": (
        (PL3, "kinds = []\nfor_leads = false"),
        0,
        "appendices[2].kinds",
        "or set for_leads = true",
    ),
    "duplicate appendix code": (
        ('code = "Phụ lục 4"', 'code = "Phụ lục 2"'),
        0,
        "appendices[3].code",
        "duplicate appendix code 'Phụ lục 2'",
    ),
    "remediation lead time 0": (
        ("remediation_working_days = 15", "remediation_working_days = 0"),
        0,
        "lead_times.remediation_working_days",
        "must be between 1 and 250",
    ),
    "rule not a boolean": (
        ("visit_with_missing_appendices = false", 'visit_with_missing_appendices = "no"'),
        0,
        "rules.visit_with_missing_appendices",
        "must be true or false",
    ),
    "unknown field in rules": (
        ("visit_with_missing_appendices = false", "visit_with_missing = false"),
        0,
        "rules.visit_with_missing",
        "unknown field 'visit_with_missing'",
    ),
}


@pytest.fixture
def hanoi(cli: Cli) -> Cli:
    assert cli("units", "import", str(EXAMPLES / "hanoi-units.csv")).exit_code == 0
    return cli


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_file_names_line_and_field_and_stores_nothing(
    hanoi: Cli,
    write,  # type: ignore[no-untyped-def]
    case: tuple[tuple[str, str], int, str, str],
) -> None:
    (old, new), offset, field, message = case
    text = replaced(old, new)
    line = EXAMPLE[: EXAMPLE.index(old)].count("\n") + 1 + offset
    result = hanoi("campaign", "create", str(write("bad.toml", text)))
    assert result.exit_code == 2, result.stdout
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert f"bad.toml:{line}, field '{field}'" in err, err
    assert message in err, err
    assert json.loads(hanoi("campaign", "list", "--json").stdout) == []


def test_reader_errors_are_input_errors_without_a_database() -> None:
    with pytest.raises(InputError, match="did you mean"):
        spec_of(replaced('area = "Cải cách thể chế"', 'area = "Cải cách thể chê"'))


# -- the command and the JSON -----------------------------------------------------------------


@pytest.fixture
def created(hanoi: Cli) -> Cli:
    assert hanoi("campaign", "create", str(EXAMPLES / "hanoi-2026.toml")).exit_code == 0
    return hanoi


def test_appendices_json_lists_every_target(created: Cli) -> None:
    result = created("campaign", "appendices", "hanoi-2026", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 141
    assert all(
        set(r) == {"unit_code", "unit_name", "kind", "required", "keep_ready", "leads"}
        for r in rows
    )
    by_code = {r["unit_code"]: r for r in rows}
    assert by_code["STP"] == {
        "unit_code": "STP",
        "unit_name": "Sở Tư pháp",
        "kind": "department",
        "required": ["Phụ lục 1", "Phụ lục 2", "Phụ lục 3"],
        "keep_ready": ["Phụ lục 4"],
        "leads": [{"area": "Cải cách thể chế", "task": None}],
    }
    assert by_code["00004"]["required"] == ["Phụ lục 1", "Phụ lục 2"]
    leading = sorted(c for c, r in by_code.items() if "Phụ lục 3" in r["required"])
    assert leading == ["SKHCN", "SNV", "STC", "STP", "VPUBND"]
    assert [r["unit_code"] for r in rows] == sorted(by_code)


def test_appendices_of_one_unit(created: Cli) -> None:
    rows = json.loads(created("campaign", "appendices", "hanoi-2026", "SNV", "--json").stdout)
    assert [r["unit_code"] for r in rows] == ["SNV"]
    assert rows[0]["leads"][2] == {
        "area": None,
        "task": "Xác định Chỉ số cải cách hành chính (PAR Index) của các sở và UBND xã, phường",
    }
    text = created("campaign", "appendices", "hanoi-2026", "STC").stdout
    assert "Phụ lục 1, Phụ lục 2, Phụ lục 3\tPhụ lục 4\tCải cách tài chính công" in text


def test_appendices_of_a_unit_that_is_not_a_target(created: Cli) -> None:
    city = created("campaign", "appendices", "hanoi-2026", "01")
    assert city.exit_code == 2 and "'01' is not a target of hanoi-2026" in city.stderr
    nope = created("campaign", "appendices", "hanoi-2026", "NOPE")
    assert nope.exit_code == 2 and "unknown unit 'NOPE'" in nope.stderr


def test_show_json_has_leads_rules_and_appendix_flags(created: Cli) -> None:
    data = json.loads(created("campaign", "show", "hanoi-2026", "--json").stdout)
    assert data["lead_times"]["remediation_working_days"] == 15
    assert data["rules"] == {"visit_with_missing_appendices": False}
    assert data["leads"][0] == {"unit": "STP", "area": "Cải cách thể chế", "task": None}
    assert len(data["leads"]) == 7
    flags = {a["code"]: (a["for_leads"], a["unannounced_only"]) for a in data["appendices"]}
    assert flags == {
        "Phụ lục 1": (False, False),
        "Phụ lục 2": (False, False),
        "Phụ lục 3": (True, False),
        "Phụ lục 4": (False, True),
    }
