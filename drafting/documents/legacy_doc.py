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
    if "too small" in stderr:  # empty, or a file whose text antiword cannot find (a table alone, often)
        return f"“{name}”里读不出正文（文件是空的，或正文只在表格里），{_SAVE_AS_DOCX}。"
    return f"“{name}”无法读取（文件可能已损坏），{_SAVE_AS_DOCX}。"


def _paragraphs(output: str) -> str:
    """antiword's lines as paragraphs; its table rows |a|b| joined like .docx rows, [pic] dropped."""
    paragraphs = []
    for line in output.split("\n"):
        line = line.strip()
        if not line or line == "[pic]":
            continue
        if row := _TABLE_ROW.match(line):
            line = CELL_SEPARATOR.join(cell.strip() for cell in row.group(1).split("|") if cell.strip())
        paragraphs.append(line)
    return "\n\n".join(paragraphs)
