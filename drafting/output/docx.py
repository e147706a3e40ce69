"""Word export following GB/T 9704-2012 body conventions.

A4; margins 37/35/28/26 mm (top/bottom/left/right); title 小标宋 2号 centred; body 仿宋_GB2312 3号 at a
fixed 28 pt line spacing with a two-character first-line indent; 一、 headings in 黑体, （一） in 楷体;
page numbers "— 1 —" in 4号 宋体. Chinese fonts are set through w:eastAsia so Word really uses them.
Each section's first paragraph carries a hidden bookmark, so an edited file maps back to its sections.
"""

import io
import re
from collections.abc import Iterator

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from drafting.checks.findings import section_findings
from drafting.output.comments import comment_on_paragraph
from drafting.output.identity import ExportIdentity, add_identity
from drafting.output.template import open_template, template_style
from drafting.text.control import strip_control
from drafting.writing.draft import Draft, section_body, signers

TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
SIZE_2, SIZE_3, SIZE_4 = Pt(22), Pt(16), Pt(14)
LINE_SPACING = Pt(28)
TITLE_BOOKMARK, END_BOOKMARK = "_drafting_title", "_drafting_end"  # the draft's first and last paragraph
AFTER_BOOKMARK = "_drafting_after"  # what follows the 落款 (a template's 版记, the 附件): the 落款 ends there
SUBHEADING_CHARS = 40
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def draft_to_docx(
    draft: Draft,
    identity: ExportIdentity | None = None,
    comments: bool = False,
    template: bytes | None = None,
    evidence: bool = False,
) -> bytes:
    """The draft as a Word file: GB/T 9704 layout, or the unit's own template when one is given.

    `identity` goes into the custom properties (for `drafting reimport`); `comments` writes every open
    finding as a Word comment on the words it is about; `evidence` appends 附件：事实依据表 (each figure's
    fact and source).
    """
    document, placeholder = open_template(template) if template else _gbt_document()
    writer = _Writer(document, placeholder, uses_template=template is not None)
    add_bookmark(writer.paragraph(draft.title, "title"), TITLE_BOOKMARK, 1)
    numbered = draft.numbered_headings()
    last = None
    for index, part in enumerate(draft.sections):
        findings = section_findings(part, draft.facts) if comments else []
        heading = writer.paragraph(numbered[part.key], "heading") if part.key in numbered else None
        if heading is not None:
            comment_on_paragraph(document, heading, 0, findings, home=True)
        home = heading
        lines = list(_lines(section_body(part)))
        items = [text for _, text in lines if _SUBHEADING.match(text)]
        # （一）… are 楷体 headings when every one of them is a short title; when one is a whole item of
        # text, they are all body text, so a list is never half 楷体 and half 仿宋
        headed = all(len(text) < SUBHEADING_CHARS for text in items)
        for offset, paragraph_text in lines:
            kind = "subheading" if headed and _SUBHEADING.match(paragraph_text) else "body"
            last = writer.paragraph(paragraph_text, kind)
            comment_on_paragraph(document, last, offset, findings, home=home is None)
            home = home or last
        if home is not None:
            add_bookmark(home, bookmark_name(part.key), 10 + index)
        last = last or heading
    if last is not None:
        add_bookmark(last, END_BOOKMARK, 2)
    signed = None if draft.unsigned else _signature(writer, draft)
    if evidence:  # after the text and before a template's 版记, which stays the document's last part
        from drafting.output.evidence import append_evidence, evidence_rows

        append_evidence(document, evidence_rows(draft), before=placeholder)
    writer.finish()
    if (signed_or_last := last if signed is None else signed) is not None:
        _mark_what_follows(signed_or_last)
    if identity is not None:
        add_identity(document, identity)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _gbt_document() -> tuple[WordDocument, Paragraph]:
    """A blank A4 document set up as GB/T 9704, with an empty paragraph marking where the text goes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _set_style_font(document.styles["Normal"], BODY_FONT, SIZE_3)
    _page_numbers(section)
    return document, document.add_paragraph()


class _Writer:
    """Puts the draft's paragraphs before the placeholder, each styled by the template or by GB/T 9704."""

    _GBT = {
        "title": (TITLE_FONT, SIZE_2, False),
        "heading": (HEADING1_FONT, SIZE_3, True),
        "subheading": (HEADING2_FONT, SIZE_3, True),
        "body": (BODY_FONT, SIZE_3, True),
        "signature": (BODY_FONT, SIZE_3, False),
    }

    def __init__(self, document: WordDocument, placeholder: Paragraph, uses_template: bool):
        self.placeholder = placeholder
        self.styles = {kind: template_style(document, kind) if uses_template else None for kind in self._GBT}

    def paragraph(self, text: str, kind: str) -> Paragraph:
        text = strip_control(text)  # XML forbids control characters; a stored draft may hold them
        paragraph = self.placeholder.insert_paragraph_before()
        style = self.styles[kind]
        if style:
            paragraph.style = style
            paragraph.add_run(text)
            return paragraph
        font, size, indent = self._GBT[kind]
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text, font, size)
        _fixed_spacing(paragraph, indent=indent)
        return paragraph

    def finish(self) -> None:
        element = self.placeholder._element
        element.getparent().remove(element)


def _signature(writer: _Writer, draft: Draft) -> Paragraph:
    """落款 after the text, as GB/T 9704 places it: the date (成文日期, Arabic numerals) four characters
    from the right margin, the unit's name centred above it (a joint 落款's units one under another).
    The draft's date and the unit's name stand until a reviewer corrects them in Word: a re-import reads
    the lines after END_BOOKMARK and keeps them in the draft (Draft.signed_by, signed_on), or, when the
    reviewer deleted them, writes no 落款 again (Draft.unsigned). Returns the date's paragraph."""
    organization, date = draft.signature()
    writer.paragraph("", "signature")
    names = signers(organization)
    lines = [(writer.paragraph(name, "signature"), name) for name in names]
    dated = writer.paragraph(date, "signature")
    date_width = _width(date)
    for paragraph, text in [*lines, (dated, date)]:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.first_line_indent = None
        paragraph.paragraph_format.right_indent = Pt(
            max(0.0, 4 + (date_width - _width(text)) / 2) * SIZE_3.pt
        )
    return dated


def _mark_what_follows(paragraph: Paragraph) -> None:
    """A hidden bookmark on the first paragraph after the 落款 (or after the text, when there is no 落款):
    a template's 版记 or the 附件. What stands between END_BOOKMARK and it is the 落款, so a re-import
    tells a 落款 the reviewer deleted from one it cannot read."""
    following = paragraph._element.getnext()
    while following is not None and following.tag not in (qn("w:p"), qn("w:tbl")):
        following = following.getnext()
    if following is not None and following.tag == qn("w:tbl"):
        following = following.find(f".//{qn('w:p')}")  # a 版记 laid out as a table: its first cell
    if following is not None:
        add_bookmark(Paragraph(following, paragraph._parent), AFTER_BOOKMARK, 3)


def _width(text: str) -> float:
    """In characters of the body size: a digit is half as wide as a Chinese character."""
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Each non-blank line, stripped, with where it starts in the text (comments are placed by offset)."""
    at = 0
    for line in text.split("\n"):
        if line.strip():
            yield at + len(line) - len(line.lstrip()), line.strip()
        at += len(line) + 1


def bookmark_name(key: str) -> str:
    """The hidden bookmark on a section's first paragraph, by which a re-imported file is mapped back.

    Word allows letters, digits and underscores (a leading underscore hides it), up to 40 characters.
    """
    return ("_drafting_" + re.sub(r"\W", "_", key, flags=re.ASCII))[:40]


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(bookmark_id))
    properties = paragraph._element.pPr
    if properties is not None:
        properties.addnext(start)
    else:
        paragraph._element.insert(0, start)
    paragraph._element.append(end)


def _set_style_font(style, name: str, size: Pt) -> None:  # noqa: ANN001 - a docx style
    style.font.name = name
    style.font.size = size
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _run(paragraph, text: str, font: str, size: Pt):  # noqa: ANN001, ANN202
    run = paragraph.add_run(text)
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
