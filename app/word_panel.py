"""The Word round trip in the app (issue 20): the download with 带批注, 导入修改稿 on 历史, and the unit's
own template on 设置. Each only adapts DraftingService: export_docx, reimport and the unit template."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.common import refused
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.draft import Draft

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMPORTED = "reimported"  # the last 导入修改稿 result (its JSON), shown until the next import


def word_download(service: DraftingService, draft: Draft, column: DeltaGenerator) -> None:
    """The saved draft as Word, with its id and version inside (so 导入修改稿 finds it again). Pressing it
    runs nothing. The file is made as the button is drawn, which the 起草 page does only once the user asks
    for the files (a file made only when pressed, with a callable, was deleted by other sessions' runs
    before the browser fetched it, under load)."""
    comments = column.checkbox("带批注（把待核对的问题写成 Word 批注）", key=f"comments_{draft.id}")
    evidence = column.checkbox("附事实依据表（附件：每个数字的依据和出处）", key=f"evidence_{draft.id}")
    column.download_button(
        "下载 Word (.docx)",
        service.export_docx(draft.id, comments=comments, evidence=evidence),
        file_name=f"{draft.title}{'（带批注）' if comments else ''}.docx",
        mime=DOCX,
        key=f"docx_{draft.id}",
        on_click="ignore",
    )


def import_edited(service: DraftingService) -> None:
    """历史 → 导入修改稿: the reviewers' Word file back into its draft, changed sections as new versions."""
    st.subheader("导入修改稿")
    st.caption(
        "上传审阅后的 Word 文件（用本系统导出的 .docx，在 Word、WPS 或 LibreOffice 里修订、批注过）。"
        "改过的部分存为新版本并重新核查，其余不动；导出后这里也改过的部分算冲突，只报告，不覆盖。"
    )
    upload = st.file_uploader("修改稿（.docx）", key="reimport_file")
    if upload is not None and st.button("导入修改稿", type="primary", key="reimport"):
        try:
            st.session_state[IMPORTED] = result = service.reimport(upload.name, upload.getvalue()).to_json()
        except UserError as error:
            st.session_state.pop(IMPORTED, None)
            refused(error)
            return
        if result["changed_sections"]:
            st.rerun()  # 历史's list above was drawn before: its time and marks are the draft's as it was
    if result := st.session_state.get(IMPORTED):
        _imported(result)


def _imported(result: dict) -> None:
    revisions = result["revisions"]
    changed = result["changed_sections"]
    if result.get("already_imported"):  # the same file again: no news, and no success to show
        st.info(
            f"这份修改稿已经导入过，没有新的改动，草稿 {result['draft_id']} 保持原样；"
            f"审阅批注 {len(result['comments'])} 条。"
        )
    else:
        st.success(
            f"已导入到草稿 {result['draft_id']}：改动 {len(changed)} 个部分；"
            f"接受修订：插入 {revisions['inserted']} 处，删除 {revisions['deleted']} 处；"
            f"审阅批注 {len(result['comments'])} 条。"
        )
    lost = result.get("not_imported", [])  # content of the file the draft did not take: no mere note
    for notice in result["notices"]:
        (st.warning if notice in lost else st.info)(escape_markdown(notice))
    for conflict in result["conflicts"]:
        st.warning(escape_markdown(f"冲突（未覆盖）：{conflict['heading']}：{conflict['message']}"))
    if changed:  # named by the import itself: 标题, 顺序 and the sections' headings
        st.write("改动的部分：" + escape_markdown("、".join(result.get("changed_names") or changed)))
    for comment in result["comments"]:
        st.markdown(
            escape_markdown(f"批注（{comment['author']}）：{comment['text']}")
            + f"  \n:gray[标注的文字：{escape_markdown(comment['anchor'])}]"
        )
    for finding in result["findings"]:
        st.markdown(
            ":red-background[待核对] " + escape_markdown(f"{finding['anchor']}：{finding['message']}")
        )
    if st.button("打开这份草稿", key="reimport_open"):
        st.session_state["draft_id"] = result["draft_id"]
        st.switch_page("app/draft.py")


def unit_template(service: DraftingService) -> None:
    """Administrators: the unit's own .docx template (红头, 版记, margins) used by every export."""
    st.subheader("本单位的 Word 模板")
    current = service.unit_template()
    if current is None:
        st.caption("未上传模板：导出按 GB/T 9704 公文格式。")
    else:
        st.caption(
            escape_markdown(
                f"正在使用：{current.name}（{current.uploaded_by} 于 {current.uploaded_at:%Y-%m-%d %H:%M} 上传）"
            )
        )
    st.caption("模板里单独一段写 {{正文}} 标出正文的位置；红头写在它前面，版记写在它后面。")
    upload = st.file_uploader("上传模板（.docx）", key="template_file")
    left, right = st.columns(2)
    if upload is not None and left.button("使用这个模板", key="template_save"):
        try:
            service.set_unit_template(upload.name, upload.getvalue())
        except UserError as error:
            refused(error)
            return
        st.rerun()  # the caption above then names the template in use
    if current is not None and right.button("删除模板（改回 GB/T 9704）", key="template_remove"):
        service.remove_unit_template()
        st.rerun()
