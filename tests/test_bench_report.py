"""`make bench`'s table: every script of bench/ is run, each figure is judged against its
target, and the table and bench/results.json say the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report, run_all


def test_every_bench_script_is_run_and_the_helpers_are_not() -> None:
    names = [p.name for p in run_all.scripts()]
    assert "audit_verify.py" in names and "simulate.py" in names and "startup.py" in names
    assert not {"run_all.py", "report.py", "cpsat_lns.py", "__init__.py"} & set(names)
    on_disk = {p.name for p in run_all.BENCH.glob("*.py")}
    assert set(names) == on_disk - {"run_all.py", "report.py", "cpsat_lns.py", "__init__.py"}


@pytest.mark.parametrize(
    ("target", "value", "ratio", "expected"),
    [
        (">= 0.35x", 100.0, 0.36, True),
        (">= 0.35x", 100.0, 0.34, False),
        ("<= 2x", 87.0, 1.38, True),
        ("<= 60 s", 251.4, 45.0, False),  # on the value: the ratio does not count
        (">= 40 /s", 129.7, None, True),
        ("<= 1024 MB", 139.0, 1.56, True),
        ("<= 0", 0.0, None, True),
        ("<= 50 ms", 8.6, 6.6, True),
    ],
)
def test_a_target_is_on_the_ratio_when_it_says_x_else_on_the_value(
    target: str, value: float, ratio: float | None, expected: bool
) -> None:
    assert report.met(target, value, ratio) is expected


def test_a_target_that_does_not_read_is_refused() -> None:
    with pytest.raises(ValueError, match="a target reads"):
        report.met("at least 40", 1.0, None)
    with pytest.raises(ValueError, match="needs a baseline"):
        report.met(">= 0.5x", 1.0, None)


def test_a_figure_is_printed_and_handed_to_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures.jsonl"
    monkeypatch.setenv(report.RESULTS_ENV, str(out))
    report.record("audit verify", 19_365.0, "events/s", baseline=50_470.0, target=">= 0.5x")
    report.record("replay", 8.6, "ms", baseline=1.3, target="<= 50 ms", note="median of 30")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "audit verify: 19,365 events/s (raw baseline 50,470 events/s) = 0.384x; "
        "target >= 0.5x: MISSED"
    )
    assert printed[1].endswith("target <= 50 ms: PASS  [median of 30]")
    figures = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(f["figure"], f["met"]) for f in figures] == [("audit verify", False), ("replay", True)]
    assert round(figures[0]["ratio"], 3) == 0.384

    table = run_all.table(figures, [{"script": "x.py", "exit_code": 1}])
    lines = table.splitlines()
    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    assert header == ["figure", "value", "raw baseline", "ratio", "target", "met"]
    assert "| audit verify " in lines[2] and "0.384x" in lines[2] and "**no**" in lines[2]
    assert "8.60 ms" in lines[3] and "| yes " in lines[3]
    assert "bench/x.py failed (exit 1)" in lines[4]
