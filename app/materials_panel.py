"""从素材提取要点 on 起草 (issue 18): the year's materials in, a review table of candidate facts out; the
accepted facts fill 工作要点 and keep their sources, so the draft and its 事实依据表 know where each came from.

Drawn above the facts form, so accepting can fill the form's fields in the same run. Materials are read and
forgotten: they never enter the 范文库 (they are facts, not style).
"""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.common import refused
from drafting.errors import UserError
from drafting.materials import MATERIAL_SUFFIXES, Extraction, Material
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.draft import Draft

EXTRACTED = "materials_extraction"  # the Extraction under review (its JSON)
SOURCES = "fact_sources"  # fact text → its sources, for the facts the user accepted
_CHOOSE = "请选择"


def materials_panel(service: DraftingService) -> None:
    reviewing = EXTRACTED in st.session_state
    with st.expander("从素材提取要点（简报、月报、半年报、活动通知、台账）", expanded=reviewing):
        st.caption(
            "上传本年度的材料，逐条核对候选要点后采用；台账的户数、金额按单元格逐格计算。材料只用来提取要点，"
            "不会进入范文库。"
        )
        files = st.file_uploader(
            f"素材文件（可多选：{' / '.join(MATERIAL_SUFFIXES)}）",
            accept_multiple_files=True,
            key="materials_files",
        )
        if files and st.button("提取要点", key="materials_extract"):
            _extract(service, [Material(f.name, f.getvalue()) for f in files])
        if extracted := st.session_state.get(EXTRACTED):
            _review(Extraction.model_validate(extracted))


def _extract(service: DraftingService, materials: list[Material]) -> None:
    bar = st.progress(0.0, text="正在读取素材…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"已读 {done}/{total} 个文件：{name}")

    try:
        extraction = service.extract_materials(materials, progress=progress)
    except UserError as error:
        refused(error)
        return
    bar.progress(1.0, text=f"已读完 {len(materials)} 个文件")
    st.session_state[EXTRACTED] = extraction.model_dump()
    st.session_state.pop("materials_table", None)


def _review(extraction: Extraction) -> None:
    if notice := extraction.offline_notice():
        st.warning(escape_markdown(notice))
    for skipped in extraction.skipped:
        st.warning(escape_markdown(f"未读取 {skipped.file}：{skipped.reason}"))
    if extraction.set_aside:
        st.info("以下文字像是对写作的要求，已放在一边，不作为要点：")
        for aside in extraction.set_aside:
            st.caption(escape_markdown(f"{aside.file}：{aside.excerpt}（{aside.reason}）"))
    for number in range(len(extraction.conflicts)):
        _conflict(extraction, number)
    if not extraction.facts:
        st.info("素材里没有找到可作为要点的内容。")
        return
    st.markdown("**候选要点**（可修改文字；取消勾选即不采用；数字不一致的要点在上面选定数值之前不能采用）")
    rows = st.data_editor(
        [
            {
                "采用": not extraction.unsettled(fact),
                "要点": fact.text,
                "出处": "；".join(f"{s.file} {s.location}" for s in fact.sources) or "用户填写",
                "状态": extraction.status(fact),
            }
            for fact in extraction.facts
        ],
        key="materials_table",
        hide_index=True,
        disabled=["出处", "状态"],
        column_config={"要点": st.column_config.TextColumn(max_chars=500, width="large")},
    )
    _excerpts(extraction)
    if st.button("采用勾选的要点，填入“工作要点”", type="primary", key="materials_accept"):
        _accept(extraction, rows)


def _conflict(extraction: Extraction, number: int) -> None:
    conflict = extraction.conflicts[number]
    with st.container(border=True):
        st.markdown(
            ":orange-background[数字不一致] "
            + escape_markdown(f"{conflict.about}：{'、'.join(conflict.values)}")
        )
        for source in conflict.sources:
            st.caption(escape_markdown(f"{source.file} {source.location}：{source.excerpt}"))
        left, right = st.columns([2, 1])
        value = left.selectbox(
            "以哪个数为准", [_CHOOSE, *conflict.values], key=f"materials_conflict_{number}_{conflict.about}"
        )
        if right.button("采用这个数", key=f"materials_settle_{number}") and value != _CHOOSE:
            st.session_state[EXTRACTED] = extraction.choose(number, value).model_dump()
            st.session_state.pop("materials_table", None)
            st.rerun()


def _excerpts(extraction: Extraction) -> None:
    """The verbatim excerpts behind one candidate, on demand."""
    texts = [fact.text for fact in extraction.facts]
    shown = st.selectbox("查看要点的原文出处", ["", *texts], key="materials_excerpt")
    if shown:
        fact = extraction.facts[texts.index(shown)]
        if fact.computed:
            st.caption(escape_markdown(f"计算：{fact.computed.formula}"))
        for source in fact.sources:
            st.caption(escape_markdown(f"{source.file} {source.location}：{source.excerpt}"))


def _accept(extraction: Extraction, rows: list[dict]) -> None:
    """Edits and rejections applied; the settled facts are added to 工作要点 with their sources."""
    try:
        for index in reversed(range(len(rows))):  # from the end, so rejecting keeps earlier indices
            row = rows[index]
            if not row["采用"]:
                extraction = extraction.reject(index)
            elif row["要点"].strip() != extraction.facts[index].text:
                extraction = extraction.edit(index, row["要点"].strip())
    except UserError as error:
        refused(error)
        return
    chosen = extraction.facts_file("", "")
    if not chosen["facts"]:
        st.warning("没有可采用的要点：请勾选要点，或先选定不一致的数值。")
        return
    typed = [line for line in st.session_state.get("f_facts", "").splitlines() if line.strip()]
    st.session_state["f_facts"] = "\n".join(dict.fromkeys(typed + chosen["facts"]))
    st.session_state[SOURCES] = {**st.session_state.get(SOURCES, {}), **chosen["sources"]}
    st.session_state.pop(EXTRACTED, None)
    st.success(f"已填入 {len(chosen['facts'])} 条要点，出处随要点保存；起草后可导出事实依据表。")


def fact_sources(facts: str) -> dict:
    """The kept sources of the facts now in the form (a fact the user retyped is theirs: 用户填写)."""
    lines = {line.strip() for line in facts.splitlines()}
    return {fact: sources for fact, sources in st.session_state.get(SOURCES, {}).items() if fact in lines}


def correct_fact(service: DraftingService, draft: Draft) -> None:
    """Correct a fact once (17户 → 18户): every section that used it is written again, old versions kept."""
    with st.expander("更正一条要点（用到它的各部分随之更新）"):
        old = st.selectbox("要更正的要点", draft.facts.facts, key=f"correct_old_{draft.id}")
        new = st.text_input("更正为", value=old or "", key=f"correct_new_{draft.id}_{old}")
        if st.button("更正并更新用到它的部分", key=f"correct_{draft.id}") and old and new.strip() != old:
            service.correct_fact(draft.id, old, new.strip())
            st.rerun()


def evidence_download(service: DraftingService, draft: Draft, column: DeltaGenerator) -> None:
    """导出事实依据表: each sentence with a number, its fact and where that fact came from."""
    column.download_button(
        "导出事实依据表 (.xlsx)",
        service.export_evidence(draft.id),
        file_name=f"{draft.title}（事实依据表）.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"evidence_xlsx_{draft.id}",
        on_click="ignore",
    )
