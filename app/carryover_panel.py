"""上年计划对照 on 起草: last year's plan items against this year's facts, and the user's choice for each.

The table and its choices are drawn inside the facts form, so 确认对照表 sends what was typed in the form
since the comparison along with the choices: the confirmed additions are merged into it, never drawn over
it. The confirmed table rides along with the facts form (session state), so the draft's tally comes only
from what the user confirmed.
"""

import streamlit as st

from app.common import refused
from drafting.carryover.decisions import STATUS_LABELS, Decision, require_same_facts
from drafting.carryover.match import Carryover, ItemResult
from drafting.carryover.sources import PreviousChoice
from drafting.errors import UserError
from drafting.materials import Material
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.facts import CarryoverTable, Facts, parse_facts

NOT_COMPARED = "不对照"
CHOICES = {  # for an item not fully done: a choice is needed
    "": "请选择处理方式",
    "add_fact": "已做：补充为事实",
    "problem": "写入存在的问题",
    "carry": "列入明年计划",
}
OVERRULE = {  # for an item found done: kept, unless the user says it was not
    "": "确已完成",
    "problem": "其实没有完成：写入存在的问题",
    "carry": "其实没有完成：列入明年计划",
}
LINES = ("facts", "problems", "plans")
COMPARED = "carryover_compared"  # {"carryover": …, "facts": …, "source": …} of the last comparison
CONFIRMED = "carryover_table"  # the CarryoverTable the user confirmed, drafted with
_PENDING = "carryover_pending"  # the form's texts with the confirmed additions, put in before it is drawn
_REFUSED = "carryover_refused"  # why the last comparison failed, said on the run after it
_CONFIRM = "carryover_confirm"  # the 确认对照表 button


def previous_choices(service: DraftingService) -> dict[str, PreviousChoice]:
    """What the 上年的总结 list offers, read with the page: the form's own reruns reuse it."""
    return {c.id: c for c in service.previous_choices(st.session_state.get("f_period", ""))}


def previous_field(choices: dict[str, PreviousChoice]) -> tuple[str, object]:
    """Inside the facts form: which report is last year's, picked from the list or uploaded; under it the
    last comparison's table and choices."""

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
    if refusal := st.session_state.pop(_REFUSED, None):
        st.warning(escape_markdown(refusal))
    _table_and_choices()
    return picked, upload


def compare(service: DraftingService, facts: Facts, picked: str, upload: object) -> None:
    """The 对照上年计划 button: each of last year's plan items against these facts. The page is drawn again
    with the new table, or, when the comparison fails, with none: a table for another file is not left to
    be confirmed."""
    try:
        if upload is None and picked == NOT_COMPARED:
            raise UserError("请先在“上年的总结”里选一篇，或上传上年的总结文件。")
        previous = picked if upload is None else Material(upload.name, upload.getvalue())  # type: ignore[attr-defined]
        result = service.carryover(previous, facts)
    except UserError as error:  # e.g. the report has no plan section: said, not guessed
        st.session_state.pop(COMPARED, None)
        st.session_state[_REFUSED] = str(error)
    else:
        # a choice belongs to its item, not to its row number: another list of items starts without any
        if (old := st.session_state.get(COMPARED)) and _plans(old) != [item.plan for item in result.items]:
            _forget_choices(len(_plans(old)))
        st.session_state[COMPARED] = {
            "carryover": result.model_dump(),
            "facts": facts.model_dump(),
            "source": _source(picked, upload),
        }
    st.rerun()


def apply_confirmed() -> None:
    """Before the form is drawn: its texts with the confirmed facts, problems and plans added."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None:
        return
    for key, text in pending["texts"].items():
        st.session_state[f"f_{key}"] = text
    st.session_state[CONFIRMED] = pending["carryover"]


def confirmed_table() -> dict | None:
    return st.session_state.get(CONFIRMED)


def review(service: DraftingService) -> None:
    """Under the form: the confirmed tally, and the 确认对照表 click (the form's texts arrived with it)."""
    if table := confirmed_table():
        st.success(
            "上年计划对照已确认：" + CarryoverTable.model_validate(table).tally() + "起草时据此写明完成情况。"
        )
        if st.button("取消上年计划对照", key="carryover_drop"):
            st.session_state.pop(CONFIRMED, None)
            st.rerun()
    compared = st.session_state.get(COMPARED)
    if not compared or not st.session_state.get(_CONFIRM):
        return
    carryover = Carryover.model_validate(compared["carryover"])
    try:
        _require_same_source(compared, carryover)
        current = _form_facts(compared)
        require_same_facts(Facts.model_validate(compared["facts"]), current)
        confirmed = service.confirm_carryover(current, carryover, _decisions(carryover))
    except UserError as error:
        refused(error)  # the form, the choices and the table stay as they are
        return
    texts = {}
    for key in LINES:
        typed = st.session_state.get(f"f_{key}", "")
        if added := [line for line in getattr(confirmed, key) if line not in getattr(current, key)]:
            texts[key] = "\n".join([typed.rstrip("\n"), *added] if typed.strip() else added)
    st.session_state[_PENDING] = {"texts": texts, "carryover": confirmed.carryover.model_dump()}
    st.session_state.pop(COMPARED)
    st.rerun()


def _table_and_choices() -> None:
    """The last comparison: a row per plan item and, for each, what to do about it."""
    compared = st.session_state.get(COMPARED)
    if not compared:
        return
    carryover = Carryover.model_validate(compared["carryover"])
    counts = carryover.counts()
    st.subheader("上年计划对照")
    st.caption(
        escape_markdown(f"{carryover.title}（{carryover.period}）")
        + f" · 共 {len(carryover.items)} 项：已完成 {counts['done']} 项，部分完成 {counts['partial']} 项，"
        f"未提及 {counts['not_mentioned']} 项。没有完成的每一项都要选择处理方式；自动对照有误时，"
        "已完成的也可改为未完成。"
    )
    if warning := carryover.year_warning(Facts.model_validate(compared["facts"]).period):
        st.warning(escape_markdown(warning))
    st.dataframe(
        [
            {
                "上年计划": item.plan,
                "情况": STATUS_LABELS[item.status],
                "完成数字": "；".join(target.describe() for target in item.targets),
                "今年对应的要点": "；".join(item.facts),
                "说明": item.note,  # 要点中未见：…, or why a model settled it
            }
            for item in carryover.items
        ],
        hide_index=True,
    )
    for number, item in enumerate(carryover.items):
        st.markdown(f"**{escape_markdown(item.plan)}**（{STATUS_LABELS[item.status]}）")
        left, right = st.columns([1, 2])
        options = _options(item)
        left.selectbox("处理方式", list(options), format_func=options.get, key=f"carryover_choice_{number}")
        right.text_input("补充的事实，或未完成的原因", key=f"carryover_text_{number}")
    st.form_submit_button("确认对照表", type="primary", key=_CONFIRM)


def _options(item: ItemResult) -> dict[str, str]:
    return OVERRULE if item.status == "done" else CHOICES


def _decisions(carryover: Carryover) -> list[Decision]:
    """The choices made in the table's rows (an empty one is no choice)."""
    decisions = []
    for number, item in enumerate(carryover.items):
        choice = st.session_state.get(f"carryover_choice_{number}")
        if choice:
            text = st.session_state.get(f"carryover_text_{number}", "")
            decisions.append(Decision(plan=item.plan, choice=choice, text=text))
    return decisions


def _form_facts(compared: dict) -> Facts:
    """The facts, problems and plans the form holds now, on the compared facts' other fields."""
    typed = {key: st.session_state.get(f"f_{key}", "") for key in LINES}
    return parse_facts({**compared["facts"], "carryover": None, "flagged": [], **typed})


def _require_same_source(compared: dict, carryover: Carryover) -> None:
    """A table is confirmed only for the report it was made from."""
    now = _source(st.session_state.get("f_previous", NOT_COMPARED), st.session_state.get("f_previous_file"))
    if now != compared["source"]:
        raise UserError(
            f"上年的总结已换成另一篇，而下表是按《{carryover.title}》对照的：请再点一次“对照上年计划”，核对后再确认。"
        )


def _source(picked: str, upload: object) -> str:
    return f"上传：{upload.file_id}" if upload is not None else picked  # type: ignore[attr-defined]


def _plans(compared: dict) -> list[str]:
    return [item["plan"] for item in compared["carryover"]["items"]]


def _forget_choices(rows: int) -> None:
    for number in range(rows):
        for key in (f"carryover_choice_{number}", f"carryover_text_{number}"):
            st.session_state.pop(key, None)
