"""Paragraph and numbering styles of a .docx (styles.xml): the numbering they carry, and TOC styles.

Word's heading styles usually carry the outline numbering, so a 标题 1 paragraph with no numPr of
its own is still numbered 一、; styles inherit this through w:basedOn.
"""

from lxml import etree

from drafting.documents.numbering import W, level_number, val

_MAX_INHERITANCE = 20


class Styles:
    def __init__(self, root: etree._Element | None) -> None:
        self._based_on: dict[str, str] = {}
        self._numbering: dict[str, tuple[str, int | None]] = {}
        self._names: dict[str, str] = {}
        self._inherited: dict[
            str | None, tuple[str, int | None] | None
        ] = {}  # per style, asked per paragraph
        self._toc: dict[str | None, bool] = {}
        self.default_paragraph_style: str | None = None
        for style in [] if root is None else root.iter(f"{W}style"):
            if style.get(f"{W}type") not in ("paragraph", "numbering", None):
                continue  # character and table styles carry no numbering
            style_id = style.get(f"{W}styleId", "")
            self._names[style_id] = (val(style.find(f"{W}name"), "") or "").lower()
            if based_on := val(style.find(f"{W}basedOn")):
                self._based_on[style_id] = based_on
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None:
                num_id = val(num_pr.find(f"{W}numId"), "") or ""
                self._numbering[style_id] = (num_id, level_number(val(num_pr.find(f"{W}ilvl"))))
            if style.get(f"{W}default") in ("1", "true", "on"):
                self.default_paragraph_style = style_id

    def numbering(self, style_id: str | None) -> tuple[str, int | None] | None:
        """(numId, ilvl or None) the style or a style it is based on gives its paragraphs."""
        if style_id not in self._inherited:
            found = next((self._numbering[a] for a in self._lineage(style_id) if a in self._numbering), None)
            self._inherited[style_id] = found
        return self._inherited[style_id]

    def num_id(self, style_id: str) -> str | None:
        """The numId of a numbering style, for abstractNum/numStyleLink indirection."""
        found = self.numbering(style_id)
        return found[0] if found else None

    def is_table_of_contents(self, style_id: str | None) -> bool:
        """TOC 1…9 entries repeat the headings with page numbers; reading them would duplicate sections."""
        if style_id not in self._toc:  # asked per paragraph: a few styles, maybe millions of paragraphs
            name = self._names.get(style_id or "", "")
            self._toc[style_id] = name.startswith(("toc ", "toc heading")) or (
                style_id or ""
            ).lower().startswith("toc")
        return self._toc[style_id]

    def _lineage(self, style_id: str | None) -> list[str]:
        chain: list[str] = []
        while style_id and style_id not in chain and len(chain) < _MAX_INHERITANCE:
            chain.append(style_id)
            style_id = self._based_on.get(style_id)
        return chain
