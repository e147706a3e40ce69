"""An edited Word file as a reviewer left it: its paragraphs with the tracked changes taken, how many
insertions and deletions that took, and the reviewers' comments with the words they are anchored on.

Taking a tracked insertion keeps its text; taking a deletion drops it (w:del, w:delText, w:moveFrom).
A table becomes one paragraph per row, cells joined by ｜, nested tables flattened into their cell;
elements of other vendors' namespaces (WPS's wpsCustomData, smart tags, content controls) are looked
through for the text they hold. Comments by the export's own author are the product's findings coming
back, not a reviewer's, and are left out.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from drafting.documents.numbering import W
from drafting.documents.wordpackage import WordPackage
from drafting.output.comments import AUTHOR

CELL_SEPARATOR = "｜"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_DROPPED = {
    f"{W}{tag}"
    for tag in (
        "del moveFrom delText delInstrText instrText pPr rPr tblPr tblGrid trPr tcPr sectPr "
        "commentReference annotationRef footnoteReference endnoteReference txbxContent"
    ).split()
}


@dataclass(frozen=True)
class ReviewerComment:
    author: str
    text: str
    anchor: str


@dataclass
class EditedParagraph:
    text: str
    bookmarks: set[str] = field(default_factory=set)


@dataclass
class EditedDocument:
    paragraphs: list[EditedParagraph]
    inserted: int
    deleted: int
    comments: list[ReviewerComment]
    nested_tables: int


def read_edited(package: WordPackage) -> EditedDocument:
    reader = _Reader()
    body = package.document().find(f"{W}body")
    if body is not None:
        reader.block(body, depth=0)
    authors, texts = _comment_texts(package)
    comments = [
        ReviewerComment(authors[key], texts[key], reader.anchors.get(key, "").strip())
        for key in texts
        if authors[key] != AUTHOR
    ]
    return EditedDocument(reader.paragraphs, reader.inserted, reader.deleted, comments, reader.nested_tables)


class _Reader:
    """Walks the body in document order, gathering paragraphs and the text inside each comment range."""

    def __init__(self) -> None:
        self.paragraphs: list[EditedParagraph] = []
        self.inserted = self.deleted = self.nested_tables = 0
        self.anchors: dict[str, str] = {}
        self._open: set[str] = set()
        self._bookmarks: set[str] = set()  # seen between paragraphs: they belong to the next one

    def _kept(self, element: etree._Element) -> Iterator[etree._Element]:
        """The children whose text stays (deleted text counted as a deletion and passed over)."""
        for child in element:
            if not isinstance(child.tag, str) or child.tag in _DROPPED:
                self._count_deletion(child)
            else:
                yield child

    def block(self, element: etree._Element, depth: int) -> None:
        for child in self._kept(element):
            tag = child.tag
            if tag == f"{W}p":
                self._paragraph(child)
            elif tag == f"{W}tbl":
                self._table(child, depth)
            elif tag == f"{_MC}AlternateContent":
                self.block(_choice(child), depth)
            else:
                self._marker(child)
                self.block(child, depth)

    def _paragraph(self, paragraph: etree._Element) -> None:
        pieces: list[str] = []
        self._inline(paragraph, pieces)
        self.paragraphs.append(EditedParagraph("".join(pieces).strip(), self._bookmarks))
        self._bookmarks = set()
        self._note(" ")

    def _inline(self, element: etree._Element, pieces: list[str]) -> None:
        for child in self._kept(element):
            tag = child.tag
            if tag == f"{W}t":
                pieces.append(child.text or "")
                self._note(child.text or "")
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                pieces.append(" ")
                self._note(" ")
            elif tag == f"{_MC}AlternateContent":
                self._inline(_choice(child), pieces)
            else:
                self._marker(child)
                if tag == f"{W}ins" and child.find(f".//{W}t") is not None:
                    self.inserted += 1
                self._inline(child, pieces)

    def _table(self, table: etree._Element, depth: int) -> None:
        """One paragraph per row; a table inside a cell is flattened into that cell's text."""
        if depth:
            self.nested_tables += 1
        for row in table.iter(f"{W}tr"):
            if _owning_table(row) is not table:
                continue  # a nested table's row: read as part of its cell below
            cells: list[str] = []
            inside: set[str] = set()
            for cell in (c for c in row if c.tag == f"{W}tc"):
                inner = _Reader()
                inner.block(cell, depth + 1)
                self.nested_tables += inner.nested_tables
                self.inserted += inner.inserted
                self.deleted += inner.deleted
                for paragraph in inner.paragraphs:  # a bookmark in a cell marks its row
                    inside |= paragraph.bookmarks
                text = " ".join(p.text for p in inner.paragraphs if p.text)
                if text:
                    cells.append(text)
                    self._note(text)
            if cells or inside:
                self.paragraphs.append(EditedParagraph(CELL_SEPARATOR.join(cells), self._bookmarks | inside))
                self._bookmarks = set()

    def _marker(self, element: etree._Element) -> None:
        """Comment ranges open and close; bookmarks wait for the paragraph they start in."""
        tag, key = element.tag, element.get(f"{W}id", "")
        if tag == f"{W}commentRangeStart":
            self._open.add(key)
            self.anchors.setdefault(key, "")
        elif tag == f"{W}commentRangeEnd":
            self._open.discard(key)
        elif tag == f"{W}bookmarkStart":
            self._bookmarks.add(element.get(f"{W}name", ""))

    def _note(self, text: str) -> None:
        for key in self._open:
            self.anchors[key] += text

    def _count_deletion(self, element: etree._Element) -> None:
        """A dropped part's text is passed over, but a comment range may open or close inside it (an
        office suite ends a comment in the deletion beside it): missed, the range ran to the end."""
        if not isinstance(element.tag, str):
            return
        if element.tag in (f"{W}del", f"{W}moveFrom") and element.find(f".//{W}delText") is not None:
            self.deleted += 1
        for marker in element.iter(f"{W}commentRangeStart", f"{W}commentRangeEnd"):
            self._marker(marker)


def _owning_table(row: etree._Element) -> etree._Element | None:
    parent = row.getparent()
    while parent is not None and parent.tag != f"{W}tbl":
        parent = parent.getparent()
    return parent


def _choice(alternate: etree._Element) -> etree._Element:
    found = alternate.find(f"{_MC}Choice")
    return found if found is not None else etree.Element("empty")


def _comment_texts(package: WordPackage) -> tuple[dict[str, str], dict[str, str]]:
    """Each comment's author and text (its paragraphs joined by newlines), by comment id."""
    root = package.part("comments")
    authors: dict[str, str] = {}
    texts: dict[str, str] = {}
    if root is None:
        return authors, texts
    for comment in root.iter(f"{W}comment"):
        key = comment.get(f"{W}id", "")
        authors[key] = comment.get(f"{W}author", "")
        texts[key] = "\n".join(
            "".join(t.text or "" for t in p.iter(f"{W}t")) for p in comment.iter(f"{W}p")
        ).strip()
    return authors, texts
