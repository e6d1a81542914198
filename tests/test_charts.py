"""The charts: the same figures draw the same bytes, with the bundled font only; a letter's
figure block survives storage and is drawn in every format."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date

import pypdf
import pytest

from inspect_engine.documents.charts import CHARTS, render_chart
from inspect_engine.domain.documents.letter import Figure, Letter, Paragraph, Run, Signer
from inspect_engine.domain.documents.markup import MarkupError, parse_letter
from inspect_engine.domain.reporting.chart_data import ChartData
from inspect_engine.services.notices.rendering import render

DATA = ChartData(
    (date(2026, 8, 10), date(2026, 8, 17)),
    {"Đoàn 1": (3, 4), "Đoàn 2": (2, 5)},
    {"Cải cách thủ tục hành chính": {"minor": 2, "major": 1, "serious": 1}},
    ((date(2026, 8, 20), 2, 0), (date(2026, 8, 21), 3, 1)),
    {"Xã, phường, đặc khu": {"on_time": 10, "late": 3, "missing": 2}},
)


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_is_the_same_bytes_every_time(name: str) -> None:
    png, svg = render_chart(name, DATA, "png"), render_chart(name, DATA, "svg")
    assert png.startswith(b"\x89PNG") and png == render_chart(name, DATA, "png")
    assert svg == render_chart(name, DATA, "svg")
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in png


def test_every_word_is_drawn_with_the_bundled_font(recwarn: pytest.WarningsRecorder) -> None:
    from matplotlib import font_manager

    render_chart("findings", DATA, "png")
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    path = font_manager.findfont("Liberation Sans")
    assert path.endswith("inspect_engine/documents/fonts/LiberationSans-Regular.ttf")


def test_a_figure_survives_storage_and_is_drawn_in_every_format() -> None:
    image = base64.b64encode(render_chart("visits", DATA, "png")).decode()
    markup = (
        f'<letter><summary>Báo cáo</summary><p>Số liệu</p><figure image="{image}" '
        'caption="Hình 1. Số cuộc kiểm tra" width="0.8"/>'
        '<signer title="GIÁM ĐỐC" name="A"/></letter>'
    )
    parts = parse_letter(markup)
    assert parts.blocks[1] == Figure(image, "Hình 1. Số cuộc kiểm tra", 0.8)
    letter = Letter(
        "bao-cao-ket-qua-kiem-tra", "notice", "UBND", "SỞ NỘI VỤ", "Số: 01/BC-SNV", "Hà Nội",
        "BÁO CÁO", "Báo cáo", (Paragraph((Run("Số liệu"),)), parts.blocks[1]),
        (Signer("GIÁM ĐỐC", "A"),),
    )  # fmt: skip
    assert Letter.from_json(letter.to_json()) == letter
    with zipfile.ZipFile(io.BytesIO(render(letter, "docx"))) as docx:
        assert "word/media/image1.png" in docx.namelist()
        assert "Hình 1. Số cuộc kiểm tra" in docx.read("word/document.xml").decode()
    pdf = pypdf.PdfReader(io.BytesIO(render(letter, "pdf")))
    assert len(pdf.pages[0].images) == 1 and "Hình 1." in pdf.pages[0].extract_text()
    html = render(letter, "html").decode()
    assert f'src="data:image/png;base64,{image}"' in html and "<figcaption>Hình 1." in html


@pytest.mark.parametrize(
    ("figure", "problem"),
    [
        ('<figure image="bm90IGEgcG5n"/>', "must be a PNG image in base64"),
        ('<figure image="{png}" width="2"/>', "a share of the text width"),
        ('<figure image="{png}" alt="x"/>', "<figure> has no attribute 'alt'"),
    ],
)
def test_a_bad_figure_names_its_line(figure: str, problem: str) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n0000").decode()
    signer = '<signer title="T" name="N"/>'
    markup = f"<letter><summary>S</summary>\n{figure.format(png=png)}{signer}</letter>"
    with pytest.raises(MarkupError) as caught:
        parse_letter(markup)
    assert problem in str(caught.value) and caught.value.line == 2
