"""The 落款 is seen where the text is: `drafting show`, the Markdown, the 起草 page. A reviewer's Word file
that changes it on re-import was only seen in the next Word export."""

import io
import json

from docx import Document
from streamlit.testing.v1 import AppTest

from drafting.cli import main
from tests.conftest import ROOT
from tests.roundtrip_fixtures import offline_draft, offline_service  # noqa: F401
from tests.word_edits import WordEdit

UNITS = ["江北市卫生健康委员会", "江北市第一人民医院工会委员会"]
DATE = "2026年1月10日"


def joint_signature(service, draft) -> None:  # noqa: ANN001
    """A reviewer's Word file: the unit's name retyped, a second unit above it, a new date."""
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(name, UNITS[1])
    edit.paragraph_before_last(UNITS[1], UNITS[0])
    edit.retype_paragraph(date, DATE)
    assert service.reimport("修改稿.docx", edit.save()).changed_sections == ["signature"]


def last_paragraphs(data: bytes, count: int) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs][-count:]


def shown(draft_id: str, capsys, *options: str) -> str:  # noqa: ANN001
    capsys.readouterr()
    main(["show", draft_id, *options])
    return capsys.readouterr().out


def test_show_ends_with_the_joint_signature_a_reimport_kept_as_the_word_file_writes_it(
    service, draft, capsys, tmp_path
):
    joint_signature(service, draft)
    closing = draft.sections[-1].text.strip().splitlines()[-1]
    assert last_paragraphs(service.export_docx(draft.id), 4) == ["", *UNITS, DATE]

    text = shown(draft.id, capsys)
    assert text.rstrip("\n").endswith(f"{closing}\n\n{UNITS[0]}  \n{UNITS[1]}  \n{DATE}")
    assert all(text.count(line) == 1 for line in [*UNITS, DATE])  # written once
    markdown = json.loads(shown(draft.id, capsys, "--format", "json"))["markdown"]
    assert markdown == service.get(draft.id).markdown() and markdown.endswith(f"{UNITS[1]}  \n{DATE}\n")
    assert service.get(draft.id).plain_text().endswith(f"\n\n{UNITS[0]}\n{UNITS[1]}\n{DATE}\n")
    # the text alone, as the checks of a saved draft read it: the 落款 is no claim and no finding
    assert DATE not in service.get(draft.id).markdown(signature=False)
    facts = tmp_path / "facts.json"
    facts.write_text(
        draft.facts.model_dump_json(exclude={"flagged"}, exclude_defaults=True), encoding="utf-8"
    )
    assert main(["check", draft.id, "--facts", str(facts)]) == 0
    assert main(["proof", draft.id]) == 0


def test_show_ends_with_the_unit_and_drafting_day_the_export_writes_until_someone_changes_them(
    service, draft, capsys
):
    name, date = draft.default_signature()
    assert last_paragraphs(service.export_docx(draft.id), 2) == [name, date]
    assert shown(draft.id, capsys).rstrip("\n").endswith(f"\n\n{name}  \n{date}")


def test_a_signature_deleted_in_word_is_shown_nowhere(service, draft, capsys):
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.delete_last_paragraph(name)
    edit.delete_last_paragraph(date)
    service.reimport("修改稿.docx", edit.save())
    assert service.get(draft.id).unsigned
    closing = draft.sections[-1].text.strip().splitlines()[-1]
    assert shown(draft.id, capsys).rstrip("\n").endswith(closing)
    assert service.get(draft.id).signature_lines() == []


def open_draft(draft_id: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["draft"] = draft_id  # as a link to the draft opens it
    return app.run()


def test_the_draft_page_shows_the_signature_a_reimport_changed_under_the_last_section(service, draft):
    app = open_draft(draft.id)
    assert not app.exception
    name, date = draft.default_signature()
    assert [t.value for t in app.text if t.value.endswith(date)] == [f"{name}\n{date}"]

    joint_signature(service, draft)
    app = open_draft(draft.id)
    assert not app.exception
    assert any(c.value.startswith("落款") for c in app.caption)
    assert [t.value for t in app.text if DATE in t.value] == ["\n".join([*UNITS, DATE])]
    (copied,) = [c.value for c in app.code if draft.title in c.value]  # the copyable text: once, at its end
    assert copied.rstrip("\n").endswith("\n".join([*UNITS, DATE])) and copied.count(DATE) == 1


def test_the_draft_page_says_a_deleted_signature_is_gone(service, draft):
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.delete_last_paragraph(name)
    edit.delete_last_paragraph(date)
    service.reimport("修改稿.docx", edit.save())
    app = open_draft(draft.id)
    assert not app.exception
    assert not [t.value for t in app.text if date in t.value]
    assert any("落款" in c.value and "删去" in c.value for c in app.caption)
