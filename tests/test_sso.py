"""Single sign-on onto existing accounts, without a browser: which claims name which account, who is refused,
what is audited, and that a provider sign-in opens one ordinary session (test_browser_sso has the real flow)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from drafting.access import Actor
from drafting.accounts import Passwords, Sessions, Users
from drafting.accounts.sessions import IDLE_TIMEOUT, MAX_FAILURES
from drafting.accounts.sso import (
    CLOCK_SKEW,
    FRESH_FOR,
    SSO_LOGIN,
    ProviderSignIns,
    account_name,
    sign_in_with_sso,
)
from drafting.errors import UserError
from drafting.storage import Database
from drafting.storage.audit import audit_log
from drafting.storage.database import open_database
from drafting.storage.models import LoginSession, ProviderSignIn, User
from tests.test_accounts import PASSWORD, Clock

ADMIN = Actor(None, None, True, "审计")  # reads the audit log


@pytest.fixture
def users(db: Database, fast_passwords: Passwords) -> Users:
    users = Users(db, fast_passwords)
    users.create_user("李红", "红杉医院工会", PASSWORD)
    users.create_user("wang@example.org", "青松中学工会", PASSWORD, admin=True)
    return users


def count(db: Database, model: type) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def newest_audit(db: Database) -> tuple[str, str, str, str]:
    entry = audit_log(db, ADMIN, limit=1)[0]
    return entry.user_name, entry.unit_name, entry.action, entry.detail


# --- which account the claims name ---------------------------------------------------------------------------


def test_preferred_username_names_the_account_before_email():
    assert account_name({"preferred_username": "李红", "email": "lh@example.org"}) == "李红"


def test_a_verified_email_names_the_account_when_there_is_no_username():
    verified = {"email_verified": True}
    assert (
        account_name({"preferred_username": "", "email": " wang@example.org ", **verified})
        == "wang@example.org"
    )


def test_a_typed_name_and_a_claimed_one_compare_alike():
    decomposed = "李红e\u0301"  # e + combining accent: NFC makes it é, as typed names are stored
    assert account_name({"preferred_username": decomposed}) == "李红é"


@pytest.mark.parametrize("flag", [{"email_verified": False}, {}, {"email_verified": "true"}])
def test_an_email_not_marked_verified_names_no_one(flag: dict) -> None:
    with pytest.raises(UserError, match="没有标明已验证"):
        account_name({"email": "wang@example.org", **flag})


def test_claims_without_a_name_are_refused_with_the_fix():
    with pytest.raises(UserError, match="preferred_username.*email"):
        account_name({"sub": "u-1", "name": "李红"})


# --- signing in -------------------------------------------------------------------------------------------------


def test_an_existing_account_signs_in_with_an_ordinary_session(db, users, fast_passwords):
    clock = Clock()
    actor, token = sign_in_with_sso(db, {"preferred_username": "李红"}, clock=clock)
    assert (actor.name, actor.unit_name, actor.is_admin) == ("李红", "红杉医院工会", False)
    assert newest_audit(db) == ("李红", "红杉医院工会", SSO_LOGIN, "")

    sessions = Sessions(db, fast_passwords, clock=clock)
    assert sessions.session_user(token) == actor
    clock.advance(seconds=(IDLE_TIMEOUT - timedelta(seconds=1)).total_seconds())
    assert sessions.session_user(token) == actor, "still within the idle timeout"
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds())
    assert sessions.session_user(token) is None, "idle as long as a password session may be"


def test_an_admin_account_named_by_email_keeps_its_role(db, users):
    actor, _ = sign_in_with_sso(db, {"email": "wang@example.org", "email_verified": True})
    assert (actor.name, actor.unit_name, actor.is_admin) == ("wang@example.org", "青松中学工会", True)


def test_an_unknown_user_is_refused_and_no_account_is_made(db, users):
    before = count(db, User)
    with pytest.raises(UserError, match="“张三”在本系统中没有账户。请联系本单位的管理员"):
        sign_in_with_sso(db, {"preferred_username": "张三", "email": "zs@example.org"})
    assert count(db, User) == before
    assert count(db, LoginSession) == 0
    assert newest_audit(db) == ("张三", "", "登录失败", "统一身份认证：本系统没有此账户")


@pytest.mark.parametrize("claimed", [" 李红 ", "李红\u3000", "\t李红"])
def test_a_padded_provider_name_is_another_user_and_is_refused(db, users, claimed):
    with pytest.raises(UserError, match="前后有空格"):
        sign_in_with_sso(db, {"preferred_username": claimed})
    assert count(db, LoginSession) == 0


def test_the_password_lock_holds_for_single_sign_on_too(db, users, fast_passwords):
    """From the address the wrong passwords came from; the owner elsewhere still signs in."""
    sessions = Sessions(db, fast_passwords, sleep=lambda seconds: None)
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            sessions.authenticate("李红", "wrong password", "203.0.113.9")
    with pytest.raises(UserError, match="账户已暂时锁定"):
        sign_in_with_sso(db, {"preferred_username": "李红"}, "203.0.113.9")
    assert count(db, LoginSession) == 0
    assert newest_audit(db)[2:] == ("登录被拒", "统一身份认证：账户已锁定（203.0.113.9）")
    actor, _ = sign_in_with_sso(db, {"preferred_username": "李红"}, "10.1.2.3")
    assert actor.name == "李红"


def test_a_disabled_account_is_refused(db, users):
    users.disable("李红")
    with pytest.raises(UserError, match="已被停用"):
        sign_in_with_sso(db, {"preferred_username": "李红"})
    assert count(db, LoginSession) == 0
    assert newest_audit(db) == ("李红", "红杉医院工会", "登录被拒", "统一身份认证：账户已停用")


def test_disabling_ends_a_single_sign_on_session(db, users, fast_passwords):
    _, token = sign_in_with_sso(db, {"preferred_username": "李红"})
    users.disable("李红")
    assert Sessions(db, fast_passwords).session_user(token) is None


# --- each provider sign-in opens one session, while fresh ----------------------------------------------------


def identity(clock: Clock, age: timedelta = timedelta(0), **values: object) -> dict[str, object]:
    issued = (clock.now - age).timestamp()
    return {"iss": "http://idp.test", "sub": "u-1", "iat": issued, "nonce": "n-1", **values}


def test_a_provider_sign_in_is_used_once(db: Database):
    clock = Clock()
    sign_ins = ProviderSignIns(db, clock)
    assert sign_ins.first_use(identity(clock))
    assert not sign_ins.first_use(identity(clock)), "a sign-out here is not undone by the provider's cookie"
    assert sign_ins.first_use(identity(clock, nonce="n-2")), "signing in at the provider again works"
    assert sign_ins.first_use(identity(clock, sub="u-2")), "another person at the same moment"


def test_a_provider_sign_in_opens_one_session_across_app_processes(db: Database, database_url: str):
    """Each app process has its own objects and connections; what was used is in the shared database."""
    clock = Clock()
    other_process = open_database(database_url)
    try:
        assert ProviderSignIns(db, clock).first_use(identity(clock))
        assert not ProviderSignIns(other_process, clock).first_use(identity(clock))
    finally:
        other_process.close()


def test_a_stale_or_undated_provider_sign_in_opens_nothing(db: Database):
    clock = Clock()
    sign_ins = ProviderSignIns(db, clock)
    assert not sign_ins.first_use(identity(clock, FRESH_FOR + timedelta(seconds=1)))
    assert not sign_ins.first_use(identity(clock, -(CLOCK_SKEW + timedelta(seconds=1))))
    assert not sign_ins.first_use({"iss": "http://idp.test", "sub": "u-1", "nonce": "n-1"})
    for odd in ("1700000000", True, float("nan"), 1e20):
        assert not sign_ins.first_use(identity(clock, iat=odd)), odd
    assert sign_ins.first_use(identity(clock, FRESH_FOR - timedelta(seconds=1)))


def test_used_sign_ins_are_forgotten_once_stale_and_stay_refused(db: Database):
    clock = Clock()
    sign_ins = ProviderSignIns(db, clock)
    used = identity(clock)
    assert sign_ins.first_use(used)
    clock.advance(seconds=FRESH_FOR.total_seconds() + 1)
    assert sign_ins.first_use(identity(clock, nonce="n-9"))  # prunes the old entry
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ProviderSignIn)) == 1
    assert not sign_ins.first_use(used), "now refused for being stale"
