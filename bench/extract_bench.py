"""Benchmark extract() on a long PDF.

Run: `.venv/bin/python bench/extract_bench.py` (options: --pages 50 --words 500 --repeat 3).
It writes a PDF of realistic prose with fpdf2: the seed articles' sentences, shuffled with a
fixed seed and set in DejaVu Sans (an embedded TrueType subset, as in most real PDFs; core
Helvetica when the font is not installed), about --words words a page. It prints the PDF's
size and the time extract() takes, the fastest of --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.extraction import extract  # noqa: E402 (needs the path above)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SEED = 20240305


def sentences() -> list[str]:
    """Every sentence of the seed articles."""
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(ROOT.glob("seeds/*.txt")))
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s) > 20]


def build_pdf(pages: int, words_per_page: int) -> bytes:
    """A PDF of `pages` pages of shuffled seed sentences, about `words_per_page` words each."""
    rng = random.Random(SEED)
    pool = sentences()
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    if FONT.exists():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.set_font("DejaVu", size=8)
    else:
        pdf.set_font("Helvetica", size=8)
        # Core fonts only cover Latin-1.
        pool = [s.encode("latin-1", "replace").decode("latin-1") for s in pool]
    pdf.set_title("Extraction benchmark")
    for _ in range(pages):
        pdf.add_page()
        chosen: list[str] = []
        while sum(len(s.split()) for s in chosen) < words_per_page:
            chosen.append(rng.choice(pool))
        pdf.multi_cell(0, 3.6, " ".join(chosen))
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--words", type=int, default=500, help="words a page")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = build_pdf(args.pages, args.words)
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        extracted = extract(data, filename="bench.pdf")
        timings.append(time.perf_counter() - start)
    best = min(timings)
    font = "DejaVu Sans (embedded TrueType)" if FONT.exists() else "Helvetica (core font)"
    print(f"PDF: {args.pages} pages, ~{args.words} words a page, {font}")
    print(f"size: {len(data):,} bytes ({len(data) / 1024:.0f} KiB)")
    print(f"extracted: {len(extracted.text):,} characters, {len(extracted.text.split()):,} words")
    print(
        f"extract(): best of {args.repeat} {best:.3f} s "
        f"({best / args.pages * 1000:.1f} ms a page); all: {', '.join(f'{t:.3f}' for t in timings)}"
    )


if __name__ == "__main__":
    main()
