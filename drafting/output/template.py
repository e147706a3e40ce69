"""A unit's own Word template: its 红头, 版记, margins, header and footer, with the draft put in its place.

The template marks where the draft goes with a paragraph reading only PLACEHOLDER; everything before it
(the 红头) and after it (the 版记) is kept as the unit made it, and so are its page setup, headers and
footers. A template may also define paragraph styles named in STYLE_NAMES: the export then uses them
instead of the GB/T 9704 formatting for that kind of paragraph.
"""

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from drafting.documents.wordpackage import WordPackage
from drafting.errors import UserError

PLACEHOLDER = "{{正文}}"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
STYLE_NAMES = {
    "title": "公文标题",
    "heading": "一级标题",
    "subheading": "二级标题",
    "body": "公文正文",
    "signature": "落款",
}


def check_template(name: str, data: bytes) -> None:
    """Refuse, in Chinese, a template the export could not use, before it is stored."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise UserError(
            f"模板“{name}”超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB，请删去其中的图片等大文件后再上传。"
        )
    WordPackage(name, data)  # not a .docx, macro-enabled, damaged or hostile: refused with its reason
    document, _ = open_template(data, name)
    marked = sum(
        PLACEHOLDER in "".join(t.text or "" for t in p.iter(qn("w:t")))
        for p in document.element.body.iter(qn("w:p"))
    )
    if marked > 1:  # the text goes to the first; the others would be exported as they are
        raise UserError(
            f"模板“{name}”里有 {marked} 处“{PLACEHOLDER}”，正文只能放在一处：请只留一段“{PLACEHOLDER}”，保存后再上传。"
        )


def open_template(data: bytes, name: str = "单位模板") -> tuple[WordDocument, Paragraph]:
    """The template as a document and its placeholder paragraph, where the draft's paragraphs go."""
    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on a file it cannot open
        raise UserError(f"模板“{name}”无法打开，请在 Word 或 WPS 中另存为 .docx 后再上传。") from error
    for paragraph in document.paragraphs:
        if paragraph.text.strip() == PLACEHOLDER:
            return document, paragraph
    raise UserError(
        f"模板“{name}”里没有正文位置：请在模板中要放正文的地方单独写一段“{PLACEHOLDER}”（红头在它之前，"
        "版记在它之后），保存后再上传。"
    )


def template_style(document: WordDocument, kind: str) -> str | None:
    """The template's own style for this kind of paragraph, if it defines one."""
    wanted = STYLE_NAMES[kind]
    return next((style.name for style in document.styles if style.name == wanted), None)
