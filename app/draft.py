"""起草: the facts form, the outline editor, the live draft and each section's checks and actions."""

import re
from contextlib import suppress

import streamlit as st

from app import carryover_panel, materials_panel, word_panel
from app.common import AUTO_UNIT, REPORT_TYPES, UNSAVED, kept_across_pages, refused
from app.current import service as current_service
from app.fragments import fragment
from drafting.carryover.sources import PreviousChoice
from drafting.corpus.classify import UNIT_TYPES
from drafting.errors import NothingWritten, UserError
from drafting.models.presets import endpoint_host
from drafting.resources import load_data
from drafting.service import DraftingService, DraftNotSaved, SectionChanged, SectionReview
from drafting.text.markup import escape_markdown, shorten_runs
from drafting.writing.draft import PENDING_NOTICE, Draft, engine_name, section_body, section_name
from drafting.writing.estimate import cost_words
from drafting.writing.facts import Facts, parse_facts
from drafting.writing.outline import Outline, bullet_rows, edited_outline, kept_headings, section_rows
from drafting.writing.pipeline import Event

# the facts form's fields, kept while the user visits another page
FORM_KEYS = (
    "f_organization",
    "f_org_type",
    "f_period",
    "f_type",
    "f_facts",
    "f_problems",
    "f_plans",
    "f_target",
)
DEFAULT_TARGET, TARGET_RANGE, TARGET_STEP = 3000, (1000, 8000), 500  # 目标字数
LAST_DRAFTING = "last_drafting"  # the finished drafting run's status, shown once after its rerun
DRAFTINGS = "draftings"  # how many draftings this session started: part of 生成草稿's key


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
    _refill_from_address(service)
    carryover_panel.apply_confirmed()
    materials_panel.materials_panel(service)
    _compose(service, carryover_panel.previous_choices(service))
    unsaved = st.session_state.get(UNSAVED, {})
    if unsaved:
        st.error(escape_markdown(st.session_state["unsaved_reason"]))
    for text in list(unsaved.values()):
        _unsaved_draft(service, Draft.model_validate_json(text))
    if (draft_id := _open_draft_id()) and draft_id not in unsaved:
        try:
            opened = service.get_with_revision(draft_id)
        except UserError as error:  # deleted, or not this user's to see: closed, said once
            st.session_state.pop("draft_id", None)
            del st.query_params["draft"]
            refused(error, warning=True)
            return
        try:
            show_draft(service, *opened)
        except UserError as error:
            refused(error, warning=True)


def _refill_from_address(service: DraftingService) -> None:
    """A refresh is a new session: the draft named in the address reopens (_open_draft_id), and its facts
    fill the empty form, so 生成草稿 after a refresh does not start from blank fields."""
    wanted = st.query_params.get("draft")
    if not wanted or "draft_id" in st.session_state or any(key in st.session_state for key in FORM_KEYS):
        return
    try:
        facts = service.get(wanted).facts
    except UserError:
        return  # said once where the draft is drawn
    steps = round(facts.target_chars / TARGET_STEP) * TARGET_STEP  # on the slider's grid and in its range
    target = min(max(steps, TARGET_RANGE[0]), TARGET_RANGE[1])
    filled = {
        "f_organization": facts.organization,
        "f_org_type": facts.org_type or AUTO_UNIT,
        "f_period": facts.period,
        "f_type": facts.report_type,
        "f_facts": "\n".join(facts.facts),
        "f_problems": "\n".join(facts.problems),
        "f_plans": "\n".join(facts.plans),
        "f_target": target,
    }
    st.session_state.update(filled)


def _open_draft_id() -> str | None:
    """The open draft, also in the address (?draft=…), so a refresh or a bookmark reopens it. Who may
    see it is checked when it is read, as for any draft."""
    draft_id = st.session_state.get("draft_id") or st.query_params.get("draft")
    if draft_id:
        st.session_state["draft_id"] = st.query_params["draft"] = draft_id
    return draft_id


@fragment
def _compose(service: DraftingService, choices: dict[str, PreviousChoice]) -> None:
    """The facts form, the outline and the drafting status. A click here reruns this part alone, so the
    streamed text starts without the draft below being drawn again first; a finished draft, a confirmed
    carry-over or an improved outline then reruns the page (st.rerun)."""
    try:  # a rerun of this part alone does not pass through the frame's handler
        _facts_and_outline(service, choices)
    except UserError as error:
        refused(error)


def _facts_and_outline(service: DraftingService, choices: dict[str, PreviousChoice]) -> None:
    if finished := st.session_state.pop(LAST_DRAFTING, None):  # the status of the run that drafted
        with st.status(finished["label"], state=finished["state"], expanded=False):
            for note in finished["notes"]:
                st.write(note)
    if st.button("载入示例要点"):  # fills the form below: this part runs again, not the draft under it
        example = load_data("example_facts.yaml")
        for key in ("organization", "period", "org_type"):
            st.session_state[f"f_{key}"] = example[key]
        for key in ("facts", "problems", "plans"):
            st.session_state[f"f_{key}"] = "\n".join(example[key])
    kept_across_pages(FORM_KEYS)
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
        st.session_state.setdefault("f_target", DEFAULT_TARGET)  # a restored value and a default would clash
        target = st.slider("目标字数", *TARGET_RANGE, step=TARGET_STEP, key="f_target")
        previous, previous_file = carryover_panel.previous_field(choices)
        col7, col8, col9 = st.columns(3)
        submitted = col7.form_submit_button(
            "生成草稿", type="primary", key=f"generate_{st.session_state.get(DRAFTINGS, 0)}"
        )
        outline_only = col8.form_submit_button("先看提纲（可调整后再写作）")
        compare = col9.form_submit_button("对照上年计划")
    raw = {
        "organization": organization,
        "org_type": None if org_type == AUTO_UNIT else org_type,
        "period": period,
        "report_type": report_type,
        "facts": facts,
        "problems": problems,
        "plans": plans,
        "target_chars": target,
        "carryover": carryover_panel.confirmed_table(),
        "sources": materials_panel.fact_sources(facts),
    }
    if submitted or outline_only or compare:
        try:
            parsed = _parsed(raw)
        except UserError as error:
            refused(error)  # the form keeps what was typed
            return
        if compare:
            carryover_panel.compare(service, parsed, previous, previous_file)
        elif outline_only:
            st.session_state["outline"] = service.plan(parsed).model_dump()
        else:
            st.session_state.pop("outline", None)
            _generate(service, parsed)
            st.rerun()  # the new draft (or the unsaved one) is drawn below the form
    carryover_panel.review(service)
    if st.session_state.get("outline"):
        _outline_editor(service, raw)


def _parsed(raw: dict) -> Facts:
    """The form's facts. parse_facts names a facts file's keys for the command line (单位名称（organization）);
    the form has only its labels."""
    try:
        return parse_facts(raw)
    except UserError as error:
        message = re.sub(r"（[a-z_]+）", "", str(error)).replace("要点文件有问题：", "请检查填写的内容：")
        raise UserError(message) from error


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
        edited = edited_outline(outline, rows, bullets)
        st.session_state.pop("outline", None)
        if not _generate(service, _parsed(raw), edited):  # nothing written: the edited outline comes back
            st.session_state["outline"] = edited.model_dump()
            st.session_state.pop("outline_sections", None)
            st.session_state.pop("outline_bullets", None)
        st.rerun()
    if service.settings.llm_configured and col2.button("请模型改进提纲", key="outline_model"):
        improved, _ = service.improve_outline(_parsed(raw))
        st.session_state["outline"] = improved.model_dump()
        st.session_state.pop("outline_sections", None)
        st.session_state.pop("outline_bullets", None)
        st.rerun()


def _generate(service: DraftingService, facts: Facts, outline: Outline | None = None) -> bool:
    """Streams the draft into a status box; its outcome and estimate stay on the page after the rerun
    that draws the draft (LAST_DRAFTING). Starting one renames 生成草稿: the second click of a double
    click, which Streamlit queues behind this run, is for a button no longer drawn, so it drafts nothing."""
    st.session_state[DRAFTINGS] = st.session_state.get(DRAFTINGS, 0) + 1
    notes: list[str] = []
    with st.status("正在起草…", expanded=True) as status:
        if service.uses_model():
            usage, cost = service.estimate(facts, outline)
            remaining = service.remaining_tokens()
            left = "" if remaining is None else f"；您今天剩余额度 {remaining} token"
            notes.append(
                f"预计消耗：提示约 {usage.prompt_tokens} token，输出约 {usage.completion_tokens} token，"
                f"{cost_words(cost)}{left}"
            )
            status.write(notes[-1])
        view = _LiveView(status)
        try:
            draft = service.draft(
                facts,
                outline=outline,
                on_event=view.update,
                on_saved=lambda d: st.session_state.__setitem__("draft_id", d.id),
            )
        except DraftNotSaved as error:
            st.session_state.setdefault(UNSAVED, {})[error.draft.id] = error.draft.model_dump_json()
            st.session_state["unsaved_reason"] = str(error)
            _finished(status, "草稿已写完，但没有保存", "error", notes)
            return True
        except NothingWritten as error:  # not kept: the page goes back to the draft shown before
            st.session_state.pop("draft_id", None)
            _finished(status, str(error), "error", notes)
            return False
        st.session_state["draft_id"] = draft.id
        failed = [s for s in draft.sections if s.status == "failed"]
        if failed:  # the draft is saved, but these parts are notes, not text
            _finished(
                status,
                f"草稿已保存，但有 {len(failed)} 部分没有写成（见下方各部分），可单独重新生成",
                "error",
                notes,
            )
        else:
            _finished(status, "草稿已生成", "complete", notes)
    return True


def _finished(status, label: str, state: str, notes: list[str]) -> None:  # noqa: ANN001 - a status container
    """Marks the status box and keeps it for the rerun that draws the draft."""
    status.update(label=label, state=state)
    st.session_state[LAST_DRAFTING] = {"label": label, "state": state, "notes": notes}


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
            slot.caption(f"{event.name or event.key}：正在撰写…")
        elif event.kind == "delta":
            self.texts[event.key] = self.texts.get(event.key, "") + event.text
            slot.text(self.texts[event.key][-300:])
        elif event.kind == "section_done":
            slot.caption(f"{event.name or event.key}：已完成")
        elif event.kind == "section_failed":
            slot.text(f"{event.name or event.key}：失败（{event.text}），稍后可单独重新生成")


def show_draft(service: DraftingService, draft: Draft, revision: int) -> None:
    st.subheader(escape_markdown(draft.title))
    st.caption(f"草稿编号 {draft.id} · 引擎：{escape_markdown(engine_name(draft.engine))}")
    # a draft with every part written is not being drafted: no query on each of its page's runs
    writing = bool(draft.unwritten()) and service.is_being_written(draft.id)
    for notice in draft.notices():
        if not (writing and notice.startswith(PENDING_NOTICE)):
            st.warning(escape_markdown(notice))
    if writing:  # opened while another tab or process drafts it: its parts are coming, not cut off
        st.info(
            "这份草稿正在起草中（在另一个页面、标签页或另一个进程里），写好的部分会陆续保存；请稍后刷新本页查看。"
        )
    elif draft.unwritten():
        _write_unwritten(service, draft)
    reviews = service.review(draft)
    numbered = draft.numbered_headings()
    for section in draft.sections:
        _section(service, draft, section.key, reviews[section.key], numbered.get(section.key, ""))
    _signature(draft)
    materials_panel.correct_fact(service, draft)
    _exports(service, draft, revision, sum(r.open_findings for r in reviews.values()))
    st.code(draft.plain_text(), language=None)  # has a copy button


def _signature(draft: Draft) -> None:
    """The 落款 under the text, as the Word file writes it: what a reviewer's file changed it to on
    re-import can be seen here."""
    lines = draft.signature_lines()
    if not lines:
        st.caption("落款：已在修改稿中删去，导出的 Word 不写落款")
        return
    st.caption("落款（导出的 Word 写在正文之后，居右）")
    st.text("\n".join(lines))  # st.text: a unit's name is never read as Markdown


def _write_unwritten(service: DraftingService, draft: Draft) -> None:
    """One click for every part still unwritten (failed, or cut off when the page was left mid-way)."""
    unwritten = draft.unwritten()
    if not st.button(f"重新生成未写成的 {len(unwritten)} 部分", key=f"unwritten_{draft.id}_{len(unwritten)}"):
        return
    with st.status("正在重新生成未写成的部分…", expanded=True) as status:
        failures = service.write_unwritten(
            draft.id, on_section=lambda name, number, total: status.write(f"{name}（{number}/{total}）")
        )
    if failures:
        st.session_state[LAST_DRAFTING] = {
            "label": f"还有 {len(failures)} 部分没有写成",
            "state": "error",
            "notes": failures,
        }
    st.rerun()


@fragment
def _exports(service: DraftingService, draft: Draft, revision: int, open_findings: int) -> None:
    """The files, asked for here: asking, or ticking 带批注, reruns this part alone, not the sections above.
    A draft saved since (by a colleague, or in another tab) reruns the whole page instead, so the files,
    the confirmation and the text above are all of one version."""
    try:  # a rerun of this part alone does not pass through the frame's handler
        if service.revision(draft.id) != revision:
            st.rerun()
    except UserError as error:  # deleted in the meantime
        refused(error)
        return
    if not _export_wanted(draft, revision, open_findings):
        return
    col1, col2, col3 = st.columns(3)
    try:
        word_panel.word_download(service, draft, col1)
        materials_panel.evidence_download(service, draft, col3)
    except UserError as error:
        refused(error)
    col2.download_button(
        "下载 Markdown",
        draft.markdown(),
        file_name=f"{draft.title}.md",
        mime="text/markdown",
        on_click="ignore",
    )


def _export_wanted(draft: Draft, revision: int, open_findings: int) -> bool:
    """Whether to offer the files, which are made for the buttons as they are drawn: only once the user
    asks for them (or confirms the open findings), not on every run, where they cost the server about a
    tenth of its time in the 20-session soak. Asked for one version: a regenerated or edited section is
    a new version, whose findings were not the ones confirmed, so the question is asked again."""
    if open_findings:
        confirmed = st.checkbox(
            f"草稿还有 {open_findings} 处待核对的问题（标红的数值、未写入的要点、待补写或没有写成的部分）。"
            "我已核对，仍要导出。",
            key=f"export_ok_{draft.id}_{revision}",
        )
        if not confirmed:
            st.info("核对并处理标出的问题后即可导出；或勾选上面的确认框。")
        return confirmed
    return st.toggle("导出 Word、Markdown 和事实依据表", key=f"export_{draft.id}_{revision}")


@fragment
def _section(service: DraftingService, draft: Draft, key: str, review: SectionReview, heading: str) -> None:
    """One section and its widgets: typing, expanding or editing here reruns this section alone. An action
    that changes the draft reruns the whole page (st.rerun), so these arguments are never stale. A refused
    action (UserError) is shown here, since such a rerun does not pass through the frame's handler."""
    section = draft.section(key)
    with st.container(border=True):
        title = escape_markdown(heading or section_name(section.kind, ""))
        st.markdown(f"**{title}**\n\n{_highlighted(section_body(section), review.flags)}")
        try:  # a rerun of this section alone does not pass through the frame, which shows the others
            _findings(service, draft, key, review)
            _section_actions(service, draft, key)
        except UserError as error:
            refused(error)


def _findings(service: DraftingService, draft: Draft, key: str, review: SectionReview) -> None:
    if review.gaps and draft.section(key).status not in ("failed", "pending"):  # those say so in the text
        st.warning(
            "本节还有待补写的内容，导出前请编辑补上或重新生成本节：" + escape_markdown("；".join(review.gaps))
        )
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

    text = draft.section(key).text
    with suppress(SectionChanged):  # changed since this part was drawn: the rerun shows it, to check again
        service.edit(draft.id, key, apply_fixes(text, findings), based_on=text)  # never undoes that change
    st.rerun()


def _editor(service: DraftingService, draft_id: str, key: str, current: str) -> None:
    """编辑本部分. The box remembers the text it started from: untouched, it follows the section (after
    全部修正 it shows the fixed text); typed in while the section changed, it keeps the typing and asks
    before saving over the change, so an old box never silently undoes a fix or a colleague's edit."""
    box, start_key = f"edit_{draft_id}_{key}", f"edit_start_{draft_id}_{key}"
    start = st.session_state.get(start_key)
    if start is None or st.session_state.get(box, start) == start:
        st.session_state[box] = st.session_state[start_key] = start = current
    edited = st.text_area("编辑本部分", key=box)
    if start != current:
        st.warning(
            "本节在您开始修改之后已被改过（您点的“修正”、重新生成，或别人的修改）。框中仍是您改的文字，尚未保存。"
        )
        col1, col2 = st.columns(2)
        if col1.button("载入最新内容（放弃框中的修改）", key=f"edit_reload_{draft_id}_{key}"):
            st.session_state.pop(start_key)
            st.rerun()
        if col2.button("仍用框中的文字替换最新内容", key=f"edit_over_{draft_id}_{key}"):
            _save_edit(service, draft_id, key, edited, current, start_key)
    elif st.button("保存修改", key=f"save_{draft_id}_{key}") and edited != current:
        _save_edit(service, draft_id, key, edited, start, start_key)


def _save_edit(
    service: DraftingService, draft_id: str, key: str, text: str, based_on: str, start_key: str
) -> None:
    try:
        service.edit(draft_id, key, text, based_on=based_on)
    except SectionChanged:  # this section alone reran, on the text of the page's last run: draw the
        st.rerun()  # page anew, where the box keeps the typing and offers 载入最新内容 / 仍用框中的文字替换
    st.session_state.pop(start_key)  # the box follows the saved section again
    st.rerun()


def _highlighted(text: str, flags: list[str]) -> str:
    """Escaped text with the fact guard's findings marked in red."""
    shown = escape_markdown(shorten_runs(text))
    for flag in sorted(set(flags), key=len, reverse=True):
        shown = shown.replace(escape_markdown(flag), f":red-background[{escape_markdown(flag)}]")
    return shown


def _section_actions(service: DraftingService, draft: Draft, key: str) -> None:
    """重新生成 on the section's own row; the rest, 修改要求 included, is drawn only once opened: most runs
    of the page never look inside, and each text box drawn costs a pass over the session's whole state.
    重新生成 follows the 修改要求 typed in the open panel (its value is there before the box is drawn). Its key
    counts the section's versions, so the queued second click of a double click, made for the version
    being replaced, regenerates nothing."""
    section = draft.section(key)
    instruction_key = f"ins_{draft.id}_{key}"
    if st.button("重新生成", key=f"regen_{draft.id}_{key}_{len(section.previous_versions)}"):
        with st.spinner(f"正在重新生成“{escape_markdown(section_name(section.kind, section.heading))}”…"):
            service.regenerate(draft.id, key, st.session_state.get(instruction_key, ""))
        st.rerun()
    more = st.expander(
        "修改要求 / 编辑 / 参考范文 / 历史版本", key=f"more_{draft.id}_{key}", on_change="rerun"
    )
    if not more.open:
        return
    with more:
        st.text_input(
            "修改要求（可选，如：更简洁）", key=instruction_key, placeholder="填好后点本节的“重新生成”"
        )
        _editor(service, draft.id, key, section.text)
        for hit in section.sources:
            st.caption(escape_markdown(f"参考：{hit.report_title}（{hit.report}）· {hit.heading_path}"))
            st.text(hit.text[:300])
        for index, old in enumerate(section.previous_versions):
            st.text(f"版本 {index + 1}：{old[:200]}")
            if st.button(f"恢复版本 {index + 1}", key=f"restore_{draft.id}_{key}_{index}"):
                service.restore(draft.id, key, index)
                st.rerun()


page_draft(current_service())
