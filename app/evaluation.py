"""评测 (administrators): a case set on the configured endpoint beside the offline engine, with progress."""

import streamlit as st

from app.current import service as current_service
from drafting.office import OfficeService
from drafting.service import DraftingService
from drafting.writing.estimate import cost_words


def page_eval(service: DraftingService) -> None:
    """Run a chosen case set against the configured endpoint (and the offline baseline), with progress."""
    office = OfficeService(service)
    st.header("评测")
    st.caption(
        "用同一批要点分别让已配置的模型接口和离线引擎起草，逐项比较要点覆盖、无依据数值、篇幅、语气、速度和费用。"
    )
    cases = office.eval_cases
    names = st.multiselect(
        "用例",
        [c.name for c in cases],
        default=[c.name for c in cases[:3]],
        key="eval_cases",
        placeholder="请选择用例（可多选）",
    )
    st.text("参与评测：" + "、".join(system.name for system in office.eval_systems))
    if estimate := office.eval_estimate(names):
        st.text(
            f"预计：提示约 {estimate.prompt_tokens} token，输出约 {estimate.completion_tokens} token，"
            f"{cost_words(estimate.cost)}，用时约 {estimate.seconds:.0f} 秒"
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
    st.markdown(office.eval_table(result))
    st.bar_chart({run.system: (run.summary.fact_coverage or 0) * 100 for run in result.runs})
    st.caption("要点覆盖率（%）")
    st.bar_chart({run.system: run.summary.length_score or 0 for run in result.runs})
    st.caption("篇幅得分（满分 100）")


page_eval(current_service())
