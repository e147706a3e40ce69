"""历史: saved drafts to open, share, delete and compare."""

from functools import partial

import streamlit as st

from app import word_panel
from app.common import delete_button, refused
from app.current import service as current_service
from app.fragments import fragment
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown, shorten_runs

DELETING = "deleting"  # the draft whose 删除 was clicked, asked about before it goes


def page_history(service: DraftingService) -> None:
    st.header("历史")
    rows = service.list_drafts()
    if not rows:
        st.info("还没有保存的草稿。")
        return
    for row in rows:
        cols = st.columns([4, 1, 1, 1])
        mark = (" · 未完成（有部分没有写成）" if row.unfinished else "") + (
            " · 有待核对的问题" if row.has_findings else ""
        )
        whose = f" · {row.owner} 共享" if row.owner and row.owner != service.actor.name else ""
        cols[0].text(f"{row.title}（{row.updated_at:%Y-%m-%d %H:%M}，{row.id}）{mark}{whose}")
        if not service.actor.is_local and row.editable and not whose:
            label = "取消共享" if row.shared else "共享给本单位"
            if cols[3].button(label, key=f"share_{row.id}"):
                service.share(row.id, not row.shared)
                st.rerun()
        if cols[1].button("打开", key=f"open_{row.id}"):
            st.session_state["draft_id"] = row.id
            st.switch_page("app/draft.py")
        if row.editable:
            delete_button(
                cols[2],
                "删除",
                f"del_{row.id}",
                f"确定删除《{escape_markdown(row.title)}》（{row.id}）吗？删除后不能恢复。",
                DELETING,
                row.id,
                partial(service.delete, row.id),
            )
    word_panel.import_edited(service)
    _compare(service, {row.id: f"{row.title}（{row.updated_at:%Y-%m-%d %H:%M}，{row.id}）" for row in rows})


@fragment
def _compare(service: DraftingService, labels: dict[str, str]) -> None:
    """Two saved drafts side by side: choosing them reruns this comparison alone, not the list above."""
    from drafting.output.compare import paragraph_diff

    st.subheader("对比两稿")
    col1, col2 = st.columns(2)
    left = col1.selectbox("左", list(labels), format_func=labels.get, key="cmp_left")
    right = col2.selectbox(
        "右", list(labels), format_func=labels.get, index=min(1, len(labels) - 1), key="cmp_right"
    )
    try:  # a rerun of this comparison alone does not pass through the frame, which shows the others
        left_text, right_text = service.get(left).plain_text(), service.get(right).plain_text()
    except UserError as error:
        refused(error)
        return
    left_lines, right_lines = paragraph_diff(left_text, right_text)
    col1, col2 = st.columns(2)
    for column, lines in ((col1, left_lines), (col2, right_lines)):
        for changed, paragraph in lines:
            column.markdown(
                f":orange-background[{escape_markdown(shorten_runs(paragraph))}]"
                if changed
                else escape_markdown(shorten_runs(paragraph))
            )


page_history(current_service())
