"""The app with accounts, through streamlit's AppTest: sign-in, roles, the accounts page and quotas."""

import pytest
from streamlit.testing.v1 import AppTest

from drafting.accounts import QuotaExceeded, Quotas, Users
from drafting.models import factory
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage.audit import audit_log
from drafting.writing.facts import parse_facts
from tests.apppages import SIGNED_OUT, go, offered
from tests.conftest import ROOT
from tests.fakes import scripted_model
from tests.pg import TEST_PASSWORD

MEMBER_PAGES = ["起草", "语气对比", "范文库", "历史", "设置"]


@pytest.fixture
def office(tmp_path, monkeypatch, fast_passwords):
    """A member and an admin of two units; no bundled reports, so there is nothing to index."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    service = DraftingService(load_settings())
    users = Users(service.database, fast_passwords)
    users.create_user("alice", "红杉医院工会", TEST_PASSWORD)
    users.create_user("root", "区总工会", TEST_PASSWORD, admin=True)
    return service


def signed_in(name: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    app.text_input[0].input(name)
    app.text_input[1].input(TEST_PASSWORD)
    app.button(key="FormSubmitter:login-登录").click().run()
    assert not app.exception
    return app


def test_a_visitor_sees_only_the_login_page_and_wrong_credentials_read_the_same(office):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert offered(app) == SIGNED_OUT and [t.label for t in app.text_input] == ["用户名", "密码"]
    messages = []
    for name in ("alice", "nobody"):
        app.text_input[0].input(name)
        app.text_input[1].input("wrong password!")
        app.button(key="FormSubmitter:login-登录").click().run()
        messages.append([e.value for e in app.error])
        assert offered(app) == SIGNED_OUT
    assert messages[0] == messages[1] == ["用户名或密码不正确。"]


def test_a_member_gets_member_pages_and_no_endpoint_fields(office):
    app = signed_in("alice")
    assert offered(app) == MEMBER_PAGES
    for admin_page in ("评测", "账户管理"):  # not in the menu, and no URL leads there either
        with pytest.raises(ValueError, match="not a registered page|registered"):
            go(app, admin_page)
    go(app, "设置")
    assert not app.exception and not app.text_input  # the sidebar's 修改密码 is drawn once opened
    app.session_state["change_password_open"] = True
    fields = [t.label for t in app.run().text_input]
    assert not app.exception and fields == ["原密码", "新密码", "再输一遍新密码"]  # the sidebar's form only
    assert any("由管理员统一配置" in c.value for c in app.caption)


def test_beyond_loopback_the_sign_in_page_is_served_once_an_account_exists(office):
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")  # the autouse fixture sets it back
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.error and [t.label for t in app.text_input] == ["用户名", "密码"]


def test_the_admin_manages_accounts_and_reads_the_audit_log(office):
    app = signed_in("root")
    assert offered(app) == [*MEMBER_PAGES[:4], "评测", "设置", "账户管理"]
    go(app, "账户管理")
    form = {t.label: t for t in app.text_input}
    form["新用户名"].input("bob")
    form["所属单位"].input("青松中学工会")
    form["初始密码"].input("another long password")
    app.button(key="FormSubmitter:new_user-创建账户").click().run()
    assert not app.exception and any("已创建账户：bob" in s.value for s in app.success)
    app.selectbox(key="account_pick").set_value("bob").run()
    app.button(key="account_reset").click().run()
    new_password = app.code[0].value
    assert len(new_password) >= 12
    app.button(key="account_disable").click().run()
    listed = {u.name: u for u in Users(office.database).list_users()}
    assert listed["bob"].disabled and listed["bob"].unit == "青松中学工会"
    actions = [e.action for e in audit_log(office.database, office.actor)]
    assert {"登录", "创建账户", "重置密码", "停用账户"} <= set(actions)
    assert new_password not in str(audit_log(office.database, office.actor))


def test_the_admin_sees_a_locked_account_and_unlocks_it(office):
    from drafting.accounts import Sessions
    from drafting.accounts.sessions import MAX_FAILURES
    from drafting.errors import UserError

    stranger = Sessions(office.database, sleep=lambda seconds: None)
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            stranger.authenticate("alice", "a stranger's guess")
    app = signed_in("root")
    go(app, "账户管理")
    assert any("锁定的地址）：alice（未知地址）" in w.value for w in app.warning)
    app.selectbox(key="account_pick").set_value("alice").run()
    app.button(key="account_unlock").click().run()
    assert not app.exception and not any("锁定的账户" in w.value for w in app.warning)
    assert "解锁账户" in [e.action for e in audit_log(office.database, office.actor)]
    assert stranger.session_user(stranger.authenticate("alice", TEST_PASSWORD)) is not None


def test_a_disabled_user_is_refused_on_the_next_action(office):
    app = signed_in("alice")
    assert offered(app)
    Users(office.database).disable("alice")
    go(app, "历史")
    assert offered(app) == SIGNED_OUT and any("登录已失效" in w.value for w in app.warning)


def test_over_quota_nothing_is_generated_and_the_estimate_says_what_remains(office, monkeypatch):
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: scripted_model())
    Quotas(office.database).set_quota("user", "alice", 500)
    from drafting.accounts import Sessions

    sessions = Sessions(office.database, sleep=lambda seconds: None)
    alice = sessions.session_user(sessions.authenticate("alice", TEST_PASSWORD))
    settings = office.base_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    service = DraftingService(settings, alice)
    facts = parse_facts(
        {"organization": "红杉医院工会", "period": "2024年", "facts": ["春节走访慰问困难职工23户"]}
    )
    assert service.remaining_tokens() == 500
    with pytest.raises(QuotaExceeded, match="今天剩余额度只有 500 token"):
        service.draft(facts)
    assert service.list_drafts() == []  # refused before the first section
    Quotas(office.database).set_quota("user", "alice", 10**6)
    draft = service.draft(facts)
    assert service.remaining_tokens() == 10**6 - draft.usage.total and draft.usage.total > 0


@pytest.mark.parametrize("next_user", ["alice", "bob"])
def test_after_a_session_ends_only_the_same_user_gets_the_tabs_work_back(office, fast_passwords, next_user):
    """One tab: alice's session ends (idle timeout, or an admin) while she has an outline with her facts
    open. Signing in again, she finds it as she left it; bob, signing in there instead, sees none of it."""
    from sqlalchemy import delete

    from drafting.storage.models import LoginSession

    Users(office.database, fast_passwords).create_user("bob", "青松中学工会", TEST_PASSWORD)
    secret = "护理部拟调整三名职工岗位（内部事项）"
    app = signed_in("alice")
    app.text_input(key="f_organization").input("红杉医院工会")
    app.text_input(key="f_period").input("2025年")
    app.text_area(key="f_facts").input(f"召开职工代表大会\n{secret}")
    app.button(key="FormSubmitter:facts-先看提纲（可调整后再写作）").click().run()
    assert not app.exception and "outline" in app.session_state
    with office.database.transaction() as session:
        session.execute(delete(LoginSession))
    app.run()
    assert any("登录已失效" in w.value for w in app.warning)
    app.text_input[0].input(next_user)
    app.text_input[1].input(TEST_PASSWORD)
    app.button(key="FormSubmitter:login-登录").click().run()
    assert not app.exception and any(next_user in c.value for c in app.sidebar.caption)
    shown = str(app.get("arrow_data_frame")) + str([t.value for t in app.text_area])
    if next_user == "alice":
        assert "outline" in app.session_state and secret in shown
    else:
        assert "outline" not in app.session_state and secret not in shown
        assert [t.value for t in app.text_area if t.key == "f_facts"] == [""]
