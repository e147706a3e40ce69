"""Control characters typed into facts never reach a draft, and a draft stored with them still opens,
shows and exports to Word."""

import io

from docx import Document

from drafting.output.docx import draft_to_docx
from drafting.writing.draft import Draft, DraftSection
from drafting.writing.facts import Facts, parse_facts

CONTROLS = "\x00\x07\x08\x1b\x1f\x7f"


def test_control_characters_in_facts_are_stripped_at_input():
    facts = parse_facts(
        {
            "organization": f"某厂\x07工会{CONTROLS}",
            "period": "2025年\x00",
            "facts": [f"全年开展\x00职工\x08活动12次{CONTROLS}"],
            "problems": ["经费\x1f紧张"],
            "plans": ["继续\x07开展活动"],
        }
    )
    assert facts.organization == "某厂工会" and facts.period == "2025年"
    assert facts.facts == ["全年开展职工活动12次"]
    assert (facts.problems, facts.plans) == (["经费紧张"], ["继续开展活动"])


def test_a_draft_stored_with_control_characters_opens_shows_and_exports():
    facts = Facts(organization="某厂工会", period="2025年", facts=["开展活动12次"])
    section = DraftSection(key="opening", kind="opening", heading="", text="开头。")
    stored = Draft(title="总结", facts=facts, sections=[section], engine="template").model_dump_json()
    # as an earlier version stored it: the control characters went into the JSON unchecked
    stored = stored.replace("开头。", "开头\\u0000\\u0007\\u0008\\u001f。").replace(
        "开展活动", "开展\\u0000活动"
    )
    stored = stored.replace('"title":"总结"', '"title":"总结\\u001b[31m"')

    draft = Draft.model_validate_json(stored)
    assert draft.sections[0].text == "开头。" and draft.title == "总结"
    assert draft.facts.facts == ["开展活动12次"]
    assert not any(code in draft.markdown() for code in CONTROLS)
    text = "\n".join(p.text for p in Document(io.BytesIO(draft_to_docx(draft))).paragraphs)
    assert "开头。" in text
