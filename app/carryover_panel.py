"""上年计划对照 on 起草: last year's plan items against this year's facts, and the user's choice for each.

The confirmed table rides along with the facts form (session state), so the draft's tally comes only from
what the user confirmed. Form values reach the server only on a submit, so the comparison is one of the
facts form's own buttons.
"""

import streamlit as st

from app.common import refused
from drafting.carryover.decisions import Decision
from drafting.carryover.match import Carryover
from drafting.carryover.sources import PreviousChoice
from drafting.errors import UserError
from drafting.materials import Material
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.facts import CarryoverTable, Facts

NOT_COMPARED = "不对照"
STATUS = {"done": "已完成", "partial": "部分完成", "not_mentioned": "未提及"}
CHOICES = {
    "": "请选择处理方式",
    "add_fact": "已做：补充为事实",
    "problem": "写入存在的问题",
    "carry": "列入明年计划",
}
COMPARED = "carryover_compared"  # {"carryover": …, "facts": …} of the last comparison
CONFIRMED = "carryover_table"  # the CarryoverTable the user confirmed, drafted with
_PENDING = "carryover_pending"  # confirmed facts to put into the form before it is drawn


def previous_choices(service: DraftingService) -> dict[str, PreviousChoice]:
    """What the 上年的总结 list offers, read with the page: the form's own reruns reuse it."""
    return {c.id: c for c in service.previous_choices(st.session_state.get("f_period", ""))}


def previous_field(choices: dict[str, PreviousChoice]) -> tuple[str, object]:
    """Inside the facts form: which report is last year's, picked from the list or uploaded."""

    def name(option: str) -> str:
        if option == NOT_COMPARED:
            return option
        choice = choices[option]
        whose = "本单位" if choice.own else "范文库"
        return f"{choice.title}（{whose}{'草稿' if choice.kind == 'draft' else '范文'}）"

    left, right = st.columns(2)
    picked = left.selectbox(
        "上年的总结（对照其中的工作计划）", [NOT_COMPARED, *choices], format_func=name, key="f_previous"
    )
    upload = right.file_uploader(
        "或上传上年的总结（.docx / .pdf / .doc / .wps / .txt / .md）", key="f_previous_file"
    )
    return picked, upload


def compare(service: DraftingService, facts: Facts, picked: str, upload: object) -> None:
    """The 对照上年计划 button: each of last year's plan items against these facts."""
    if upload is not None:
        previous: str | Material = Material(upload.name, upload.getvalue())  # type: ignore[attr-defined]
    elif picked != NOT_COMPARED:
        previous = picked
    else:
        st.error("请先在“上年的总结”里选一篇，或上传上年的总结文件。")
        return
    try:
        result = service.carryover(previous, facts)
    except UserError as error:
        refused(error, warning=True)  # e.g. the report has no plan section: said, not guessed
        return
    st.session_state[COMPARED] = {"carryover": result.model_dump(), "facts": facts.model_dump()}


def apply_confirmed() -> None:
    """Before the form is drawn: the confirmed facts, problems and plans go into its fields."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None:
        return
    for key in ("facts", "problems", "plans"):
        st.session_state[f"f_{key}"] = "\n".join(pending[key])
    st.session_state[CONFIRMED] = pending["carryover"]


def confirmed_table() -> dict | None:
    return st.session_state.get(CONFIRMED)


def review(service: DraftingService) -> None:
    """The table of plan items and, for each not fully done, the user's choice; confirming fills the form."""
    if table := confirmed_table():
        st.success(
            "上年计划对照已确认：" + CarryoverTable.model_validate(table).tally() + "起草时据此写明完成情况。"
        )
        if st.button("取消上年计划对照", key="carryover_drop"):
            st.session_state.pop(CONFIRMED, None)
            st.rerun()
    compared = st.session_state.get(COMPARED)
    if not compared:
        return
    carryover = Carryover.model_validate(compared["carryover"])
    counts = carryover.counts()
    st.subheader("上年计划对照")
    st.caption(
        escape_markdown(f"{carryover.title}（{carryover.period}）")
        + f" · 共 {len(carryover.items)} 项：已完成 {counts['done']} 项，部分完成 {counts['partial']} 项，"
        f"未提及 {counts['not_mentioned']} 项"
    )
    if warning := carryover.year_warning(Facts.model_validate(compared["facts"]).period):
        st.warning(escape_markdown(warning))
    st.dataframe(
        [
            {
                "上年计划": item.plan,
                "情况": STATUS[item.status],
                "完成数字": "；".join(target.describe() for target in item.targets),
                "今年对应的要点": "；".join(item.facts),
            }
            for item in carryover.items
        ],
        hide_index=True,
    )
    unfinished = [item for item in carryover.items if item.status != "done"]
    with st.form("carryover_decisions"):
        decisions = []
        for number, item in enumerate(unfinished):
            st.markdown(f"**{escape_markdown(item.plan)}**（{STATUS[item.status]}）")
            left, right = st.columns([1, 2])
            choice = left.selectbox(
                "处理方式", list(CHOICES), format_func=CHOICES.get, key=f"carryover_choice_{number}"
            )
            text = right.text_input("补充的事实，或未完成的原因", key=f"carryover_text_{number}")
            if choice:
                decisions.append(Decision(plan=item.plan, choice=choice, text=text))
        confirm = st.form_submit_button("确认对照表", type="primary")
    if confirm:
        try:
            facts = service.confirm_carryover(Facts.model_validate(compared["facts"]), carryover, decisions)
        except UserError as error:
            refused(error)
            return
        st.session_state[_PENDING] = facts.model_dump()
        st.session_state.pop(COMPARED)
        st.rerun()
