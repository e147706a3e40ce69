"""账户管理 (administrators, with accounts): users, quotas and the audit log."""

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from app.current import service as current_service
from drafting.office import AuditFilter, OfficeService
from drafting.output.audit_csv import HEADER, audit_rows
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
    now = datetime.now(UTC)
    st.dataframe(
        [
            {
                "用户名": u.name,
                "单位": u.unit,
                "管理员": "是" if u.is_admin else "",
                "状态": "已停用" if u.disabled else ("登录已锁定" if u.locked(now) else "正常"),
                "锁定至": f"{ends.astimezone():%Y-%m-%d %H:%M}" if (ends := u.lock_ends(now)) else "",
                "锁定地址": "、".join(u.locked_from(now)),
            }
            for u in rows
        ],
        hide_index=True,
    )
    st.subheader("停用、启用、解锁与重置密码")
    locked = [f"{u.name}（{'、'.join(u.locked_from(now))}）" for u in rows if u.locked(now)]
    if locked:
        st.warning(
            escape_markdown(
                f"因连续输错密码而锁定的账户（括号内为被锁定的地址）：{'、'.join(locked)}。"
                "确认是本人后可选中账户点“解锁”。"
            )
        )
    names = [u.name for u in rows]
    chosen = st.selectbox("账户", names, key="account_pick")
    col1, col2, col3, col4 = st.columns(4)
    if chosen and col1.button("停用", key="account_disable"):
        office.set_disabled(chosen, True)
        st.rerun()
    if chosen and col2.button("启用", key="account_enable"):
        office.set_disabled(chosen, False)
        st.rerun()
    if chosen and col4.button("解锁", key="account_unlock"):
        office.unlock(chosen)
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
    _audit_log(office)


PER_PAGE = 50


def _audit_log(office: OfficeService) -> None:
    """The audit log, filtered and paged: a flood of anonymous sign-in attempts cannot push the genuine
    entries out of reach. Cells that a spreadsheet would run as formulas are shown (and exported) as text."""
    st.subheader("审计日志")
    col1, col2, col3 = st.columns(3)
    user = col1.text_input("用户名包含", key="audit_user")[:50]  # a name is shorter
    action = col2.selectbox(
        "操作", ["", *office.audit_actions()], format_func=lambda a: a or "全部", key="audit_action"
    )
    days = col3.date_input("日期范围", value=(), key="audit_days")
    since = datetime.combine(days[0], time.min).astimezone() if len(days) >= 1 else None
    until = datetime.combine(days[-1], time.min).astimezone() + timedelta(days=1) if len(days) == 2 else None
    where = AuditFilter(user=user, action=action, since=since, until=until)
    total = office.audit_count(where)
    pages = max(1, -(-total // PER_PAGE))
    page = st.number_input(f"页码（共 {pages} 页，{total} 条）", 1, pages, 1, key="audit_page")
    st.dataframe(
        [
            dict(zip(HEADER, row, strict=True))
            for row in audit_rows(office.audit_log(where, int(page), PER_PAGE))
        ],
        hide_index=True,
    )
    st.download_button(
        "导出筛选结果（CSV）",
        office.audit_csv(where),
        file_name="审计日志.csv",
        mime="text/csv",
        key="audit_csv",
    )


page_accounts(current_service())
