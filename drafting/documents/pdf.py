"""Text PDFs (reports exported from Word/WPS, or printed to PDF) read safely.

pypdf runs in a sandboxed child (pdf_worker.py) because a hostile PDF can ask for huge page
trees, deep object nesting or endless content streams; the parent only sees JSON or a killed
child, and turns each outcome into a Chinese message. The page text then loses its page numbers
and running headers and gets its wrapped lines rejoined into paragraphs.
"""

import json
import re
import sys
import tempfile
from pathlib import Path

from drafting.documents.pdf_pages import lines_by_page, page_lines
from drafting.documents.sandbox import Limits, run_limited
from drafting.documents.text import count_chinese, normalise_pasted_text
from drafting.errors import UserError

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PAGES = 300
LIMITS = Limits(
    memory_bytes=1024 * 1024 * 1024, cpu_seconds=60, wall_seconds=90, output_bytes=32 * 1024 * 1024
)
_WORKER = Path(__file__).with_name("pdf_worker.py")
_SCAN_MIN_CHINESE = 50
# Text extraction puts a space between Chinese and Latin runs ("工会 2024 年", "186 人次") that the
# document does not have; applied after radicals such as ⼯ are mapped back to 工.
_EXTRACTION_GAP = re.compile(
    r"(?<=[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e])[ \u00a0]+(?=[0-9A-Za-z])"
    r"|(?<=[0-9A-Za-z%])[ \u00a0]+(?=[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e])"
)


def read_pdf(name: str, data: bytes, as_written: bool = False) -> str:
    """The paragraphs of a text PDF, separated by blank lines; UserError when it cannot be used.
    `as_written` keeps half-width marks among Chinese as they are (for proofreading)."""
    return _text(name, page_lines(_read_pages(name, data)), as_written=as_written)


def read_pdf_pages(name: str, data: bytes) -> list[str]:
    """Each page's paragraphs (a paragraph running over a page break is cut there), for citing pages."""
    return [_text(name, lines, check_empty=False) for lines in lines_by_page(_read_pages(name, data))]


def _read_pages(name: str, data: bytes) -> list[str]:
    """The raw text of each page; UserError for a file that is no PDF or a scan with no text layer."""
    if b"%PDF-" not in data[:1024]:
        raise UserError(f"“{name}”不是有效的 PDF 文件，可能已损坏或只是改了扩展名。")
    result = _extract(name, data)
    pages: list[str] = result["pages"]
    little_text = count_chinese("".join(page_lines(pages))) < _SCAN_MIN_CHINESE
    if little_text and result.get("looped_pages"):
        raise UserError(
            f"“{name}”的页面结构有循环引用（图形对象引用了它自己），文件可能已损坏或被恶意构造，读不出文字。"
            "请重新导出 PDF，或提供 Word 版本。"
        )
    if little_text and result.get("image_pages"):
        raise UserError(
            f"“{name}”是扫描件（页面只有图片，没有文字层），无法直接读取文字。"
            "请先用 WPS/Adobe 等软件做文字识别（OCR），或提供 Word 版本。"
        )
    return pages


def _text(name: str, lines: list[str], check_empty: bool = True, as_written: bool = False) -> str:
    text = _EXTRACTION_GAP.sub("", normalise_pasted_text("\n".join(lines), fix_marks=not as_written))
    if check_empty and not text.strip():
        raise UserError(f"“{name}”里没有可提取的文字，请提供 Word 版本。")
    return text


def _extract(name: str, data: bytes) -> dict:
    with tempfile.TemporaryDirectory(prefix="pdf-") as folder:
        source = Path(folder) / "input.pdf"
        source.write_bytes(data)
        outcome = run_limited([sys.executable, "-I", str(_WORKER), str(source), str(MAX_PAGES)], LIMITS)
    if outcome.killed_for_time:
        raise UserError(f"“{name}”处理超时（PDF 可能已损坏或结构异常复杂），请提供 Word 版本或重新导出 PDF。")
    if outcome.killed_for_output:
        raise UserError(f"“{name}”提取出的文字异常庞大，为安全起见停止读取，请提供 Word 版本。")
    try:
        result = json.loads(outcome.stdout.decode("utf-8"))
    except ValueError:
        result = {"error": "memory" if "MemoryError" in outcome.stderr else "corrupt"}
    error = result.get("error")
    if error == "password":
        raise UserError(f"“{name}”设置了打开密码，无法读取。请取消密码后重新导出 PDF，或提供 Word 版本。")
    if error == "cipher":
        raise UserError(
            f"“{name}”使用了不支持的加密方式，无法读取。请取消加密后重新导出 PDF，或提供 Word 版本。"
        )
    if error == "pages":
        raise UserError(
            f"“{name}”有 {result.get('count')} 页，超过 {MAX_PAGES} 页的上限，请只导出总结部分再导入。"
        )
    if error == "memory":
        raise UserError(f"“{name}”读取时占用内存过多（PDF 结构异常），为安全起见停止读取，请提供 Word 版本。")
    if error or not isinstance(result.get("pages"), list):
        raise UserError(f"“{name}”无法解析（PDF 文件已损坏或格式异常），请重新导出 PDF 或提供 Word 版本。")
    return result
