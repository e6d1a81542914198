"""Letters built by hand, for the layout tests: every part a layout must draw, with full
Vietnamese diacritics (NFC). The letters the engine issues come from notices/ templates."""

from __future__ import annotations

from inspect_engine.domain.documents.letter import (
    AppendixPage,
    Letter,
    Paragraph,
    Run,
    Signer,
    Table,
)


def p(text: str, style: str = "body") -> Paragraph:
    return Paragraph((Run(text),), style)  # type: ignore[arg-type]


def announcement(*, form: str = "notice", appendices: int = 2, paragraphs: int = 6) -> Letter:
    """A Thông báo kiểm tra (or, with form="letter", a Công văn) long enough for two pages."""
    blocks = [
        p(
            "Căn cứ Kế hoạch số 210/KH-UBND ngày 27/7/2026 của UBND Thành phố về kiểm tra công tác "
            "cải cách hành chính năm 2026;",
            "basis",
        ),
        p(
            "Căn cứ Quyết định số 01/QĐ-SNV ngày 27/7/2026 của Sở Nội vụ về việc thành lập Đoàn "
            "kiểm tra công tác cải cách hành chính năm 2026.",
            "basis",
        ),
        p(
            "Sở Nội vụ thông báo kế hoạch kiểm tra công tác cải cách hành chính năm 2026 tại Sở Tư "
            "pháp như sau:"
        ),
        p("1. Thời gian, địa điểm", "heading"),
        p("- Thời gian: 08 giờ 00, thứ Ba, ngày 18/8/2026.", "item"),
        p("- Địa điểm: trụ sở Sở Tư pháp, số 1B Trần Phú, phường Hà Đông.", "item"),
        Paragraph(
            (
                Run("Đề nghị đơn vị gửi báo cáo và phụ lục "),
                Run("trước ngày 13/8/2026", bold=True),
                Run(" qua "),
                Run("Hệ thống quản lý văn bản", italic=True),
                Run("."),
            ),
        ),
    ]
    blocks += [
        p(
            "Nội dung kiểm tra tập trung vào việc thực hiện các nhiệm vụ cải cách thể chế, "
            "cải cách thủ tục hành chính, cải cách tổ chức bộ máy hành chính nhà nước, "
            "cải cách chế độ công vụ, cải cách tài chính công, xây dựng và phát triển "
            "Chính phủ điện tử, Chính phủ số; "
            f"đoạn thứ {i + 1} kéo dài để văn bản sang trang thứ hai."
        )
        for i in range(paragraphs)
    ]
    table = Table(
        (
            ("STT", "Nội dung", "Kế hoạch", "Đã thực hiện", "Ghi chú"),
            ("1", "Cải cách thể chế", "", "", ""),
            ("2", "Cải cách thủ tục hành chính", "", "", ""),
        ),
        (1, 6, 2, 2, 2),
    )
    pages = tuple(
        AppendixPage(
            label=f"Phụ lục {'I' * (i + 1)}",
            caption="(Kèm theo Thông báo số 05/TB-SNV ngày 05 tháng 8 năm 2026 của Sở Nội vụ)",
            title="BÁO CÁO SỐ LIỆU KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
            blocks=(
                p("Đơn vị: Sở Tư pháp", "center"),
                table,
                p("Ghi chú: số liệu đến ngày báo cáo.", "note"),
            ),
        )
        for i in range(appendices)
    )
    letter_form = form == "letter"
    return Letter(
        kind="cong-van-kiem-tra" if letter_form else "thong-bao-kiem-tra",
        form="letter" if letter_form else "notice",
        parent_body="UBND THÀNH PHỐ HÀ NỘI",
        body="SỞ NỘI VỤ",
        number="Số: 12/SNV-CCHC" if letter_form else "Số: 05/TB-SNV",
        place_date="Hà Nội, ngày 05 tháng 8 năm 2026",
        type_name="" if letter_form else "THÔNG BÁO",
        summary="Kiểm tra công tác cải cách hành chính năm 2026 tại Sở Tư pháp",
        blocks=tuple(blocks),
        signers=(Signer(title="PHÓ GIÁM ĐỐC", name="Nguyễn Văn An", authority="KT. GIÁM ĐỐC"),),
        recipients=(
            "Như trên;",
            "Giám đốc Sở (để b/c);",
            "Thành viên Đoàn kiểm tra;",
            "Lưu: VT, CCHC.",
        ),
        addressees=("Sở Tư pháp",) if letter_form else (),
        appendices=pages,
    )


def minutes() -> Letter:
    """A Biên bản: two signature boxes side by side, no Nơi nhận."""
    base = announcement(appendices=0, paragraphs=1)
    return Letter(
        kind="bien-ban-kiem-tra",
        form="notice",
        parent_body="SỞ NỘI VỤ",
        body="ĐOÀN KIỂM TRA CCHC SỐ 1",
        number="Số: 01/BB-ĐKT",
        place_date="Hà Nội, ngày 18 tháng 8 năm 2026",
        type_name="BIÊN BẢN",
        summary="Kiểm tra công tác cải cách hành chính năm 2026 tại Sở Tư pháp",
        blocks=base.blocks,
        signers=(
            Signer(title="ĐẠI DIỆN SỞ TƯ PHÁP", name="Lê Minh Tuấn"),
            Signer(title="TRƯỞNG ĐOÀN KIỂM TRA", name="Trần Thị Bình"),
        ),
    )
