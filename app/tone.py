"""语气对比: how a text's manner compares with the reference reports, and a rewrite toward one."""

import pyarrow as pa
import streamlit as st

from app.common import refused
from app.current import service as current_service
from drafting.corpus.reports import Report
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.draft import Draft, section_name


def page_tone(service: DraftingService) -> None:
    st.header("语气对比")
    draft = _current_draft(service)
    current = draft.plain_text(signature=False) if draft else ""  # the text: a 落款 has no tone
    text = st.text_area(
        "要对比的文字（默认是当前草稿，也可粘贴任意文字）", value=current, height=200, key="tone_text"
    )
    reports = service.reports_in_scope.reports()
    chosen = st.multiselect(
        "参考范文（不选则用同类单位的全部范文）",
        reports,
        format_func=lambda r: f"{r.meta.title}（{r.meta.unit_type}）",
        key="tone_refs",
        placeholder="请选择（可多选）",
    )
    if not text.strip():
        st.info("请先生成草稿或粘贴一段文字。")
        return
    report = service.tone(text, [r.meta.id for r in chosen])
    if report.short_text_note:
        st.info(escape_markdown(report.short_text_note))
    st.metric("与参考范文的距离（0 表示很接近，2 以上差别明显）", report.distance)
    _gaps_chart({m.explanation.split("：")[0].split("（")[0]: m.z for m in report.metrics.values()})
    st.caption(
        "条形为本文与参考范文的差距（以范文的波动为单位）：0 为与范文持平，正值偏多，负值偏少；±1 以内属正常范围。"
    )
    for suggestion in report.suggestions:
        st.write("• " + escape_markdown(suggestion))
    _nearest_sections(service, text)
    if draft and service.uses_model():
        _rewrite_toward(service, draft, reports)
    elif draft:  # offered only where it can run
        st.caption("按范文语气改写草稿的某一节需要大模型：请管理员在“设置”页配置模型接口。")
    with st.expander("各项指标说明"):
        for metric in report.metrics.values():
            st.write(
                escape_markdown(
                    f"{metric.explanation} 本文 {metric.value}，范文 {metric.reference_mean}±{metric.reference_std}"
                )
            )


def _nearest_sections(service: DraftingService, text: str) -> None:
    """Each paragraph's closest section in the library, worked out only while the box is open: it embeds
    every paragraph (up to eight), which cost a visit to this page more than the rest of it together."""
    box = st.expander("与范文库最相近的段落（向量相似度）", key="tone_nearest", on_change="rerun")
    if not box.open:
        return
    with box:
        nearest = service.nearest_sections(text)
        if not nearest:
            st.info("没有可比的段落：每段至少 20 个字，且范文库中要有您可以查看的范文。")
            return
        st.caption("每段与范文库中最相近的段落（相似度 1 表示几乎相同的意思和说法）")
        st.dataframe(
            [
                {
                    "本文段落": n.paragraph,
                    "最相近的范文": n.report_title,
                    "范文小节": n.heading,
                    "相似度": n.similarity,
                }
                for n in nearest
            ],
            hide_index=True,
        )


def _current_draft(service: DraftingService) -> Draft | None:
    """The draft open on 起草, read once per run; none when it was removed or is not this user's."""
    if draft_id := st.session_state.get("draft_id"):
        try:
            return service.get(draft_id)
        except UserError:
            return None
    return None


def _gaps_chart(gaps: dict[str, float]) -> None:
    """Horizontal bars in the metrics' order, drawn on every visit: a Vega-Lite spec with an Arrow table
    (st.bar_chart built the same chart through Altair in 9.5 ms; values inside the spec went through
    pandas, 0.46 ms; the table takes 0.03 ms)."""
    st.vega_lite_chart(
        pa.table({"指标": list(gaps), "差距": list(gaps.values())}),
        {
            "mark": "bar",
            "encoding": {
                "y": {"field": "指标", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "差距", "type": "quantitative", "title": None},
            },
        },
    )


def _rewrite_toward(service: DraftingService, draft: Draft, reports: list[Report]) -> None:
    """按此范文语气改写: one section of the current draft, toward a chosen reference."""
    st.subheader("按此范文语气改写")
    headed = {s.key: section_name(s.kind, s.heading) for s in draft.sections}
    col1, col2 = st.columns(2)
    key = col1.selectbox("改写哪一节", list(headed), format_func=headed.get, key="manner_key")
    reference = col2.selectbox("参考范文", reports, format_func=lambda r: r.meta.title, key="manner_ref")
    if st.button("按此范文语气改写", key="manner_go"):
        try:
            with st.spinner(
                f"正在按《{escape_markdown(reference.meta.title)}》的语气改写“{escape_markdown(headed[key])}”…"
            ):
                service.rewrite_toward(draft.id, key, reference.meta.id)
        except UserError as error:
            refused(error)
            return
        st.success("已改写，原文保存在该节的历史版本中。请回到“起草”页查看。")


page_tone(current_service())
