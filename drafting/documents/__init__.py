"""Read the report files union office staff really have: .txt .md .docx .doc .wps .pdf, and pasted text."""

from drafting.documents.reader import SUPPORTED_SUFFIXES, read_document, read_document_bytes
from drafting.documents.text import normalise_pasted_text

__all__ = ["SUPPORTED_SUFFIXES", "normalise_pasted_text", "read_document", "read_document_bytes"]
