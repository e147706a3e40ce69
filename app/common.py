"""What several pages share: the report types, the unsaved-drafts slot, section labels."""

REPORT_TYPES = {
    "summary_and_plan": "年度总结及计划",
    "summary": "年度总结",
    "half_year": "半年总结及下半年安排",
    "plan": "工作计划",
}
AUTO_UNIT = "按单位名称判断"
UNSAVED = "unsaved_drafts"  # id → JSON of finished drafts the database refused, kept for download and retry


def label(section_kind: str, heading: str) -> str:
    return heading or ("开头" if section_kind == "opening" else "结尾")
