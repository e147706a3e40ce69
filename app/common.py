"""What several pages share: the report types, the unsaved-drafts slot, section labels, refusals shown as text."""

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from drafting.text.markup import escape_markdown

REPORT_TYPES = {
    "summary_and_plan": "年度总结及计划",
    "summary": "年度总结",
    "half_year": "半年总结及下半年安排",
    "plan": "工作计划",
}
AUTO_UNIT = "按单位名称判断"
UNSAVED = "unsaved_drafts"  # id → JSON of finished drafts the database refused, kept for download and retry
# Streamlit's own English words, shown in Chinese: the upload box ("Upload", "31MB per file") and its refusal
# of a file over server.maxUploadSize (the only refusal it can give: the boxes take any file, no `type=`, and
# the services name the formats they read), a select list's "Select all" and "No results", and the hint under
# a field being typed in ("Press Enter to apply", "Press Ctrl+Enter to submit form"; a count such as 12/200
# follows it in a span of its own).
STREAMLIT_WORDS_IN_CHINESE = """<style>
[data-testid="InputInstructions"] > span:first-child,
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stFileUploader"] [role="alert"],
[role="option"][data-key="__select_all__"] > div,
[role="listbox"][data-empty="true"] [role="option"] > span { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 14px; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "或把文件拖到这里"; font-size: 14px; }
[data-testid="stFileUploader"] [role="alert"]::after {
  content: "没有上传：单个文件不能超过 31 MB（也可能是网络中断），请压缩或拆分后再试"; font-size: 14px; }
[role="option"][data-key="__select_all__"] > div::after { content: "全选"; font-size: 14px; }
[role="listbox"][data-empty="true"] [role="option"] > span::after { content: "没有匹配的选项"; font-size: 14px; }
[data-testid="InputInstructions"] > span:first-child::after { content: "按 Enter 确认"; font-size: 12px; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after { content: "按 Enter 提交"; }
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "按 Ctrl（苹果电脑 ⌘）+Enter 确认"; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "按 Ctrl（苹果电脑 ⌘）+Enter 提交"; }
</style>"""


def streamlit_secrets() -> dict:
    """st.secrets raises when no secrets file exists; that simply means no secrets."""
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - FileNotFoundError or StreamlitSecretNotFoundError
        return {}


def refused(error: Exception, warning: bool = False) -> None:
    """A refusal in Chinese, as text: it may quote a file name, a heading or a colleague's name that must
    not render as a link or an image."""
    (st.warning if warning else st.error)(escape_markdown(str(error)))


def kept_across_pages(keys: tuple[str, ...]) -> None:
    """Widget values that survive a visit to another page. Streamlit drops a widget's value once a run
    does not draw it, so a form filled in, then 历史 opened, came back empty: each value is copied aside
    while the widget is drawn and put back before it is drawn again."""
    for key in keys:
        aside = f"kept_{key}"
        if key in st.session_state:
            st.session_state[aside] = st.session_state[key]
        elif aside in st.session_state:
            st.session_state[key] = st.session_state[aside]


def delete_button(
    place: DeltaGenerator,
    label: str,
    key: str,
    question: str,
    asking: str,
    item: str,
    delete: Callable[[], None],
) -> None:
    """A delete button (in `place`, a column) whose first click only asks (确定删除 / 取消): what it deletes
    cannot be brought back. `asking` is the session state key that holds the item the first click asked about."""
    if place.button(label, key=key):
        st.session_state[asking] = item
    if st.session_state.get(asking) != item:
        return
    st.warning(question)
    yes, no = st.columns(2)
    if yes.button("确定删除", key=f"{key}_yes", type="primary"):
        delete()
        st.session_state.pop(asking)
        st.rerun()
    if no.button("取消", key=f"{key}_no"):
        st.session_state.pop(asking)
        st.rerun()
