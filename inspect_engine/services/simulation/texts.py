"""The words the simulated actors write: people's names, findings and remedies by content area,
the reasons a visit moves. Plain data; the choices between them are the actors' (actors.py)."""

from __future__ import annotations

import random

SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Trịnh",
)  # fmt: skip
MALE = (
    ("Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh"),
    ("Hùng", "Dũng", "Tuấn", "Nam", "Long", "Sơn", "Quân", "Hải", "Khánh", "Việt", "Thắng"),
)
FEMALE = (
    ("Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng"),
    ("Hoa", "Lan", "Hương", "Mai", "Hạnh", "Trang", "Thảo", "Linh", "Nga", "Yến", "Phương"),
)

# Who at a unit signs the minutes, by unit kind: its head, then the officer for the reform.
UNIT_POSITIONS = {
    "department": ("Giám đốc Sở", "Chánh Văn phòng Sở"),
    "commune": ("Chủ tịch Ủy ban nhân dân", "Công chức Văn phòng - Thống kê"),
}
OTHER_POSITIONS = ("Thủ trưởng đơn vị", "Công chức phụ trách cải cách hành chính")

SELF_REPORT = "Báo cáo kết quả tự kiểm tra công tác cải cách hành chính năm {year}"
REMEDIATION_REPORT = "Báo cáo kết quả khắc phục tồn tại, hạn chế sau kiểm tra"

# Why a team lead moves an announced visit (told to the unit by a new notice).
MOVE_REASONS = (
    "Đơn vị đề nghị lùi lịch do trùng lịch tiếp công dân định kỳ của lãnh đạo",
    "Lãnh đạo đơn vị đi công tác theo chỉ đạo của Ủy ban nhân dân Thành phố",
    "Trưởng đoàn có lịch công tác đột xuất theo phân công của Giám đốc Sở",
    "Đơn vị đề nghị lùi lịch để chuẩn bị hội nghị sơ kết công tác 9 tháng",
)
NOT_READY = "Đơn vị chưa gửi đủ báo cáo, phụ lục theo Thông báo kiểm tra; lùi ngày làm việc"
MISSED = "Ngày làm việc theo kế hoạch đã qua; hẹn lại ngày làm việc"
REINSPECTION = "Hẹn tái kiểm tra việc khắc phục tồn tại, hạn chế theo Thông báo kết luận {number}"
NO_DAY_LEFT = (
    "Không còn ngày làm việc trống của Đoàn trong thời gian kiểm tra năm {year}; "
    "chuyển sang kế hoạch kiểm tra năm sau"
)

VISIT_NOTES = (
    "Đơn vị báo cáo kết quả thực hiện nhiệm vụ cải cách hành chính năm {year} theo Thông báo "
    "kiểm tra",
    "Đoàn kiểm tra hồ sơ, tài liệu và việc niêm yết thủ tục hành chính tại Bộ phận Một cửa",
)
UNANNOUNCED_NOTES = (
    "Kiểm tra đột xuất, không thông báo trước theo kế hoạch kiểm tra năm {year}",
    "Đoàn kiểm tra hồ sơ, số liệu theo dõi thường xuyên và việc giải quyết thủ tục hành chính "
    "tại Bộ phận Một cửa",
)
REINSPECTION_NOTES = (
    "Đoàn tái kiểm tra việc khắc phục các tồn tại, hạn chế theo Thông báo kết luận {number}",
    "Đơn vị báo cáo kết quả khắc phục kèm hồ sơ, tài liệu chứng minh",
)
REINSPECTION_FAILED = (
    "Đơn vị chưa khắc phục dứt điểm tồn tại đã nêu tại Thông báo kết luận {number}"
)


class AreaTexts:
    """What a team writes about one content area: done well, a shortcoming, the remedy."""

    def __init__(self, done: str, shortcomings: tuple[str, str, str], remedy: str) -> None:
        self.done = done
        self.shortcomings = shortcomings  # minor, major, serious
        self.remedy = remedy


AREAS = {
    "Cải cách thể chế": AreaTexts(
        "Ban hành đầy đủ, kịp thời văn bản triển khai; thực hiện rà soát văn bản theo quy định",
        (
            "Việc rà soát, hệ thống hóa văn bản quy phạm pháp luật còn chậm so với kế hoạch",
            "Chưa kiểm tra, xử lý văn bản sau rà soát; một số văn bản ban hành chưa đúng thể thức",
            "Ban hành văn bản có nội dung trái quy định nhưng chưa được phát hiện, xử lý",
        ),
        "Hoàn thành rà soát, xử lý văn bản theo đúng quy định",
    ),
    "Cải cách thủ tục hành chính": AreaTexts(
        "Công khai đầy đủ thủ tục hành chính; hồ sơ giải quyết đúng và trước hạn",
        (
            "Niêm yết thủ tục hành chính tại Bộ phận Một cửa chưa cập nhật kịp thời",
            "Còn hồ sơ thủ tục hành chính giải quyết quá hạn nhưng chưa xin lỗi người dân",
            "Chưa niêm yết công khai thủ tục hành chính; nhiều hồ sơ quá hạn, yêu cầu thêm giấy tờ",
        ),
        "Niêm yết đầy đủ thủ tục hành chính, giải quyết hồ sơ đúng hạn, xin lỗi khi quá hạn",
    ),
    "Cải cách tổ chức bộ máy hành chính nhà nước": AreaTexts(
        "Sắp xếp tổ chức bộ máy, biên chế đúng quy định và lộ trình",
        (
            "Quy chế làm việc chưa được sửa đổi, bổ sung sau khi sắp xếp tổ chức",
            "Chưa ban hành quy định chức năng, nhiệm vụ của một số bộ phận sau sắp xếp",
            "Bố trí số lượng cấp phó vượt quy định, chưa có phương án giải quyết",
        ),
        "Hoàn thiện quy chế, quy định chức năng nhiệm vụ; bố trí cấp phó đúng quy định",
    ),
    "Cải cách chế độ công vụ": AreaTexts(
        "Quản lý, sử dụng công chức đúng vị trí việc làm; chấp hành kỷ luật, kỷ cương tốt",
        (
            "Việc cập nhật hồ sơ, cơ sở dữ liệu cán bộ, công chức chưa đầy đủ",
            "Bố trí một số công chức chưa phù hợp vị trí việc làm được phê duyệt",
            "Còn công chức vi phạm kỷ luật, kỷ cương hành chính nhưng chưa được xử lý",
        ),
        "Cập nhật hồ sơ, bố trí công chức đúng vị trí việc làm; xử lý vi phạm theo quy định",
    ),
    "Cải cách tài chính công": AreaTexts(
        "Thực hiện công khai ngân sách, quản lý tài sản công đúng quy định",
        (
            "Công khai dự toán, quyết toán ngân sách chưa đúng thời hạn",
            "Quy chế chi tiêu nội bộ chưa được cập nhật theo quy định mới",
            "Sử dụng kinh phí chưa đúng mục đích, chưa thu hồi theo quy định",
        ),
        "Công khai ngân sách đúng hạn, cập nhật quy chế chi tiêu nội bộ, thu hồi khoản chi sai",
    ),
    "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số": AreaTexts(
        "Tiếp nhận, xử lý hồ sơ trực tuyến và văn bản điện tử đạt chỉ tiêu kế hoạch",
        (
            "Tỷ lệ hồ sơ trực tuyến toàn trình còn thấp so với chỉ tiêu",
            "Chưa số hóa kết quả giải quyết thủ tục hành chính theo quy định",
            "Chưa kết nối, đồng bộ dữ liệu hồ sơ lên Hệ thống thông tin giải quyết TTHC",
        ),
        "Nâng tỷ lệ hồ sơ trực tuyến, số hóa kết quả giải quyết và đồng bộ dữ liệu",
    ),
}


def area_texts(area: str) -> AreaTexts:
    """The texts of an area; an area the engine has no words for (a city's own) gets plain ones."""
    found = AREAS.get(area)
    if found is not None:
        return found
    return AreaTexts(
        f"Thực hiện đầy đủ nội dung: {area}",
        (
            f"Việc thực hiện nội dung “{area}” còn chậm so với kế hoạch",
            f"Chưa thực hiện đầy đủ nội dung “{area}” theo kế hoạch",
            f"Không thực hiện nội dung “{area}” theo chỉ đạo, chưa có giải pháp khắc phục",
        ),
        f"Thực hiện đầy đủ, đúng tiến độ nội dung “{area}”",
    )


def person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    middles, givens = rng.choice((MALE, FEMALE))
    return f"{surname} {rng.choice(middles)} {rng.choice(givens)}"
