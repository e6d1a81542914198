"""The report's and the board's charts, drawn with matplotlib: PNG for the DOCX and PDF, SVG
for the board.

The same figures give the same bytes: no date or software in the files' metadata, a fixed
hash salt for the SVG's ids, and the bundled Liberation Sans (Vietnamese diacritics, no font
of the machine's) for every word. Figures are built without pyplot, so nothing global is left
behind between charts.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any, cast

from inspect_engine.domain.reporting.chart_data import SUBMISSION_OUTCOMES, ChartData

FONT_FAMILY = "Liberation Sans"
_FONT_FILES = ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf")
SEVERITY_COLOURS = {"minor": "#f2c14e", "major": "#e8743b", "serious": "#b03a2e"}
SEVERITY_LABELS = {"minor": "Tồn tại nhỏ", "major": "Tồn tại", "serious": "Tồn tại nghiêm trọng"}
SUBMISSION_COLOURS = {"on_time": "#2e7d4f", "late": "#e8743b", "missing": "#9e9e9e"}
SUBMISSION_LABELS = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa nộp"}
TEAM_COLOURS = ("#1f5fa8", "#2e9c8f", "#8e5fb5", "#c27c0e", "#5d6d7e", "#a93f6b")
WIDTH_IN = 6.5  # the report's text width (165 mm)
HEIGHT_IN = 3.3
PNG_DPI = 150
_lock = threading.Lock()
_fonts_added = False

CHARTS = ("visits", "findings", "burndown", "submissions")
TITLES = {
    "visits": "Số cuộc kiểm tra theo tuần của từng Đoàn",
    "findings": "Tồn tại, hạn chế theo nội dung và mức độ",
    "burndown": "Tiến độ khắc phục tồn tại",
    "submissions": "Nộp báo cáo, phụ lục: đúng hạn, muộn, chưa nộp",
}


def _add_fonts() -> None:
    global _fonts_added
    with _lock:
        if _fonts_added:
            return
        from matplotlib import font_manager

        manager = font_manager.fontManager
        folder = resources.files("inspect_engine.documents").joinpath("fonts")
        before = len(manager.ttflist)
        for name in _FONT_FILES:
            with resources.as_file(folder.joinpath(name)) as path:
                manager.addfont(str(path))
        # Only the bundled faces answer to the name: a machine's own copy (an older release
        # without Vietnamese, or another version's metrics) would change the bytes.
        ours = manager.ttflist[before:]
        manager.ttflist = ours + [f for f in manager.ttflist[:before] if f.name != FONT_FAMILY]
        cast(Any, manager)._findfont_cached.cache_clear()  # found before the fonts were added
        _fonts_added = True


def _rc() -> dict[str, Any]:
    return {
        "font.family": FONT_FAMILY,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "inspect-engine",
        "svg.fonttype": "path",  # glyphs as paths: the page needs no font
        "path.simplify": True,
    }


def render_chart(name: str, data: ChartData, fmt: str, *, titled: bool = True) -> bytes:
    """Chart `name` (one of CHARTS) as PNG or SVG bytes; without its title under a caption
    that says it (the report's "Hình 1. ...")."""
    _add_fonts()
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, _rc())):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _DRAW[name](axes, data)
        if not titled:
            axes.set_title("")
        out = io.BytesIO()
        if fmt == "png":
            figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
        else:
            figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _empty(axes: Any, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)


def _visits(axes: Any, data: ChartData) -> None:
    axes.set_title(TITLES["visits"])
    if not data.weeks:
        _empty(axes, "Chưa có cuộc kiểm tra nào")
        return
    positions = list(range(len(data.weeks)))
    bottom = [0] * len(data.weeks)
    for index, (team, counts) in enumerate(sorted(data.visits.items())):
        colour = TEAM_COLOURS[index % len(TEAM_COLOURS)]
        axes.bar(positions, counts, bottom=bottom, label=team, color=colour, width=0.75)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = max(1, len(positions) // 12)
    axes.set_xticks(positions[::step], [f"{w:%d/%m}" for w in data.weeks][::step])
    axes.set_xlabel("Tuần bắt đầu từ thứ Hai")
    axes.set_ylabel("Số cuộc")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(0, max(bottom) * 1.25)  # room for the legend above the tallest week
    axes.legend(frameon=False, ncols=min(len(data.visits), 4), loc="upper left")


def _findings(axes: Any, data: ChartData) -> None:
    axes.set_title(TITLES["findings"])
    areas = [a for a, counts in data.findings.items() if sum(counts.values())]
    if not areas:
        _empty(axes, "Chưa có tồn tại nào được kết luận")
        return
    areas.reverse()  # the campaign's first area on top
    positions = list(range(len(areas)))
    left = [0] * len(areas)
    for severity, colour in SEVERITY_COLOURS.items():
        counts = [data.findings[a].get(severity, 0) for a in areas]
        axes.barh(positions, counts, left=left, color=colour, label=SEVERITY_LABELS[severity])
        left = [x + c for x, c in zip(left, counts, strict=True)]
    labels = [textwrap.shorten(a, 48, placeholder="…") for a in areas]
    axes.set_yticks(positions, labels)
    axes.set_xlabel("Số tồn tại")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.4, -0.16), ncols=3, fontsize=8)


def _burndown(axes: Any, data: ChartData) -> None:
    axes.set_title(TITLES["burndown"])
    if not data.burndown:
        _empty(axes, "Chưa có kết luận nào yêu cầu khắc phục")
        return
    days = [d for d, _, _ in data.burndown]
    positions = list(range(len(days)))
    axes.fill_between(positions, [o for _, o, _ in data.burndown], color="#9ec3e6", step="post")
    axes.step(positions, [o for _, o, _ in data.burndown], where="post", color="#1f5fa8",
              label="Đang khắc phục")  # fmt: skip
    axes.fill_between(positions, [x for _, _, x in data.burndown], color="#b03a2e", step="post",
                      label="Trong đó quá hạn")  # fmt: skip
    step = max(1, len(days) // 8)
    axes.set_xticks(positions[::step], [f"{d:%d/%m}" for d in days][::step])
    axes.set_ylabel("Số đơn vị")
    axes.set_ylim(0, max(o for _, o, _ in data.burndown) * 1.3 + 1)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False, loc="upper left", ncols=2)


def _submissions(axes: Any, data: ChartData) -> None:
    axes.set_title(TITLES["submissions"])
    kinds = list(data.submissions)
    if not kinds:
        _empty(axes, "Chưa gửi thông báo kiểm tra nào")
        return
    width = 0.8 / len(SUBMISSION_OUTCOMES)
    for index, outcome in enumerate(SUBMISSION_OUTCOMES):
        counts = [data.submissions[k][outcome] for k in kinds]
        positions = [i + (index - 1) * width for i in range(len(kinds))]
        bars = axes.bar(positions, counts, width=width, color=SUBMISSION_COLOURS[outcome],
                        label=SUBMISSION_LABELS[outcome])  # fmt: skip
        axes.bar_label(bars, padding=1, fontsize=8)
    axes.set_xticks(list(range(len(kinds))), kinds)
    axes.set_ylabel("Số đơn vị")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(0, max(max(r.values()) for r in data.submissions.values()) * 1.3 + 1)
    axes.legend(frameon=False, ncols=3, loc="upper right")


_DRAW: dict[str, Callable[[Any, ChartData], None]] = {
    "visits": _visits,
    "findings": _findings,
    "burndown": _burndown,
    "submissions": _submissions,
}
