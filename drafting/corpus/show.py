"""What the import understood of a report: its front matter and its section tree, for `corpus show` and the app.

A user who imports a report checks here that the headings, the parts (工作/问题/计划…) and the
text under each heading came out as written; a wrong tree means poor examples for drafting.
"""

from typing import TYPE_CHECKING, Any

from drafting.corpus.parser import Part, Section
from drafting.text.control import strip_control

if TYPE_CHECKING:
    from drafting.corpus.reports import Report

PART_LABELS: dict[Part, str] = {
    "opening": "开头",
    "work": "工作",
    "experience": "经验",
    "problems": "问题",
    "plan": "计划",
    "closing": "结尾",
}


def report_tree(report: "Report") -> dict[str, Any]:
    """The report as a JSON-ready object: front matter, the section tree, and the whole body as `text`."""
    meta = report.meta
    return {
        "id": meta.id,
        "title": meta.title,
        "unit_type": meta.unit_type,
        "period": meta.period,
        "kind": meta.kind,
        "script": meta.script,
        "sections": [_section_tree(section, level=1) for section in report.parsed().sections],
        "text": report.body,
    }


def _section_tree(section: Section, level: int) -> dict[str, Any]:
    return {
        "heading": section.heading,
        "part": section.part,
        "level": level,
        "text": "\n\n".join(section.paragraphs),
        "items": section.items,
        "children": [_section_tree(child, level + 1) for child in section.children],
    }


def format_report_tree(report: "Report") -> str:
    """An indented tree: each heading with its part in Chinese and its level, its own text beneath it."""
    tree = report_tree(report)
    lines = [
        f"标题：{tree['title']}",
        f"单位类型：{tree['unit_type']}　期间：{tree['period']}　类型：{tree['kind']}　字体：{tree['script']}",
        "",
    ]

    def emit(node: dict[str, Any], depth: int) -> None:
        indent = "  " * depth
        heading = node["heading"] or f"〈{PART_LABELS[node['part']]}〉"
        lines.append(f"{indent}{heading}  [{PART_LABELS[node['part']]}·第{node['level']}级]")
        lines.extend(f"{indent}    {paragraph}" for paragraph in node["text"].split("\n\n") if paragraph)
        for child in node["children"]:
            emit(child, depth + 1)

    for section in tree["sections"]:
        emit(section, 0)
    return strip_control(
        "\n".join(lines)
    )  # reports imported before titles were cleaned may hold terminal codes
