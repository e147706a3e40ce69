"""Edit an exported .docx the way Word does when a reviewer works with track changes and comments.

Word writes a tracked replacement as w:del (the old run, its text in w:delText) followed by w:ins (the
new run); a comment as commentRangeStart/commentRangeEnd around the words, a run holding a
commentReference, and the comment itself in word/comments.xml (linked from document.xml.rels and
declared in [Content_Types].xml).
"""

import copy
import io
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
_DATE = "2026-12-01T09:30:00Z"
WPS_NS = "http://www.wps.cn/officeDocument/2013/wpsCustomData"


class WordEdit:
    """An exported file opened for editing; `save()` gives the edited file's bytes."""

    def __init__(self, data: bytes):
        self.parts = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                self.parts[name] = archive.read(name)
        self.document = etree.fromstring(self.parts["word/document.xml"])
        self._next_id = 900
        self._comments: list[etree._Element] = []

    def _id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _run_with(self, words: str) -> etree._Element:
        for t in self.document.iter(f"{W}t"):
            if words in (t.text or "") and t.getparent().getparent().tag == f"{W}p":
                return t.getparent()
        raise AssertionError(f"no run holds {words!r}")

    def _split(self, words: str) -> tuple[etree._Element, etree._Element, etree._Element]:
        """The run holding `words` cut into before / words / after runs (same formatting)."""
        run = self._run_with(words)
        text = run.find(f"{W}t").text
        before, _, after = text.partition(words)
        pieces = []
        for piece in (before, words, after):
            clone = copy.deepcopy(run)
            t = clone.find(f"{W}t")
            t.text = piece
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.addprevious(clone)
            pieces.append(clone)
        run.getparent().remove(run)
        return pieces[0], pieces[1], pieces[2]

    def replace(self, old: str, new: str, author: str = "王主席") -> None:
        """A tracked replacement: `old` deleted, `new` inserted right after it."""
        _, middle, _ = self._split(old)
        deleted = etree.Element(f"{W}del", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})
        middle.addprevious(deleted)
        deleted.append(middle)
        middle.find(f"{W}t").tag = f"{W}delText"
        inserted = etree.Element(f"{W}ins", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})
        new_run = copy.deepcopy(middle)
        new_run.find(f"{W}delText").tag = f"{W}t"
        new_run.find(f"{W}t").text = new
        inserted.append(new_run)
        deleted.addnext(inserted)

    def insert_after(self, words: str, new: str, author: str = "王主席") -> None:
        """A tracked insertion right after `words`."""
        _, middle, _ = self._split(words)
        inserted = etree.Element(f"{W}ins", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})
        new_run = copy.deepcopy(middle)
        new_run.find(f"{W}t").text = new
        inserted.append(new_run)
        middle.addnext(inserted)

    def delete(self, words: str, author: str = "王主席") -> None:
        _, middle, _ = self._split(words)
        deleted = etree.Element(f"{W}del", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})
        middle.addprevious(deleted)
        deleted.append(middle)
        middle.find(f"{W}t").tag = f"{W}delText"

    def comment(self, words: str, text: str, author: str = "李主任") -> None:
        """A comment anchored on `words`."""
        _, middle, _ = self._split(words)
        key = str(len(self._comments) + 500)
        middle.addprevious(etree.Element(f"{W}commentRangeStart", {f"{W}id": key}))
        middle.addnext(etree.Element(f"{W}commentRangeEnd", {f"{W}id": key}))
        reference = etree.Element(f"{W}r")
        etree.SubElement(reference, f"{W}commentReference", {f"{W}id": key})
        middle.getnext().addnext(reference)
        self._comments.append(_comment(key, text, author))

    def comment_paragraph(self, words: str, text: str, author: str = "李主任") -> None:
        """A comment on the whole paragraph holding `words` (ranges may nest: Word allows it)."""
        paragraph = self._run_with(words).getparent()
        key = str(len(self._comments) + 500)
        properties = paragraph.find(f"{W}pPr")
        start = etree.Element(f"{W}commentRangeStart", {f"{W}id": key})
        if properties is not None:
            properties.addnext(start)
        else:
            paragraph.insert(0, start)
        paragraph.append(etree.Element(f"{W}commentRangeEnd", {f"{W}id": key}))
        self._comments.append(_comment(key, text, author))

    def table_after(self, words: str, rows: list) -> None:
        """A table after the paragraph holding `words`; a cell given as a list of rows is a nested table."""
        self._run_with(words).getparent().addnext(_table(rows))

    def wrap_in_wps_elements(self, words: str) -> None:
        """Put the run holding `words` inside an element of WPS's own namespace, as WPS files may."""
        run = self._run_with(words)
        wrapper = etree.Element(f"{{{WPS_NS}}}customData", nsmap={"wpsCustomData": WPS_NS})
        run.addprevious(wrapper)
        wrapper.append(run)

    def add_wps_property(self) -> None:
        """WPS adds its build number to the custom properties."""
        xml = self.parts["docProps/custom.xml"].decode()
        self.parts["docProps/custom.xml"] = xml.replace(
            "</Properties>",
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="99" name="KSOProductBuildVer">'
            "<vt:lpwstr>2052-12.1.0.16120</vt:lpwstr></property></Properties>",
        ).encode()

    def paragraph_text(self, words: str, new: str) -> None:
        """Replace the whole text of the paragraph holding `words` (an untracked edit)."""
        run = self._run_with(words)
        paragraph = run.getparent()
        for other in paragraph.findall(f"{W}r")[1:]:
            paragraph.remove(other)
        paragraph.find(f"{W}r/{W}t").text = new

    def retype_paragraph(self, text: str, new: str) -> None:
        """Retype the last paragraph that reads exactly `text` (a 落款 line: its words stand in the title and
        the text too), without tracking; `new` "" empties it."""
        paragraphs = [
            p for p in self.document.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")) == text
        ]
        assert paragraphs, f"no paragraph reads {text!r}"
        runs = paragraphs[-1].findall(f"{W}r")
        for run in runs[1:]:
            paragraphs[-1].remove(run)
        runs[0].find(f"{W}t").text = new

    def delete_last_paragraph(self, text: str, author: str = "王主席") -> None:
        """Delete the last paragraph that reads exactly `text` with track changes on, as Word records it:
        its runs inside w:del (their text in w:delText) and its paragraph mark marked deleted."""
        paragraph = self._last_reading(text)
        runs = paragraph.findall(f"{W}r")
        deleted = etree.Element(f"{W}del", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})
        runs[0].addprevious(deleted)
        for run in runs:
            deleted.append(run)
            for t in run.findall(f"{W}t"):
                t.tag = f"{W}delText"
        properties = paragraph.find(f"{W}pPr")
        if properties is None:
            properties = etree.Element(f"{W}pPr")
            paragraph.insert(0, properties)
        marks = properties.find(f"{W}rPr")
        if marks is None:
            marks = etree.SubElement(properties, f"{W}rPr")
        etree.SubElement(marks, f"{W}del", {f"{W}id": self._id(), f"{W}author": author, f"{W}date": _DATE})

    def paragraph_before_last(self, text: str, new: str) -> None:
        """A new paragraph `new`, formatted alike, before the last paragraph that reads exactly `text` (a
        second unit's name above the 落款's), typed without tracking."""
        paragraph = self._last_reading(text)
        paragraph.addprevious(_retyped_copy(paragraph, new))

    def _last_reading(self, text: str) -> etree._Element:
        paragraphs = [
            p for p in self.document.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")) == text
        ]
        assert paragraphs, f"no paragraph reads {text!r}"
        return paragraphs[-1]

    def without_bookmark(self, name: str) -> None:
        """One hidden bookmark gone (as in a file exported before the export set it)."""
        starts = [b for b in self.document.iter(f"{W}bookmarkStart") if b.get(f"{W}name") == name]
        assert starts, f"no bookmark {name!r}"
        for start in starts:
            key = start.get(f"{W}id")
            for end in self.document.iter(f"{W}bookmarkEnd"):
                if end.get(f"{W}id") == key:
                    end.getparent().remove(end)
                    break
            start.getparent().remove(start)

    def paragraph_after(self, words: str, new: str) -> None:
        """A new paragraph `new` after the one holding `words`, typed without tracking."""
        paragraph = self._run_with(words).getparent()
        paragraph.addnext(_retyped_copy(paragraph, new))

    def join_with_next(self, words: str) -> None:
        """Delete the paragraph break after the paragraph holding `words`: the next one's runs join it."""
        paragraph = self._run_with(words).getparent()
        following = paragraph.getnext()
        while following.tag != f"{W}p":
            following = following.getnext()
        for run in following.findall(f"{W}r"):
            paragraph.append(run)
        following.getparent().remove(following)

    def remove_paragraph(self, words: str) -> None:
        """Delete the whole paragraph holding `words`, its hidden bookmark with it (an untracked edit)."""
        paragraph = self._run_with(words).getparent()
        paragraph.getparent().remove(paragraph)

    def remove_paragraphs(self, first: str, stop: str) -> None:
        """Delete the paragraphs from the one holding `first` up to the one holding `stop` (not included),
        bookmarks and all (an untracked edit)."""
        paragraph, end = self._run_with(first).getparent(), self._run_with(stop).getparent()
        while paragraph is not end:
            following = paragraph.getnext()
            paragraph.getparent().remove(paragraph)
            paragraph = following

    def move_paragraphs(self, first: str, stop: str, before: str = "", after: str = "") -> None:
        """Cut the paragraphs from the one holding `first` up to the one holding `stop` (not included) and
        paste them before the one holding `before` (or after the one holding `after`), as Word's cut and
        paste does: bookmarks go along."""
        moving = [self._run_with(first).getparent()]
        end = self._run_with(stop).getparent()
        while (following := moving[-1].getnext()) is not end:
            moving.append(following)
        if after:
            target = self._run_with(after).getparent()
            for paragraph in reversed(moving):
                target.addnext(paragraph)
            return
        target = self._run_with(before).getparent()
        for paragraph in moving:
            target.addprevious(paragraph)

    def without_bookmarks(self) -> None:
        """What a careless copy-and-paste into a new file leaves: the text without its hidden bookmarks."""
        for tag in ("bookmarkStart", "bookmarkEnd"):
            for element in list(self.document.iter(f"{W}{tag}")):
                element.getparent().remove(element)

    def without_custom_properties(self) -> None:
        self.parts.pop("docProps/custom.xml", None)
        rels = etree.fromstring(self.parts["_rels/.rels"])
        for rel in list(rels):
            if rel.get("Target", "").endswith("custom.xml"):
                rels.remove(rel)
        self.parts["_rels/.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8")

    def save(self) -> bytes:
        parts = dict(self.parts)
        parts["word/document.xml"] = etree.tostring(self.document, xml_declaration=True, encoding="UTF-8")
        if self._comments:
            self._attach_comments(parts)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def _attach_comments(self, parts: dict[str, bytes]) -> None:
        if "word/comments.xml" in parts:
            root = etree.fromstring(parts["word/comments.xml"])
        else:
            root = etree.Element(f"{W}comments", nsmap={"w": W_NS})
            rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
            etree.SubElement(
                rels,
                "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship",
                {"Id": "rIdReview1", "Type": _COMMENTS_REL, "Target": "comments.xml"},
            )
            parts["word/_rels/document.xml.rels"] = etree.tostring(
                rels, xml_declaration=True, encoding="UTF-8"
            )
            types = etree.fromstring(parts["[Content_Types].xml"])
            etree.SubElement(
                types,
                "{http://schemas.openxmlformats.org/package/2006/content-types}Override",
                {"PartName": "/word/comments.xml", "ContentType": _COMMENTS_TYPE},
            )
            parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")
        root.extend(self._comments)
        parts["word/comments.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _retyped_copy(paragraph: etree._Element, text: str) -> etree._Element:
    """A new paragraph formatted as `paragraph` (its first run's formatting too), reading `text`: a copy
    without its hidden bookmarks and with one run."""
    added = copy.deepcopy(paragraph)
    for bookmark in [*added.iter(f"{W}bookmarkStart"), *added.iter(f"{W}bookmarkEnd")]:
        bookmark.getparent().remove(bookmark)
    for run in added.findall(f"{W}r")[1:]:
        added.remove(run)
    added.find(f"{W}r/{W}t").text = text
    return added


def _comment(key: str, text: str, author: str) -> etree._Element:
    comment = etree.Element(
        f"{W}comment", {f"{W}id": key, f"{W}author": author, f"{W}date": _DATE, f"{W}initials": author[:1]}
    )
    paragraph = etree.SubElement(comment, f"{W}p")
    etree.SubElement(etree.SubElement(paragraph, f"{W}r"), f"{W}t").text = text
    return comment


def _table(rows: list) -> etree._Element:
    table = etree.Element(f"{W}tbl")
    for cells in rows:
        row = etree.SubElement(table, f"{W}tr")
        for cell in cells:
            tc = etree.SubElement(row, f"{W}tc")
            if isinstance(cell, list):
                tc.append(_table(cell))
                etree.SubElement(tc, f"{W}p")  # Word ends every cell with a paragraph
            else:
                etree.SubElement(
                    etree.SubElement(etree.SubElement(tc, f"{W}p"), f"{W}r"), f"{W}t"
                ).text = cell
    return table


def comment_anchors(data: bytes) -> list[tuple[str, str, str]]:
    """(author, comment text, anchored words) of every comment in a file, read straight from its XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = etree.fromstring(archive.read("word/document.xml"))
        comments = etree.fromstring(archive.read("word/comments.xml"))
    anchors: dict[str, str] = {}
    open_ids: set[str] = set()
    for element in document.iter():
        if element.tag == f"{W}commentRangeStart":
            open_ids.add(element.get(f"{W}id"))
            anchors[element.get(f"{W}id")] = ""
        elif element.tag == f"{W}commentRangeEnd":
            open_ids.discard(element.get(f"{W}id"))
        elif element.tag == f"{W}t":
            for key in open_ids:
                anchors[key] += element.text or ""
    return [
        (
            c.get(f"{W}author"),
            "".join(t.text or "" for t in c.iter(f"{W}t")),
            anchors.get(c.get(f"{W}id"), ""),
        )
        for c in comments.iter(f"{W}comment")
    ]
