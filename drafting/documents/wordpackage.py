"""The parts of an untrusted Word package beyond its text: macros, custom properties, named XML parts.

Everything is read through SafeZip with the same hardened XML parser as the text reader, so a file
coming back from a reviewer is treated exactly as carefully as a report someone imports.
"""

from pathlib import PurePosixPath

from lxml import etree

from drafting.documents.docx import MAX_DOCX_BYTES, explained_failures, parse_part, related_part
from drafting.documents.ole import has_password, is_ole, is_opendocument
from drafting.documents.safezip import BadArchive, SafeZip
from drafting.errors import UserError

_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_MACRO_SUFFIXES = (".docm", ".dotm")


class MacroFile(UserError):
    """A macro-enabled Word file: never opened, whatever it is for."""


class WordPackage:
    """A .docx held in memory; construction refuses what is not a plain Word document."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        if PurePosixPath(name).suffix.lower() in _MACRO_SUFFIXES:
            raise _macro_refusal(name)
        if len(data) > MAX_DOCX_BYTES:
            raise UserError(f"“{name}”超过 {MAX_DOCX_BYTES // 1024 // 1024} MB，无法读取。")
        if has_password(data):
            raise UserError(
                f"“{name}”设置了打开密码，无法读取。请在 Word 或 WPS 中取消密码后另存为 .docx，再导入。"
            )
        if is_ole(data):
            raise UserError(
                f"“{name}”是旧版 Word（.doc/.wps）格式，这里需要 .docx：请在 Word 或 WPS 中另存为 .docx 后再导入。"
            )
        if is_opendocument(data):
            raise UserError(
                f"“{name}”是 OpenDocument 文件（.odt，LibreOffice 或 WPS 的格式），这里需要 .docx："
                "请在原软件中另存为 Word (.docx) 后再导入。"
            )
        with explained_failures(name):
            self.archive = SafeZip(data)
            self.main = related_part(self.archive, "", "officeDocument") or "word/document.xml"
            if self.main not in self.archive:
                raise BadArchive("no main document part")
            if self._has_macros():
                raise _macro_refusal(name)

    def part(self, relationship: str, source: str | None = None) -> etree._Element | None:
        """The XML part `source` (default: the main document) links to by relationship type."""
        with explained_failures(self.name):
            return parse_part(
                self.archive,
                related_part(self.archive, self.main if source is None else source, relationship),
            )

    def document(self) -> etree._Element:
        with explained_failures(self.name):
            root = parse_part(self.archive, self.main)
        if root is None:
            raise UserError(f"“{self.name}”不是有效的 Word (.docx) 文件，可能已损坏或只是改了扩展名。")
        return root

    def custom_properties(self) -> dict[str, str]:
        """User-defined document properties by name, values as text (whatever their declared type)."""
        root = self.part("custom-properties", source="")
        if root is None:
            return {}
        return {
            prop.get("name", ""): "".join(prop.itertext()).strip()
            for prop in root.iter(f"{_CUSTOM_NS}property")
        }

    def _has_macros(self) -> bool:
        types = parse_part(self.archive, "[Content_Types].xml")
        declared = types is not None and any(
            "macroEnabled" in (element.get("ContentType") or "") for element in types.iter()
        )
        return declared or any(name in self.archive for name in ("word/vbaProject.bin", "word/vbaData.xml"))


def _macro_refusal(name: str) -> MacroFile:
    return MacroFile(
        f"“{name}”是启用了宏的 Word 文件（.docm），为安全起见不予打开。"
        "请在 Word 或 WPS 中“另存为”普通的 Word 文档（.docx）后再导入。"
    )
