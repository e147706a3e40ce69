"""Read a .docx as the text a person sees on the page, with Word's automatic numbering typed out.

document.xml is parsed here rather than through python-docx, because python-docx drops the
automatic numbers, tables' place in the text, text boxes and tracked changes, and parses with
entity resolution on. The XML parser refuses DTDs (no entity expansion, no network, no huge
trees) and every zip member is inflated through SafeZip. The body is streamed element by element
so a long document never sits in memory as one tree. Headers, footers, comments and footnotes
live in other parts and are never opened; deleted text (w:del) is skipped, insertions kept.
"""

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO

from lxml import etree

from drafting.documents.numbering import Numbering, W, level_number, val
from drafting.documents.safezip import BadArchive, SafeZip, ZipBomb
from drafting.documents.styles import Styles
from drafting.errors import UserError

MAX_DOCX_BYTES = 30 * 1024 * 1024  # photos make real reports large; only the XML is ever inflated
CELL_SEPARATOR = "｜"

_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SKIPPED = {
    f"{W}{tag}"
    for tag in (
        "pPr rPr del moveFrom delText delInstrText instrText fldChar commentReference footnoteReference "
        "endnoteReference annotationRef footnoteRef endnoteRef separator continuationSeparator "
        "bookmarkStart bookmarkEnd commentRangeStart commentRangeEnd proofErr lastRenderedPageBreak "
        "tblPr tblGrid trPr tcPr sectPr"
    ).split()
}
_TEXT_BOX = f"{W}txbxContent"
_P, _P_PR, _P_STYLE, _NUM_PR, _NUM_ID, _ILVL = (
    f"{W}{tag}" for tag in ("p", "pPr", "pStyle", "numPr", "numId", "ilvl")
)
_OFF = ("0", "false", "off")


class _UnsafeXml(Exception):
    """The XML declares a DTD or entities."""


def read_docx(name: str, data: bytes) -> str:
    """The paragraphs of a .docx, separated by blank lines; UserError when the file cannot be used."""
    with explained_failures(name):
        return "\n\n".join(_paragraphs(SafeZip(data)))


@contextmanager
def explained_failures(name: str) -> Iterator[None]:
    """Turn what an unreadable or hostile .docx raises into a Chinese UserError naming the file."""
    try:
        yield
    except ZipBomb as exc:
        raise UserError(f"“{name}”解压后异常巨大（疑似压缩炸弹），为安全起见拒绝导入。") from exc
    except BadArchive as exc:
        raise UserError(f"“{name}”不是有效的 Word (.docx) 文件，可能已损坏或只是改了扩展名。") from exc
    except _UnsafeXml as exc:
        raise UserError(
            f"“{name}”的 XML 中含有 DTD/实体声明（正常的 Word 文件不会有），可能是恶意构造的文件，"
            "为安全起见拒绝导入。请在 Word 或 WPS 中另存为新的 .docx 后再试。"
        ) from exc
    except etree.LxmlError as exc:
        raise UserError(
            f"“{name}”无法解析（Word 文件内容损坏），请在 Word 或 WPS 中另存一份再导入。"
        ) from exc


def _paragraphs(archive: SafeZip) -> list[str]:
    main = related_part(archive, "", "officeDocument") or "word/document.xml"
    if main not in archive:
        raise BadArchive("no main document part")
    styles = Styles(parse_part(archive, related_part(archive, main, "styles")))
    numbering_root = parse_part(archive, related_part(archive, main, "numbering"))
    renderer = _Renderer(Numbering(numbering_root, styles.num_id), styles)
    paragraphs: list[str] = []
    document_xml = archive.read(main)
    _refuse_dtd(document_xml)
    for _, element in etree.iterparse(BytesIO(document_xml), events=("end",), **_PARSER_OPTIONS):
        parent = element.getparent()
        if parent is None or parent.tag != f"{W}body":
            continue
        paragraphs.extend(renderer.blocks(element))
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
    return paragraphs


class _Renderer:
    """Turns body elements into lines of text, advancing the numbering counters in document order."""

    def __init__(self, numbering: Numbering, styles: Styles) -> None:
        self._numbering = numbering
        self._styles = styles

    def blocks(self, element: etree._Element) -> Iterator[str]:
        tag = element.tag
        if tag == _P:
            yield from self._paragraph(element)
        elif tag == f"{W}tbl":
            yield from self._table(element)
        elif tag == f"{W}sdt" and _is_table_of_contents(element):
            return
        elif tag == f"{_MC}AlternateContent":
            yield from self.blocks(_chosen_alternative(element))
        elif tag not in _SKIPPED:
            for child in element:
                yield from self.blocks(child)

    def _paragraph(self, paragraph: etree._Element) -> Iterator[str]:
        if not len(paragraph):  # an empty paragraph: it may only advance a list's counter
            style = self._styles.default_paragraph_style
            if not self._styles.is_table_of_contents(style):
                self._label(None, style, shown=False)
            return
        properties = paragraph.find(_P_PR)
        style = val(properties.find(_P_STYLE)) if properties is not None else None
        style = style or self._styles.default_paragraph_style
        if self._styles.is_table_of_contents(style):
            return
        pieces: list[str] = []
        boxes: list[str] = []
        self._inline(paragraph, pieces, boxes)
        lines = [line.strip() for line in "".join(pieces).split("\n")]
        lines = [line for line in lines if line]
        label = self._label(properties, style, shown=bool(lines))
        if lines:
            lines[0] = label + lines[0]
        yield from lines
        yield from boxes

    def _inline(self, element: etree._Element, pieces: list[str], boxes: list[str]) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED or not isinstance(tag, str):
                continue
            if tag == f"{W}t":
                pieces.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                pieces.append(" ")
            elif tag in (f"{W}br", f"{W}cr"):
                pieces.append("\n")
            elif tag == f"{W}noBreakHyphen":
                pieces.append("-")
            elif tag == f"{W}sym":
                pieces.append(_symbol(child))
            elif tag == _TEXT_BOX:
                boxes.extend(line for block in child for line in self.blocks(block))
            elif tag == f"{_MC}AlternateContent":
                self._inline(_chosen_alternative(child), pieces, boxes)
            elif tag == f"{W}r" and _is_hidden(child):
                continue
            else:
                self._inline(child, pieces, boxes)

    def _label(self, properties: etree._Element | None, style: str | None, shown: bool) -> str:
        num_pr = properties.find(_NUM_PR) if properties is not None else None
        from_style = self._styles.numbering(style)
        num_id = val(num_pr.find(_NUM_ID)) if num_pr is not None else None
        ilvl_text = val(num_pr.find(_ILVL)) if num_pr is not None else None
        if num_id is None and from_style:
            num_id = from_style[0]
        if not num_id or num_id == "0":
            return ""
        if (own_level := level_number(ilvl_text)) is not None:
            ilvl = own_level
        elif from_style and from_style[1] is not None:
            ilvl = from_style[1]
        else:
            ilvl = (style and self._numbering.level_of_style(num_id, style)) or 0
        return self._numbering.label(num_id, ilvl, shown)

    def _table(self, table: etree._Element) -> Iterator[str]:
        """One line per row, its non-empty cells joined by CELL_SEPARATOR; tracked-deleted rows left out."""
        for row in _children(table, f"{W}tr"):
            if row.find(f"{W}trPr/{W}del") is not None:
                continue
            cells = [" ".join(self.blocks(cell)) for cell in _children(row, f"{W}tc")]
            line = CELL_SEPARATOR.join(cell for cell in cells if cell)
            if line:
                yield line


def _children(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Child elements with `tag`, looking through content controls and custom XML that may wrap them."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _children(child, tag)


def _is_hidden(run: etree._Element) -> bool:
    vanish = run.find(f"{W}rPr/{W}vanish")
    return vanish is not None and val(vanish, "1") not in _OFF


def _is_table_of_contents(sdt: etree._Element) -> bool:
    gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return (val(gallery) or "").lower() == "table of contents"


def _chosen_alternative(alternate: etree._Element) -> etree._Element:
    """The first mc:Choice (modern text box); its mc:Fallback repeats the same text in VML."""
    for tag in (f"{_MC}Choice", f"{_MC}Fallback"):
        if (found := alternate.find(tag)) is not None:
            return found
    return etree.Element("empty")


def _symbol(sym: etree._Element) -> str:
    """A w:sym character, unless it is a private-use glyph of a symbol font (Wingdings bullets)."""
    try:
        code = int(sym.get(f"{W}char", ""), 16)
    except ValueError:
        return ""
    return "" if 0xE000 <= code <= 0xF8FF else chr(code)


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}
_PARSER = etree.XMLParser(**_PARSER_OPTIONS)


def _refuse_dtd(xml: bytes) -> None:
    """Raise _UnsafeXml when the XML has a DOCTYPE; checked at the root's start, before any entity use.
    A DTD the parser gives up on before the root (an entity amplification, "billion laughs") is refused
    as what it is, not as a damaged file."""
    try:
        for _, root in etree.iterparse(BytesIO(xml), events=("start",), **_PARSER_OPTIONS):
            docinfo = root.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise _UnsafeXml("DTD present")
            return
    except etree.XMLSyntaxError as exc:
        if b"<!DOCTYPE" in xml.upper():
            raise _UnsafeXml("DTD the parser refused") from exc
        raise


def parse_part(archive: SafeZip, name: str | None) -> etree._Element | None:
    if not name or name not in archive:
        return None
    xml = archive.read(name)
    _refuse_dtd(xml)
    return etree.fromstring(xml, _PARSER)


def related_part(archive: SafeZip, source: str, relationship: str) -> str | None:
    """The zip path of the part `source` links to by relationship type ('' = the package itself)."""
    folder, base = posixpath.split(source)
    rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
    root = parse_part(archive, rels_name)
    if root is None:
        return None
    for rel in root.iter(f"{_REL}Relationship"):
        if rel.get("Type", "").endswith(f"/{relationship}") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            return posixpath.normpath(path)
    return None
