"""The materials figures `drafting bench` prints: recall of stated values, source precision, conflicts
found, and extraction throughput (ledger rows/s, printed PDF pages/s), with peak memory of a child.

Materials are built on the spot (samples.py); the PDF is printed by Chromium when it is installed.
"""

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drafting.materials.extract import Material, extract
from drafting.materials.model import Extraction
from drafting.materials.samples import (
    STATED_VALUES,
    briefing_docx,
    half_year_gbk,
    large_ledger_xlsx,
    ledger_xlsx,
    printed_html,
)
from drafting.materials.values import amounts

CHROMIUM = Path("/usr/bin/chromium")
LEDGER_ROWS = 100_000
PDF_COPIES = 40  # the sample page repeated: about 8 printed pages
EXPECTED_CONFLICTS = 2  # 17户 vs 18户 in the prose, and the ledger's 17 vs the half-year's 18
_CHILD = (
    "import asyncio, resource, sys, time\n"
    "from drafting.materials.extract import Material, Throughput, extract\n"
    "counted = Throughput()\n"
    "started = time.perf_counter()\n"
    "asyncio.run(extract([Material(sys.argv[1], open(sys.argv[1], 'rb').read())], throughput=counted))\n"
    "print(counted.rows, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)


def materials_benchmark_lines() -> None:
    samples = {
        "简报第3期.docx": briefing_docx(),
        "半年报.txt": half_year_gbk(),
        "慰问台账.xlsx": ledger_xlsx(),
    }
    extraction, _ = asyncio.run(extract([Material(name, data) for name, data in samples.items()]))
    found, stated = recall(extraction)
    checked, supported = source_precision(extraction)
    print(
        f"\nmaterials (a 简报 .docx, a GBK .txt, a 台账 .xlsx): recall of stated values {found}/{stated} "
        f"({found / stated:.0%}); source precision {supported}/{checked} ({supported / max(checked, 1):.0%}); "
        f"conflicts found {len(extraction.conflicts)} of {EXPECTED_CONFLICTS} planted"
    )
    with tempfile.TemporaryDirectory(prefix="drafting-materials-") as folder:
        ledger = Path(folder) / "会员台账.xlsx"
        large_ledger_xlsx(ledger, LEDGER_ROWS)
        rows, seconds, peak_kb = subprocess.run(
            [sys.executable, "-c", _CHILD, str(ledger)],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        ).stdout.split()
        print(
            f"  ledger of {int(rows):,} rows ({ledger.stat().st_size / 1024 / 1024:.1f} MB): "
            f"{int(rows) / float(seconds):,.0f} rows/s, peak memory of the child {int(peak_kb) / 1024:.0f} MB"
        )
        print(f"  {_pdf_throughput(Path(folder))}")


def recall(extraction: Extraction) -> tuple[int, int]:
    """How many of the values each sample states appear among the values of facts sourced from it."""
    found = stated = 0
    for name, values in STATED_VALUES.items():
        extracted = {v for f in extraction.facts if any(s.file == name for s in f.sources) for v in f.values}
        extracted_amounts = {a for v in extracted for a in amounts(v)}
        for value in values:
            stated += 1
            found += value in extracted or bool(set(amounts(value)) & extracted_amounts)
    return found, stated


def source_precision(extraction: Extraction) -> tuple[int, int]:
    """Values of non-computed facts that occur verbatim in one of the fact's excerpts."""
    checked = supported = 0
    for fact in extraction.facts:
        if fact.computed is None:
            excerpts = "".join(s.excerpt for s in fact.sources)
            checked += len(fact.values)
            supported += sum(value in excerpts for value in fact.values)
    return checked, supported


def _pdf_throughput(folder: Path) -> str:
    if not CHROMIUM.exists():
        return "printed PDF: not measured (no /usr/bin/chromium)"
    page = folder / "page.html"
    body = printed_html().split("<body>")[1].split("</body>")[0]
    page.write_text(printed_html().replace(body, body * PDF_COPIES), encoding="utf-8")
    target = folder / "printed.pdf"
    subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", f"--user-data-dir={folder / 'profile'}",
            "--no-pdf-header-footer", f"--print-to-pdf={target}", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    from pypdf import PdfReader

    pages = len(PdfReader(target).pages)
    started = time.perf_counter()
    asyncio.run(extract([Material(target.name, target.read_bytes())]))
    return f"printed PDF of {pages} pages: {pages / (time.perf_counter() - started):.1f} pages/s"
