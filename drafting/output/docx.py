"""Word export following GB/T 9704-2012 body conventions.

A4; margins 37/35/28/26 mm (top/bottom/left/right); title 小标宋 2号 centred; body 仿宋_GB2312 3号 at a
fixed 28 pt line spacing with a two-character first-line indent; 一、 headings in 黑体, （一） in 楷体;
page numbers "— 1 —" in 4号 宋体. Chinese fonts are set through w:eastAsia so Word really uses them.
"""

import io
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from drafting.text.control import strip_control
from drafting.writing.draft import Draft, section_body

TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
SIZE_2, SIZE_3, SIZE_4 = Pt(22), Pt(16), Pt(14)
LINE_SPACING = Pt(28)
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def draft_to_docx(draft: Draft) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _set_style_font(document.styles["Normal"], BODY_FONT, SIZE_3)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, draft.title, TITLE_FONT, SIZE_2)
    _fixed_spacing(title, indent=False)

    numbered = draft.numbered_headings()
    for part in draft.sections:
        if part.key in numbered:
            heading = document.add_paragraph()
            _run(heading, numbered[part.key], HEADING1_FONT, SIZE_3)
            _fixed_spacing(heading)
        text = section_body(part)
        for paragraph_text in [p for p in text.split("\n") if p.strip()]:
            paragraph = document.add_paragraph()
            font = (
                HEADING2_FONT if _SUBHEADING.match(paragraph_text) and len(paragraph_text) < 40 else BODY_FONT
            )
            _run(paragraph, paragraph_text.strip(), font, SIZE_3)
            _fixed_spacing(paragraph)
    _page_numbers(section)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_style_font(style, name: str, size: Pt) -> None:  # noqa: ANN001 - a docx style
    style.font.name = name
    style.font.size = size
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _run(paragraph, text: str, font: str, size: Pt):  # noqa: ANN001, ANN202
    run = paragraph.add_run(
        strip_control(text)
    )  # XML forbids control characters; a stored draft may hold them
    run.font.name = font
    run.font.size = size
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _fixed_spacing(paragraph, indent: bool = True) -> None:  # noqa: ANN001
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 3号


def _page_numbers(section) -> None:  # noqa: ANN001
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", PAGE_FONT, SIZE_4)
    field = _run(footer, "", PAGE_FONT, SIZE_4)._element
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            field.append(char)
        else:
            node = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            if text == " PAGE ":
                node.set(qn("xml:space"), "preserve")
            node.text = text
            field.append(node)
    _run(footer, " —", PAGE_FONT, SIZE_4)
