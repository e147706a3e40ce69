"""A file over its size limit is refused by the service in Chinese, naming the limit (issue 22): Streamlit's own
upload limit sits above every per-format limit, so its English "File must be … or smaller" never shows."""

import tomllib

import pytest

from drafting.documents.docx import MAX_DOCX_BYTES
from drafting.documents.legacy_doc import MAX_LEGACY_BYTES
from drafting.documents.pdf import MAX_PDF_BYTES
from drafting.documents.reader import MAX_TEXT_BYTES, read_document_bytes
from drafting.errors import UserError
from drafting.materials.ledger import MAX_LEDGER_BYTES
from drafting.output.template import MAX_TEMPLATE_BYTES
from tests.conftest import ROOT


def test_streamlits_upload_limit_is_above_every_limit_the_service_explains():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    streamlit_limit = config["server"]["maxUploadSize"] * 1024 * 1024
    limits = [
        MAX_DOCX_BYTES,
        MAX_LEGACY_BYTES,
        MAX_PDF_BYTES,
        MAX_TEXT_BYTES,
        MAX_LEDGER_BYTES,
        MAX_TEMPLATE_BYTES,
    ]
    assert streamlit_limit > max(limits)


@pytest.mark.parametrize(("name", "size"), [("大.txt", MAX_TEXT_BYTES + 1), ("大.pdf", MAX_PDF_BYTES + 1)])
def test_a_file_over_its_limit_gets_a_chinese_message(name, size):
    with pytest.raises(UserError, match=r"超过 \d+ MB"):
        read_document_bytes(name, b"%PDF-" + b"0" * size)
