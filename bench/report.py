"""How the bench scripts report a figure: `record(...)` prints one line and, under
bench/run_all.py, hands the figure to the table it prints and to bench/results.json.

A target reads like what it asks: ">= 0.35x" is on the ratio to the raw baseline, "<= 60 s" or
">= 40 /s" on the value itself (in the figure's unit). A figure without a target is a
measurement to read beside the others (a baseline, a detail). run_all.py sets
`INSPECT_BENCH_RESULTS` to a file each record is appended to as one JSON line; a script run on
its own only prints.
"""

from __future__ import annotations

import json
import operator
import os
import re
from typing import Any

RESULTS_ENV = "INSPECT_BENCH_RESULTS"
_TARGET = re.compile(r"^(>=|<=)\s*([0-9][0-9_,.]*)\s*(x|.*)$")
_OPS = {">=": operator.ge, "<=": operator.le}


def met(target: str, value: float, ratio: float | None) -> bool:
    """Whether `value` (or `ratio`, for a target in x) meets `target`."""
    match = _TARGET.match(target.strip())
    if match is None:
        raise ValueError(f"a target reads '>= 0.35x' or '<= 60 s', not {target!r}")
    op, number, unit = match.groups()
    bound = float(number.replace(",", "").replace("_", ""))
    if unit == "x":
        if ratio is None:
            raise ValueError(f"target {target!r} is a ratio: the figure needs a baseline")
        return bool(_OPS[op](ratio, bound))
    return bool(_OPS[op](value, bound))


def amount(value: float | None, unit: str) -> str:
    """A value as the table shows it: thousands separated, as many decimals as it needs."""
    if value is None:
        return ""
    size = abs(value)
    if value == int(value) and size < 1e15:  # a count: no decimals
        return (
            f"{int(value):,} {unit}".strip() if unit not in ("", "x") else f"{int(value):,}{unit}"
        )
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 else 4
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip() if unit not in ("", "x") else text + unit


def record(
    figure: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    baseline_unit: str | None = None,
    ratio: float | None = None,
    target: str | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Report one figure. `ratio` defaults to value / baseline when both are in one unit;
    give it when the baseline measures something else (a time beside a rate)."""
    baseline_unit = unit if baseline_unit is None else baseline_unit
    if ratio is None and baseline and baseline_unit == unit:
        ratio = value / baseline
    verdict = None if target is None else met(target, value, ratio)
    entry = {
        "figure": figure,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_unit": baseline_unit if baseline is not None else None,
        "ratio": ratio,
        "target": target,
        "met": verdict,
        "note": note,
    }
    line = f"{figure}: {amount(value, unit)}"
    if baseline is not None:
        line += f" (raw baseline {amount(baseline, baseline_unit)})"
    if ratio is not None:
        line += f" = {ratio:.3g}x"
    if target is not None:
        line += f"; target {target}: {'PASS' if verdict else 'MISSED'}"
    if note:
        line += f"  [{note}]"
    print(line, flush=True)
    if path := os.environ.get(RESULTS_ENV):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry
