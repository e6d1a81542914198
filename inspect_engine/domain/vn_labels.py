"""The short Vietnamese names the pages (the board, a case's timeline) give states, deadlines
and roles; a definition's own labels are the long form."""

from __future__ import annotations

STATE_NAMES = {
    "planned": "Đã lên kế hoạch",
    "announced": "Đã thông báo",
    "submission_late": "Quá hạn nộp",
    "submitted": "Đã nộp đủ",
    "visited": "Đã làm việc",
    "findings_drafted": "Dự thảo kết quả",
    "remediation": "Đang khắc phục",
    "reinspection": "Chờ tái kiểm tra",
    "closed": "Đã kết thúc",
    "cancelled": "Đã hủy",
}
DEADLINE_NAMES = {
    "submission_due": "Hạn nộp báo cáo, phụ lục",
    "visit": "Ngày làm việc tại đơn vị",
    "remediation_report_due": "Hạn báo cáo khắc phục",
    "reinspection_visit": "Ngày tái kiểm tra",
    "evidence_due": "Hạn nộp hồ sơ",
}
ROLE_NAMES = {
    "team_lead": "Trưởng đoàn",
    "inspector": "Thành viên đoàn kiểm tra",
    "unit": "Đơn vị được kiểm tra",
    "signer": "Người ký ban hành",
    "auditor": "Kiểm toán",
    "system": "Hệ thống",
}
SEVERITY_NAMES = {
    "none": "Không có tồn tại",
    "minor": "Tồn tại nhỏ",
    "major": "Tồn tại lớn",
    "serious": "Tồn tại nghiêm trọng",
}
