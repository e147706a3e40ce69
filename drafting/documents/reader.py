"""Open whatever report file a user picks and return its text, or say in Chinese why it cannot be used.

The file's own bytes decide how it is read, not only its name: office staff rename files, and a
"报告.doc" saved by WPS is often really a .docx, while an encrypted .docx is an OLE container.
"""

from pathlib import Path

from drafting.documents.docx import MAX_DOCX_BYTES, read_docx
from drafting.documents.legacy_doc import MAX_LEGACY_BYTES, read_legacy_word
from drafting.documents.ole import has_password, is_ole
from drafting.documents.pdf import MAX_PDF_BYTES, read_pdf, read_pdf_pages
from drafting.documents.text import count_chinese, decode_text, normalise_pasted_text, strip_markdown
from drafting.errors import UserError

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".doc", ".wps")
MAX_TEXT_BYTES = 5 * 1024 * 1024
MIN_CHINESE_CHARACTERS = 50
_SIZE_LIMITS = {
    ".docx": MAX_DOCX_BYTES,
    ".pdf": MAX_PDF_BYTES,
    ".doc": MAX_LEGACY_BYTES,
    ".wps": MAX_LEGACY_BYTES,
}
_ZIP = b"PK\x03\x04"


def read_document(path: Path, as_written: bool = False) -> str:
    """The text of a report file; raises UserError with the reason when it cannot be used. Plain text and
    PDF get full-width marks among Chinese, unless `as_written` (the proofreader must see them as typed)."""
    if not path.exists():
        raise UserError(f"找不到文件：{path}")
    if path.is_dir():
        raise UserError(f"“{path.name}”是文件夹，请选择具体的文件。")
    if not path.is_file():
        raise UserError(f"“{path.name}”不是普通文件（可能是设备或管道），请选择具体的文档。")
    suffix = path.suffix.lower()
    limit = _SIZE_LIMITS.get(suffix, MAX_TEXT_BYTES)
    try:
        if suffix in SUPPORTED_SUFFIXES and path.stat().st_size > limit:
            raise UserError(_too_large(path.name, path.stat().st_size, limit))
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"无法读取“{path.name}”：{exc.strerror or exc}。请检查文件权限，或复制到其他位置后再试。"
        ) from exc
    return read_document_bytes(path.name, data, as_written=as_written)


def read_document_bytes(
    name: str, data: bytes, min_chinese: int = MIN_CHINESE_CHARACTERS, as_written: bool = False
) -> str:
    """Like read_document, for an upload that only exists in memory (a short notice may lower `min_chinese`)."""
    suffix = _checked_upload(name, data)
    return _enough_chinese(name, _tidy(_read_by_content(name, suffix, data, as_written)), min_chinese)


def read_pages_bytes(name: str, data: bytes, min_chinese: int = MIN_CHINESE_CHARACTERS) -> list[str]:
    """Like read_document_bytes, page by page for a PDF (so a material can cite its page); one page else."""
    if _checked_upload(name, data) != ".pdf":
        return [read_document_bytes(name, data, min_chinese)]
    pages = [_tidy(page) for page in read_pdf_pages(name, data)]
    _enough_chinese(name, "".join(pages), min_chinese)
    return pages


def _checked_upload(name: str, data: bytes) -> str:
    """The upload's suffix, once its format, size and content are acceptable."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UserError(
            f"“{name}”的格式不支持：目前只能导入 .txt、.md、.docx、.doc、.wps、.pdf 文件。"
            "其他格式请在原软件中另存为 .docx 或 .pdf。"
        )
    limit = _SIZE_LIMITS.get(suffix, MAX_TEXT_BYTES)
    if len(data) > limit:
        raise UserError(_too_large(name, len(data), limit))
    if not data or data.isspace():
        raise UserError(f"“{name}”是空文件，没有可导入的内容。")
    return suffix


def _enough_chinese(name: str, text: str, min_chinese: int) -> str:
    if count_chinese(text) < min_chinese:
        raise UserError(f"“{name}”里几乎没有中文正文（少于{min_chinese}个汉字），不像是一篇工作总结。")
    return text


def _read_by_content(name: str, suffix: str, data: bytes, as_written: bool = False) -> str:
    if suffix in (".txt", ".md"):
        text = decode_text(name, data)
        return normalise_pasted_text(
            strip_markdown(text) if suffix == ".md" else text, fix_marks=not as_written
        )
    if suffix == ".pdf":
        return read_pdf(name, data, as_written)
    if data.startswith(_ZIP):
        return read_docx(name, data)
    if is_ole(data):
        if has_password(data):
            raise UserError(f"“{name}”设置了打开密码，无法读取。请在 Word 或 WPS 中取消密码后另存，再导入。")
        return read_legacy_word(name, data)
    raise UserError(_not_a_word_file(name, data))


def _not_a_word_file(name: str, data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith(b"{\\rtf"):
        return f"“{name}”其实是 RTF 格式（只是扩展名为 Word），请在 Word 或 WPS 中打开后另存为 .docx 再导入。"
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head:
        return f"“{name}”其实是网页（HTML/MHT）格式，请在 Word 或 WPS 中打开后另存为 .docx 再导入。"
    if head.startswith(b"%pdf-"):
        return f"“{name}”其实是 PDF 文件，请把扩展名改为 .pdf 后再导入。"
    return f"“{name}”不是有效的 Word 文件（.docx/.doc/.wps），可能已损坏或只是改了扩展名。"


def _too_large(name: str, size: int, limit: int) -> str:
    return (
        f"“{name}”有 {size / 1024 / 1024:.1f} MB，超过 {limit // 1024 // 1024} MB 的上限，"
        "请拆分后再导入（Word 文件可先压缩其中的图片）。"
    )


def _tidy(text: str) -> str:
    """One paragraph per block, no stray whitespace or blank paragraphs, '\\n\\n' between them."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    return "\n\n".join(p.strip() for p in lines if p.strip())
