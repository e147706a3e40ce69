"""Which draft, at which version, a Word file was exported from: kept in its custom properties.

docProps/custom.xml is invisible on the page and survives Word, WPS and LibreOffice (which keeps it as
ODT user-defined metadata and writes it back). Besides the id and the version, every section's
fingerprint at export time goes in, so a file edited from an older version can be merged section by
section: a section is changed in the file when its text no longer matches the fingerprint it left with.
The order of the sections and the 落款 go in too: a file that still has them leaves a reordering or a
落款 taken since alone.
"""

import hashlib
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part

from drafting.text.dates import compact_date
from drafting.writing.draft import Draft, DraftSection, section_body

PREFIX = "drafting."
DRAFT_ID, VERSION, SECTION = f"{PREFIX}draft_id", f"{PREFIX}version", f"{PREFIX}section."
TITLE, ORDER, SIGNATURE = f"{PREFIX}title", f"{PREFIX}order", f"{PREFIX}signature"
_PROPERTIES_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_TYPES_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_PROPERTY_SET = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Word gives user properties


@dataclass(frozen=True)
class ExportIdentity:
    draft_id: str
    version: int
    fingerprints: dict[str, str] = field(default_factory=dict)  # section key → fingerprint at export
    title: str = ""  # the title's fingerprint at export ("" in files exported before titles were kept)
    order: tuple[str, ...] = ()  # the sections' keys as exported (() in files exported before it was kept)
    signature: str = ""  # the 落款's fingerprint at export ("" in files exported before it was kept)

    @classmethod
    def of(cls, draft: Draft, version: int) -> "ExportIdentity":
        return cls(
            draft.id,
            version,
            {s.key: section_fingerprint(s.heading, exported_text(s)) for s in draft.sections},
            section_fingerprint("", draft.title),
            tuple(s.key for s in draft.sections),
            signature_fingerprint(draft.written_signature()),
        )

    def properties(self) -> dict[str, str]:
        return {
            DRAFT_ID: self.draft_id,
            VERSION: str(self.version),
            TITLE: self.title,
            ORDER: json.dumps(self.order, ensure_ascii=False),
            SIGNATURE: self.signature,
            **{SECTION + key: value for key, value in self.fingerprints.items()},
        }

    @classmethod
    def from_properties(cls, properties: dict[str, str]) -> "ExportIdentity | None":
        """The identity in a file's custom properties; None when the file carries none (or a damaged one)."""
        draft_id, version = properties.get(DRAFT_ID, "").strip(), properties.get(VERSION, "").strip()
        try:
            number = int(float(version))  # an editor may turn "3" into a number, "3.0"
        except ValueError:
            return None
        if not draft_id:
            return None
        fingerprints = {
            name.removeprefix(SECTION): value.strip()
            for name, value in properties.items()
            if name.startswith(SECTION)
        }
        return cls(
            draft_id,
            number,
            fingerprints,
            properties.get(TITLE, "").strip(),
            _order(properties),
            properties.get(SIGNATURE, "").strip(),
        )


def _order(properties: dict[str, str]) -> tuple[str, ...]:
    """The keys in the order property; () when it is missing or an editor damaged it."""
    try:
        keys = json.loads(properties.get(ORDER, ""))
    except ValueError:
        return ()
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return ()
    return tuple(keys)


def normal_text(text: str) -> str:
    """The text as paragraphs: stripped, blank lines dropped. Word keeps no more than this of a section."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def section_fingerprint(heading: str, text: str) -> str:
    return hashlib.sha256(f"{heading.strip()}\n{normal_text(text)}".encode()).hexdigest()[:16]


def signature_fingerprint(signature: tuple[str, str]) -> str:
    """The 落款 (the unit's name, the date) as Word gives it back: the date without the spaces in it."""
    name, date = signature
    return section_fingerprint(name, compact_date(date))


def exported_text(section: DraftSection) -> str:
    """What an export shows of the section: a failed or pending one shows its note, which is not its text."""
    return section.text if section.status in ("ok", "flagged") else section_body(section)


def exported_lines(section: DraftSection) -> list[str]:
    """The section's paragraphs as the export wrote them, each as Word gives it back."""
    return [line for line in normal_text(exported_text(section)).split("\n") if line]


def add_identity(document: Document, identity: ExportIdentity) -> None:
    """Attach docProps/custom.xml to the package (python-docx has no API for custom properties)."""
    entries = "".join(
        f'<property fmtid="{_PROPERTY_SET}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(identity.properties().items(), start=2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_PROPERTIES_NS}" xmlns:vt="{_TYPES_NS}">{entries}</Properties>'
    ).encode()
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CONTENT_TYPE.OFC_CUSTOM_PROPERTIES, xml, package)
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
