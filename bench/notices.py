"""Documents per second: DOCX and PDF layouts of announcements with their appendices, and
issuing a national campaign's announcements, each beside plain jinja2 in the same run.

The raw baseline is plain jinja2 rendering of the same content: the announcement template with
the same values, to text, in one process. The layouts then draw those letters with every core
(`services/notices/rendering.render_all`, what `notices issue --out` and `notices package` use).

Run: .venv/bin/python bench/notices.py [--letters 500] [--national 3300]
Targets (2 cores): DOCX >= 40/s, PDF >= 10/s; 3,300 announcements issued and rendered to DOCX
(no PDF) in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)

from bench.report import record  # noqa: E402
from inspect_engine.bootstrap import bootstrap  # noqa: E402
from inspect_engine.services import campaigns, cases, units  # noqa: E402
from inspect_engine.services.notices import issuing, records, rendering  # noqa: E402
from inspect_engine.services.notices.context import CampaignFacts  # noqa: E402
from inspect_engine.services.planning.make import make_plan  # noqa: E402
from inspect_engine.services.team_decisions import record_decision  # noqa: E402
from inspect_engine.settings import data_dir  # noqa: E402
from inspect_engine.storage.uow import UnitOfWork  # noqa: E402

EXAMPLES = REPO / "examples"
CLERK = "van-thu"


def announced(uow: UnitOfWork, folder: Path, campaign: Path, units_csv: Path,
              decisions: list[dict[str, Any]]) -> None:  # fmt: skip
    """Units, the campaign, its plan, the teams' decisions, every case announced."""
    spec = campaigns.read_campaign_file(campaign)[0]
    units.import_units(uow, units_csv)
    campaigns.create_campaign(uow, campaign, workflows_dirs=[data_dir("workflows")])
    make_plan(uow, spec.key, as_of=spec.plan.date)
    for data in decisions:
        record_decision(uow, spec.key, data, actor=CLERK)
    request = cases.Request("announce", "lead", "team_lead")
    cases.advance_all(uow, spec.key, "planned", request)


def hanoi_decisions() -> list[dict[str, Any]]:
    return [
        json.loads((EXAMPLES / "decisions" / f"doan-{n}.json").read_text("utf-8"))
        for n in (1, 2, 3)
    ]


def jinja_rate(uow: UnitOfWork, key: str, letters: int) -> float:
    """Plain jinja2: the announcement template rendered to text with the same values."""
    issuer = issuing.Issuer(uow, key)
    with uow:
        items = [
            r
            for r in records.DocumentStore(uow.connection).list(key, kind="thong-bao-kiem-tra")
            if r.source_seq
        ]
        sources = [issuer._case_source(r.case_id or 0, r.source_seq) for r in items]  # type: ignore[arg-type]
    from inspect_engine.domain.documents.kinds import KINDS
    from inspect_engine.services.notices import letters as builders

    kind = KINDS["thong-bao-kiem-tra"]
    contexts = [
        {
            **issuer.facts.base(kind, "05/TB-SNV", None),
            **builders.announcement(issuer.facts, s, issuer.forms.for_unit(s.unit_code)),
        }
        for s in sources
    ]
    template = issuer.templates.env.get_template(kind.template)
    start = time.perf_counter()
    for i in range(letters):
        template.render(contexts[i % len(contexts)])
    return letters / (time.perf_counter() - start)


def layout_rate(contents: list[dict[str, Any]], fmt: str, letters: int, out: Path) -> float:
    jobs = [
        rendering.Job(contents[i % len(contents)], fmt, out / fmt / f"{i:04d}.{fmt}")
        for i in range(letters)
    ]
    start = time.perf_counter()
    rendering.render_all(jobs)
    return letters / (time.perf_counter() - start)


def national_campaign(folder: Path, n_units: int) -> tuple[Path, Path, list[dict[str, Any]]]:
    """The example campaign over `n_units` synthetic communes, with enough teams to visit them
    all in the window (one visit a day each) and a decision forming each team."""
    teams = n_units // 90 + 2
    rows = ["code,name,kind,parent_code,sectors,area", "01,Thành phố Hà Nội,province,,,"]
    for dept in ("SNV", "STP", "VPUBND", "STC", "SKHCN", "SXD", "SYT"):
        rows.append(f"{dept},Sở {dept},department,01,,Khối sở")
    rows += [f"X{i:05d},Xã Số {i},commune,01,,Vùng {i // 8}" for i in range(n_units)]
    units_csv = folder / "units.csv"
    units_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = (EXAMPLES / "hanoi-2026.toml").read_text("utf-8")
    text = text[: text.index("[[teams]]")]
    decisions = []
    for t in range(1, teams + 1):
        lead = f"Trưởng Đoàn Số {t}"
        works_at = "STP" if t == 1 else "SNV"  # a team must be free to inspect Sở Nội vụ
        text += (
            f'\n[[teams]]\nname = "Đoàn {t}"\nlead = "{lead}"\nvisits_per_day = 1\n'
            f'members = [{{ name = "{lead}", unit = "{works_at}" }}]\n'
        )
        decisions.append(
            {
                "team": f"Đoàn {t}",
                "number": f"{t:02d}/QĐ-SNV",
                "date": "2026-07-27",
                "signer": "Nguyễn Văn An",
                "members": [{"name": lead, "role": "trưởng đoàn"}],
            }
        )
    campaign = folder / "national.toml"
    campaign.write_text(text, encoding="utf-8")
    return campaign, units_csv, decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500, help="letters per format")
    parser.add_argument("--national", type=int, default=3300, help="announcements to issue")
    args = parser.parse_args()
    print(f"rendering with {rendering.workers()} processes")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with bootstrap(f"sqlite:///{folder / 'hanoi.db'}").unit_of_work(schema="upgrade") as uow:
            announced(uow, folder, EXAMPLES / "hanoi-2026.toml", EXAMPLES / "hanoi-units.csv",
                      hanoi_decisions())  # fmt: skip
            issuing.issue_due(uow, "hanoi-2026")
            with uow:
                docs = records.DocumentStore(uow.connection).list(
                    "hanoi-2026", kind="thong-bao-kiem-tra"
                )
            contents = [d.content for d in docs]
            pages = sum(1 + len(c["appendices"]) for c in contents) / len(contents)
            raw = jinja_rate(uow, "hanoi-2026", args.letters)
        print(f"{args.letters} announcements (letter + {pages - 1:.1f} appendices on average)")
        record("raw: plain jinja2, the announcement template with a Hanoi unit's values", raw, "/s")
        for fmt, target in (("docx", 40), ("pdf", 10)):
            rate = layout_rate(contents, fmt, args.letters, folder / "out")
            record(
                f"{fmt.upper()} of Hanoi announcements with their appendices "
                f"({rendering.workers()} processes, {args.letters} letters)",
                rate,
                "/s",
                baseline=raw,
                target=f">= {target} /s",
            )

        campaign, units_csv, decisions = national_campaign(folder, args.national)
        with bootstrap(f"sqlite:///{folder / 'national.db'}").unit_of_work(schema="upgrade") as uow:
            announced(uow, folder, campaign, units_csv, decisions)
            with uow:
                n_cases = len(CampaignFacts(uow.connection, "hanoi-2026").units)
            start = time.perf_counter()
            issued = issuing.issue_due(uow, "hanoi-2026")
            issue_s = time.perf_counter() - start
            found = records.list_documents(uow, "hanoi-2026", kind="thong-bao-kiem-tra")
            jobs = [
                rendering.Job(r.content, "docx", folder / "nat" / f"{r.id}.docx") for r in found
            ]
            start = time.perf_counter()
            rendering.render_all(jobs)
            render_s = time.perf_counter() - start
        notices = sum(1 for i in issued if i.kind == "thong-bao-kiem-tra")
        total = issue_s + render_s
        base = notices / raw
        print(f"national: {notices} announcements of {n_cases} cases")
        record(
            f"national: {notices:,} announcements issued (number, template, store, case "
            "event; SQLite)",
            notices / issue_s,
            "/s",
            note=f"{issue_s:.1f} s",
        )
        record(
            f"national: the same issued and rendered to DOCX ({rendering.workers()} processes)",
            total,
            "s",
            baseline=base,
            target="<= 60 s",
            note=f"rendering {render_s:.1f} s; baseline: plain jinja2 of the same letters",
        )


if __name__ == "__main__":
    main()
