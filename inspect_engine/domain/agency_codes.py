"""Agency codes (mã định danh điện tử cơ quan, tổ chức), as the document axis addresses agencies.

Decision 20/2020/QĐ-TTg, Article 5 gives the code four groups separated by dots, read right to
left from the top: the level-1 body (a capital letter and two digits: `H` for provinces and
centrally-run cities, `G` for ministries), then two characters for level 2, two for level 3 and
three for level 4, each `0` filled when that level is not used. So a city's People's Committee is
`000.00.00.H26` and one of its departments `000.00.01.H26`. Lower groups may carry capital
letters where the ministry or province ran out of digits, so only the shape is checked here.
"""

from __future__ import annotations

import re

AGENCY_CODE_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$")
EXAMPLE = "000.00.01.H26"


def agency_code_problem(code: str) -> str | None:
    """Why `code` is not an agency code, or None when it is one."""
    if AGENCY_CODE_RE.match(code):
        return None
    return (
        f"agency code {code!r} must be four dot-separated groups like {EXAMPLE} "
        "(3, 2 and 2 digits or capital letters, then a capital letter and 2 digits)"
    )
