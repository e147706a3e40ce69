"""The outline grids of the 起草 page, turned back into an Outline without a browser."""

from drafting.writing.outline import (
    BELONGS_TO,
    HEADING,
    KEEP,
    ORDER,
    SECTION,
    Outline,
    PlannedSection,
    bullet_rows,
    edited_outline,
    kept_headings,
    section_rows,
)


def outline() -> Outline:
    return Outline(
        title="2025年工作总结",
        sections=[
            PlannedSection(key="opening", kind="opening", heading=""),
            PlannedSection(key="w1", kind="work", heading="思想引领", theme="ideology", facts=["学习十场"]),
            PlannedSection(
                key="w2", kind="work", heading="职工服务", theme="service", facts=["慰问120人", "体检"]
            ),
            PlannedSection(key="plan", kind="plan", heading="2026年计划", facts=["继续"]),
            PlannedSection(key="closing", kind="closing", heading=""),
        ],
    )


def test_unchanged_grids_give_back_the_same_outline() -> None:
    rows = section_rows(outline())
    assert [r[HEADING] for r in rows] == ["思想引领", "职工服务"] and all(r[KEEP] for r in rows)
    assert edited_outline(outline(), rows, bullet_rows(outline(), rows)) == outline()


def test_a_renamed_section_keeps_its_key_and_bullets_and_takes_the_theme_its_heading_names() -> None:
    """A helper renamed a 技能竞赛 section 开展文体活动: it was still written as one about 技能竞赛."""
    rows = section_rows(outline())
    rows[1][HEADING] = " 关爱职工 "
    rows[0][HEADING] = "重点任务推进"  # names no theme: keeps its own
    bullets = bullet_rows(outline(), rows)
    assert {b[BELONGS_TO] for b in bullets} == {"重点任务推进", "关爱职工"}
    assert kept_headings(rows) == ["重点任务推进", "关爱职工"]
    edited = edited_outline(outline(), rows, bullets)
    section = edited.section("w2")
    assert (section.heading, section.theme, section.facts) == ("关爱职工", "care", ["慰问120人", "体检"])
    assert edited.section("w1").theme == "ideology"


def test_reorder_drop_add_and_move_bullets() -> None:
    rows = section_rows(outline())
    rows[0][ORDER], rows[1][ORDER] = 2, 1
    rows.append({SECTION: None, HEADING: "健康体检", ORDER: 3, KEEP: True})
    bullets = bullet_rows(outline(), rows)
    next(b for b in bullets if b["要点"] == "体检")[BELONGS_TO] = "健康体检"
    edited = edited_outline(outline(), rows, bullets)
    assert [s.heading for s in edited.sections] == ["", "职工服务", "思想引领", "健康体检", "2026年计划", ""]
    new = edited.sections[3]
    assert (new.key, new.theme, new.facts) == ("", "care", ["体检"])  # 健康体检 is about caring for members
    assert edited.sections[1].facts == ["慰问120人"]

    rows[0][KEEP] = False  # 思想引领 dropped: its section and bullets leave the outline
    edited = edited_outline(outline(), rows, bullets)
    assert [s.key for s in edited.sections] == ["opening", "w2", "", "plan", "closing"]
    assert "学习十场" not in [f for s in edited.sections for f in s.facts]


def test_a_blank_heading_is_not_a_section() -> None:
    rows = [*section_rows(outline()), {SECTION: None, HEADING: "  ", ORDER: 3, KEEP: True}]
    assert kept_headings(rows) == ["思想引领", "职工服务"]
    assert len(edited_outline(outline(), rows, bullet_rows(outline(), rows)).sections) == 5
