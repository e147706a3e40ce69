"""Read a user's report file (.txt/.md/.docx) safely, with a Chinese message for anything unusable.

Text files may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030, as Chinese office
PCs still produce. A .docx is checked as a zip before python-docx touches it, so a zip bomb or a
renamed file is refused without being inflated.
"""

import io
import zipfile
from pathlib import Path

from drafting.errors import UserError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DOCX_INFLATED_BYTES = 50 * 1024 * 1024
MAX_DOCX_RATIO = 100
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx")


def read_document(path: Path) -> str:
    """The text of a report file; raises UserError with the reason when it cannot be used."""
    if not path.exists():
        raise UserError(f"找不到文件：{path}")
    if path.is_dir():
        raise UserError(f"“{path.name}”是文件夹，请选择具体的文件。")
    return read_document_bytes(path.name, path.read_bytes())


def read_document_bytes(name: str, data: bytes) -> str:
    """Like read_document, for an upload that only exists in memory."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UserError(f"“{name}”的格式不支持：目前只能导入 .txt、.md、.docx 文件。")
    if len(data) > MAX_FILE_BYTES:
        raise UserError(f"“{name}”有 {len(data) / 1024 / 1024:.1f} MB，超过 5 MB 的上限，请拆分后再导入。")
    if not data.strip():
        raise UserError(f"“{name}”是空文件，没有可导入的内容。")
    text = _read_docx(name, data) if suffix == ".docx" else decode_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < 50:
        raise UserError(f"“{name}”里几乎没有中文正文（少于50个汉字），不像是一篇工作总结。")
    return text


def decode_text(name: str, data: bytes) -> str:
    """Decode text bytes, trying UTF-8/UTF-16 (by BOM) and then GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise UserError(f"“{name}”看起来是二进制文件（如图片、压缩包或可执行文件），不是文本。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
        if controls > max(5, len(text) // 100):
            break
        return text
    raise UserError(f"“{name}”的文字编码无法识别（试过 UTF-8 和 GBK/GB18030），请另存为 UTF-8 文本后再导入。")


def _read_docx(name: str, data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UserError(f"“{name}”不是有效的 Word (.docx) 文件，可能已损坏或只是改了扩展名。") from exc
    with archive:
        infos = archive.infolist()
        inflated = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        if inflated > MAX_DOCX_INFLATED_BYTES or inflated / packed > MAX_DOCX_RATIO:
            raise UserError(f"“{name}”解压后异常巨大（疑似压缩炸弹），为安全起见拒绝导入。")
        if "word/document.xml" not in archive.namelist():
            raise UserError(f"“{name}”不是有效的 Word (.docx) 文件：缺少正文部分。")
    from docx import Document  # imported late: python-docx is slow to import and only needed here

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on malformed XML
        raise UserError(f"“{name}”无法解析（Word 文件内容损坏）。") from exc
    return "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())
