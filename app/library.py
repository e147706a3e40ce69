"""范文库: browse, search, import, remove and publish reference reports."""

from functools import partial

import streamlit as st

from app.common import delete_button, refused
from app.current import service as current_service
from drafting.background import FAILED, Job
from drafting.corpus.classify import UNIT_TYPES
from drafting.corpus.reports import Report
from drafting.corpus.show import format_report_tree
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown
from drafting.writing.draft import section_name

REMOVING = "removing_report"  # the imported report whose 删除这篇范文 was clicked, asked about first
IMPORTED = "imports_ended"  # jobs that ended during a run, shown by the rerun whose list holds them


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
    shown = [m for m in reports if unit in ("全部", m.unit_type) and kind in ("全部", m.kind)]
    query = st.text_input("检索范文段落")  # the service refuses one over MAX_QUERY_CHARS, in Chinese
    if query.strip():
        hits = service.search(query, k=5, unit_type=None if unit == "全部" else unit)
        if hits.incomplete:
            st.info(escape_markdown(hits.notice))
        for hit in hits:
            st.caption(
                escape_markdown(
                    f"{hit.report_title}（{hit.report}，{section_name(hit.part, '')}）· {hit.heading_path}"
                )
            )
            st.text(hit.text[:400])
    choice = st.selectbox("阅读范文", shown, format_func=lambda m: f"{m.title}（{m.unit_type}·{m.kind}）")
    if choice:
        _show_report(service, service.listed_report(choice.id))
    upload = st.file_uploader("导入自己的范文（.docx / .pdf / .doc / .wps / .txt / .md）")
    started = service.start_import(upload.name, upload.getvalue()) if upload and st.button("导入") else None
    ended_before = st.session_state.pop(IMPORTED, [])  # in the runs before this one, which lists them
    for job in ended_before:
        _outcome(job)
    jobs = service.import_jobs()  # any still running, or finished while the user was away
    if started is not None and started.id not in {job.id for job in jobs}:  # another tab showed its end
        jobs.append(started)
    for job in jobs:
        _follow(job)
        job.seen = True
    listed = {meta.id for meta in reports}
    if any(job.state != FAILED and job.result.meta.id not in listed for job in jobs):
        st.session_state[IMPORTED] = [*ended_before, *jobs]  # every outcome: this run's are lost with it
        st.rerun()  # the 阅读范文 list above was drawn before they were in it
    for job in jobs:
        _outcome(job)


def _follow(job: Job) -> None:
    """The job's progress until it ends. The import runs on its own thread: a click elsewhere ends this
    following (the page reruns), never the import; its outcome then waits for the next visit to 范文库."""
    if job.finished:
        return
    title = escape_markdown(job.title)  # the uploader's file name: text, never markup
    bar = st.progress(0.0, text=f"{title}：{job.state}…")
    while not job.finished:
        job.wait(0.5)
        if job.total:
            bar.progress(job.done / job.total, text=f"{title}：正在建立索引 {job.done}/{job.total} 段")
    bar.empty()


def _outcome(job: Job) -> None:
    if job.state == FAILED:
        refused(UserError(f"{job.title}：{job.error}"))
        return
    report = job.result
    st.progress(1.0, text="已建立索引")
    st.success(f"已导入：{escape_markdown(report.meta.title)}（{report.meta.id}）")
    if report.set_aside:
        st.warning(
            "范文里有像是对写作的要求的句子，已去掉，不会进入范文库："
            + escape_markdown("；".join(report.set_aside))
        )


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
    delete_button(
        cols[0],
        "删除这篇范文",
        f"remove_{meta.id}",
        f"确定从范文库删除《{escape_markdown(meta.title)}》（{meta.id}）吗？删除后不能恢复，需要时请重新导入。",
        REMOVING,
        meta.id,
        partial(service.remove_report, meta.id),
    )
    if service.actor.is_admin and not service.actor.is_local:
        label = "取消发布" if published else "发布给所有单位"
        if cols[1].button(label, key=f"publish_{meta.id}"):
            service.publish_report(meta.id, not published)
            st.rerun()


page_library(current_service())
