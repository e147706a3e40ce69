"""账户管理 (administrators, with accounts): users, quotas and the audit log."""

import streamlit as st

from app.current import service as current_service
from drafting.office import OfficeService
from drafting.service import DraftingService
from drafting.text.markup import escape_markdown


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


page_accounts(current_service())
