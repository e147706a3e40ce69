"""Word 97–2003 (.doc) and WPS (.wps) files, read by Debian's antiword in a sandboxed child.

Many union offices still keep their yearly reports as .doc. antiword is small, handles Chinese
(UTF-16 text pieces) with its UTF-8 mapping, and prints one paragraph per line with -w 0. It is C
code reading hostile input, so it runs under sandbox limits; its English messages are mapped to
Chinese ones that name the fix.
"""

import re
import shutil
import tempfile
from pathlib import Path

from drafting.documents.docx import CELL_SEPARATOR
from drafting.documents.sandbox import Limits, run_limited
from drafting.documents.text import display_width
from drafting.errors import UserError

MAX_LEGACY_BYTES = 20 * 1024 * 1024
LIMITS = Limits(
    memory_bytes=512 * 1024 * 1024, cpu_seconds=30, wall_seconds=45, output_bytes=32 * 1024 * 1024
)
_SAVE_AS_DOCX = "请在 Word 或 WPS 中打开后另存为 .docx 再导入"
_TABLE_ROW = re.compile(r"^\|(.*)\|$")


def read_legacy_word(name: str, data: bytes) -> str:
    """The paragraphs of a .doc/.wps file, separated by blank lines; UserError when unusable."""
    antiword = shutil.which("antiword")
    if antiword is None:
        raise UserError(
            f"无法读取“{name}”：服务器上没有安装 antiword（读取 .doc/.wps 旧格式所需的程序）。"
            f"请管理员安装（Debian/Ubuntu：apt-get install antiword），或者{_SAVE_AS_DOCX}。"
        )
    with tempfile.TemporaryDirectory(prefix="doc-") as folder:
        source = Path(folder) / "input.doc"
        source.write_bytes(data)
        outcome = run_limited([antiword, "-m", "UTF-8.txt", "-w", "0", str(source)], LIMITS)
    if outcome.killed_for_time:
        raise UserError(f"“{name}”处理超时（文件可能已损坏或过于复杂），{_SAVE_AS_DOCX}。")
    if outcome.killed_for_output:
        raise UserError(f"“{name}”的内容异常庞大，为安全起见停止读取，{_SAVE_AS_DOCX}。")
    if outcome.returncode != 0:
        raise UserError(_explain_failure(name, outcome.stderr))
    return _paragraphs(outcome.stdout.decode("utf-8", "replace"))


def _explain_failure(name: str, stderr: str) -> str:
    if "Encrypted documents" in stderr:
        return f"“{name}”设置了打开密码，无法读取。请在 Word 或 WPS 中取消密码后另存，再导入。"
    if "not a Word Document" in stderr or "does not contain a Word document" in stderr:
        return (
            f"“{name}”不是能识别的 Word 97–2003 文件（可能是早期 WPS 或其他软件的格式，或只是改了扩展名），"
            f"{_SAVE_AS_DOCX}。"
        )
    if "before Word 6" in stderr:
        return f"“{name}”是 Word 6 以前的旧版本文件，无法读取，{_SAVE_AS_DOCX}。"
    if (
        "too small" in stderr
    ):  # empty, a table alone, or a short text (under 20 lines or so, as LibreOffice saves it)
        return (
            f"“{name}”里读不出正文：读取 .doc 的程序（antiword）读不了空的、正文很短（一两百字）或只有表格的文件，"
            f"{_SAVE_AS_DOCX}。"
        )
    return f"“{name}”无法读取（文件可能已损坏），{_SAVE_AS_DOCX}。"


def _paragraphs(output: str) -> str:
    """antiword's lines as paragraphs; its table rows |a|b| joined like .docx rows, [pic] dropped."""
    paragraphs: list[str] = []
    row: _TableRow | None = None  # antiword may go on with it on the next lines
    for line in output.split("\n"):
        line = line.strip()
        cells = match.group(1).split("|") if (match := _TABLE_ROW.match(line)) else None
        if row is not None and cells is not None and row.continued_by(cells):
            row.extend(cells)
            continue
        if row is not None:
            paragraphs.append(row.text())
            row = None
        if cells is not None:
            row = _TableRow(cells)
        elif line and line != "[pic]":
            paragraphs.append(line)
    if row is not None:
        paragraphs.append(row.text())
    return "\n\n".join(paragraphs)


class _TableRow:
    """One row of a table as antiword draws it: each cell padded to its column's width, and a cell too
    long for its column wrapped onto the next line, where the other cells are blank
    (|2 |开展职工技能比武，参赛不少于200|9月| then |  |人  |  |). A line goes on with the row when some of its
    cells are blank and each of the others continues a cell that filled its column."""

    def __init__(self, cells: list[str]) -> None:
        self.widths = [display_width(cell) for cell in cells]
        self.lines = [cell.strip() for cell in cells]  # each cell's last line
        self.cells = list(self.lines)

    def continued_by(self, cells: list[str]) -> bool:
        filled = [index for index, cell in enumerate(cells) if cell.strip()]
        return (
            len(cells) == len(self.cells)
            and 0 < len(filled) < len(cells)
            and all(self.widths[i] - display_width(self.lines[i]) <= _WRAP_SLACK for i in filled)
        )

    def extend(self, cells: list[str]) -> None:
        for index, cell in enumerate(cells):
            if cell := cell.strip():
                self.lines[index] = cell
                self.cells[index] += cell

    def text(self) -> str:
        return CELL_SEPARATOR.join(cell for cell in self.cells if cell)


_WRAP_SLACK = 2  # columns a full cell may leave empty: a wide character that did not fit
