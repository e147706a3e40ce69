"""Refusals quote what users typed or named (a file name, a heading, a colleague's name); on the page they are
text, never a live link or image (issue 21, item 6)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apppages import go
from tests.conftest import ROOT

EVIL = "[点此领取补贴](http://evil.example/x)"


@pytest.fixture
def app(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def test_a_file_name_in_an_import_refusal_is_text(app):
    at = go(app, "范文库")
    at.file_uploader[0].upload(f"{EVIL}.txt", b"", "text/plain").run()
    next(b for b in at.button if b.label == "导入").click().run()
    shown = [e.value for e in at.error]
    assert any("空文件" in value for value in shown), shown
    assert not any("](http" in value for value in shown), shown  # escaped: no link syntax left
