"""What signing costs: PDFs per second rendered unsigned and rendered and signed (the signer's
and the organisation's PAdES signatures with their marks), on one core.

The document is the layout tests' Thông báo with two appendices (tests/letters.py
`announcement()`), signed with the demo's certificates (made in a temporary folder). Each
figure is the best of `--rounds` rounds of `--count` PDFs, after one warm-up PDF (fonts,
keys, the seal and signature pictures made once per process).

Run: .venv/bin/python bench/signing.py [--count N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_engine.documents.pdf_layout import render_pdf
from inspect_engine.domain.campaign.model import Issuer
from inspect_engine.services.notices.rendering import render
from inspect_engine.services.signing.demo import ensure_demo_signing
from inspect_engine.services.signing.prepare import prepare
from tests.letters import announcement

ISSUER = Issuer(
    parent_body="UBND thành phố Hà Nội",
    body="Sở Nội vụ",
    body_code="SNV",
    place="Hà Nội",
    signer_title="Phó Giám đốc",
    signer_name="Nguyễn Văn An",
    signer_authority="KT. GIÁM ĐỐC",
)


def _rate(work: object, count: int, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            work()  # type: ignore[operator]
        best = max(best, count / (time.perf_counter() - started))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20, help="PDFs per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    letter = announcement()
    at = datetime(2026, 8, 5, 3, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        config = ensure_demo_signing(Path(folder), ISSUER, now=at)
        request = prepare(config, at).request(letter.to_json())
        started = time.perf_counter()
        size = len(render(letter, "pdf", request))
        first = (time.perf_counter() - started) * 1000
        print(f"first signed PDF in a process (keys, pictures): {first:.0f} ms, {size:,} B")
        unsigned = _rate(lambda: render_pdf(letter), args.count, args.rounds)
        signed = _rate(lambda: render(letter, "pdf", request), args.count, args.rounds)
    print(f"1 process: {unsigned:.1f} PDFs/s unsigned, {signed:.1f} PDFs/s signed")
    print(f"signing adds {(1 / signed - 1 / unsigned) * 1000:.0f} ms per PDF")
    load = os.getloadavg()[0]
    print(f"load average while measuring: {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
