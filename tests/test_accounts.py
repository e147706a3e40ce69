"""Accounts, sign-in sessions and quotas, on SQLite and PostgreSQL."""

import csv
import hashlib
import io
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, select

from drafting.access import CONSOLE, Actor
from drafting.accounts import Passwords, QuotaExceeded, Quotas, Sessions, Users
from drafting.accounts.names import normal_form
from drafting.accounts.sessions import LOCK_MINUTES, MAX_FAILURES, WRONG_CREDENTIALS
from drafting.errors import UserError
from drafting.output.audit_csv import audit_csv
from drafting.storage import Database, PermissionDenied
from drafting.storage.audit import AuditFilter, audit_actions, audit_count, audit_log
from drafting.storage.models import LoginSession, User

SignIn = Callable[..., Actor]
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def users(db: Database, fast_passwords: Passwords) -> Users:
    return Users(db, fast_passwords)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def sessions(db: Database, fast_passwords: Passwords, clock: Clock, slept: list[float]) -> Sessions:
    return Sessions(db, fast_passwords, clock=clock, sleep=slept.append)


def test_names_with_quotes_sql_and_html_are_plain_data(
    users: Users, sessions: Sessions, db: Database
) -> None:
    names = [
        "Robert'); DROP TABLE users;--",
        '<script>alert("x")</script>',
        '张三 "老张" O\'Neil',
        "  王五  ",
    ]
    for name in names:
        users.create_user(name, "机关工会'; DELETE FROM units;--", PASSWORD)
    listed = {u.name: u.unit for u in users.list_users()}
    assert set(listed) == {n.strip() for n in names}
    assert set(listed.values()) == {"机关工会'; DELETE FROM units;--"}
    with db.engine.connect() as connection:
        assert {"users", "units"} <= set(inspect(connection).get_table_names())
    actor = sessions.session_user(sessions.authenticate("Robert'); DROP TABLE users;--", PASSWORD))
    assert actor is not None and actor.name == "Robert'); DROP TABLE users;--"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("字" * 51, "最多 50 个字符"),
        ("line\nbreak", "控制字符"),
        ("tab\there", "控制字符"),
        ("nul\x00", "控制字符"),
        ("zero\u200bwidth", "控制字符"),
    ],
)
def test_unusable_names_are_refused(users: Users, name: str, problem: str) -> None:
    with pytest.raises(UserError, match=problem):
        users.create_user(name, "机关工会", PASSWORD)
    assert not users.has_any_user()


def test_names_up_to_50_characters_and_one_account_per_name(users: Users) -> None:
    users.create_user("字" * 50, "机关工会", PASSWORD)
    with pytest.raises(UserError, match="单位名称最多 50 个字符"):
        users.create_user("bob", "工" * 51, PASSWORD)
    users.create_user("alice", "机关工会", PASSWORD)
    with pytest.raises(UserError, match="已经有人用了"):
        users.create_user(" alice ", "教育工会", PASSWORD)
    with pytest.raises(UserError, match="至少需要 8 个字符"):
        users.create_user("bob", "机关工会", "short")
    assert sorted(u.name for u in users.list_users()) == sorted(["字" * 50, "alice"])


def test_the_first_account_ends_single_user_mode(users: Users) -> None:
    assert not users.has_any_user()
    users.create_user("admin", "总工会", PASSWORD, admin=True)
    assert users.has_any_user()
    [info] = users.list_users()
    assert (info.name, info.unit, info.is_admin, info.disabled) == ("admin", "总工会", True, False)


def test_sign_in_gives_a_token_of_which_only_the_hash_is_stored(
    users: Users, sessions: Sessions, db: Database
) -> None:
    users.create_user("alice", "机关工会", PASSWORD, admin=True)
    token = sessions.authenticate("alice", PASSWORD)
    assert len(token) >= 43  # 32 random bytes, URL-safe
    actor = sessions.session_user(token)
    assert actor is not None
    assert (actor.name, actor.unit_name, actor.is_admin) == ("alice", "机关工会", True)
    with db.reading() as session:
        [stored] = session.scalars(select(LoginSession.token_hash)).all()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert sessions.session_user(token + "x") is None
    assert sessions.session_user("") is None


def test_a_name_typed_in_another_unicode_form_is_the_same_account(users: Users, sessions: Sessions) -> None:
    users.create_user("Zoë", "机关工会", PASSWORD)  # composed ë
    actor = sessions.session_user(sessions.authenticate(" Zoe\u0308 ", PASSWORD))  # e + combining diaeresis
    assert actor is not None and actor.name == "Zoë"
    with pytest.raises(UserError, match="已经有人用了"):
        users.create_user("Zoe\u0308", "机关工会", PASSWORD)


def test_unknown_name_and_wrong_password_read_the_same(users: Users, sessions: Sessions) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    with pytest.raises(UserError) as unknown:
        sessions.authenticate("nobody", PASSWORD)
    with pytest.raises(UserError) as wrong:
        sessions.authenticate("alice", "wrong password")
    assert str(unknown.value) == str(wrong.value) == WRONG_CREDENTIALS == "用户名或密码不正确。"


def test_failures_slow_down_then_lock_and_the_lock_passes(
    users: Users, sessions: Sessions, clock: Clock, slept: list[float]
) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(UserError, match="用户名或密码不正确"):
            sessions.authenticate("alice", "wrong password")
    with pytest.raises(UserError, match=f"账户已暂时锁定，请 {LOCK_MINUTES} 分钟后再试"):
        sessions.authenticate("alice", "wrong password")
    assert slept == sorted(slept) and slept[0] < slept[-1] <= 8.0
    assert len(slept) == MAX_FAILURES
    clock.advance(minutes=LOCK_MINUTES - 5)
    with pytest.raises(UserError, match="请 5 分钟后再试"):
        sessions.authenticate("alice", PASSWORD)  # even the right password waits
    clock.advance(minutes=5, seconds=1)
    assert sessions.session_user(sessions.authenticate("alice", PASSWORD)) is not None
    with pytest.raises(UserError, match="用户名或密码不正确"):
        sessions.authenticate("alice", "wrong password")  # the count started again
    assert slept[-1] == slept[0]


def test_trying_names_tells_no_account_from_a_real_one(
    users: Users, db: Database, fast_passwords: Passwords, clock: Clock
) -> None:
    """The same pauses and, after as many tries, the same lock message for an unknown name as for a real
    account: neither timing nor wording shows which names exist."""
    users.create_user("alice", "机关工会", PASSWORD)
    seen: dict[str, tuple[list[float], list[str]]] = {}
    for name in ("alice", "nobody"):
        pauses: list[float] = []
        sessions = Sessions(db, fast_passwords, clock=clock, sleep=pauses.append)
        messages = []
        for _ in range(MAX_FAILURES):
            with pytest.raises(UserError) as refused:
                sessions.authenticate(name, "wrong password")
            messages.append(str(refused.value))
        seen[name] = (pauses, messages)
    assert seen["alice"] == seen["nobody"]
    assert seen["nobody"][0] == sorted(seen["nobody"][0]) and len(set(seen["nobody"][0])) > 1
    assert "账户已暂时锁定" in seen["nobody"][1][-1] and seen["nobody"][1][0] == WRONG_CREDENTIALS


def test_locked_and_unlocked_answers_are_the_same_for_real_and_unknown_names(
    users: Users, db: Database, fast_passwords: Passwords, clock: Clock
) -> None:
    """While locked, the same countdown and the same pause; after the lock, the count starts again, so one
    wrong try by a stranger does not lock the owner out again."""
    users.create_user("alice", "机关工会", PASSWORD)
    seen: dict[str, list[tuple[str, float]]] = {}
    start = clock.now
    for name in ("alice", "nobody"):
        clock.now = start
        pauses: list[float] = []
        sessions = Sessions(db, fast_passwords, clock=clock, sleep=pauses.append)
        answers = []
        for minutes in [0] * MAX_FAILURES + [
            5,
            5,
            LOCK_MINUTES - 9,
        ]:  # five tries, two while locked, one after
            clock.advance(minutes=minutes)
            with pytest.raises(UserError) as refused:
                sessions.authenticate(name, "wrong password")
            answers.append((str(refused.value), pauses[-1]))
        seen[name] = answers
    assert seen["alice"] == seen["nobody"]
    assert f"请 {LOCK_MINUTES - 5} 分钟后再试" in seen["nobody"][-3][0]
    assert f"请 {LOCK_MINUTES - 10} 分钟后再试" in seen["nobody"][-2][0]
    assert seen["nobody"][-1] == (WRONG_CREDENTIALS, seen["nobody"][0][1])  # after the lock: counting anew


def test_a_strangers_wrong_passwords_lock_out_only_their_own_address(
    users: Users, sessions: Sessions, sign_in: SignIn, clock: Clock
) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    admin = sign_in(users.db, "admin", "总工会", admin=True)
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            sessions.authenticate("alice", "a stranger's guess", "203.0.113.9")
    with pytest.raises(UserError, match="账户已暂时锁定"):
        sessions.authenticate("alice", PASSWORD, "203.0.113.9")  # from there even the right password waits
    for _ in range(MAX_FAILURES - 1):  # the owner's own slips at their desk are counted apart
        with pytest.raises(UserError, match="用户名或密码不正确"):
            sessions.authenticate("alice", "typo", "10.1.2.3")
    assert sessions.session_user(sessions.authenticate("alice", PASSWORD, "10.1.2.3")) is not None
    (alice,) = [u for u in users.list_users(by=admin) if u.name == "alice"]
    assert alice.locked_from(clock()) == ["203.0.113.9"]
    assert alice.lock_ends(clock()) == clock() + timedelta(minutes=LOCK_MINUTES)
    users.unlock("alice", by=admin)
    assert sessions.session_user(sessions.authenticate("alice", PASSWORD, "203.0.113.9")) is not None


def test_the_pause_is_capped(users: Users, sessions: Sessions, clock: Clock, slept: list[float]) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    for _ in range(12):
        clock.advance(minutes=LOCK_MINUTES + 1)
        with pytest.raises(UserError):
            sessions.authenticate("alice", "wrong password")
    assert max(slept) == 8.0


def test_disabled_accounts_cannot_sign_in_and_lose_their_sessions(users: Users, sessions: Sessions) -> None:
    users.create_user("admin", "总工会", PASSWORD, admin=True)
    users.create_user("alice", "机关工会", PASSWORD)
    token = sessions.authenticate("alice", PASSWORD)
    users.disable("alice")
    assert sessions.session_user(token) is None
    with pytest.raises(UserError, match="已被停用"):
        sessions.authenticate("alice", PASSWORD)
    with pytest.raises(UserError, match="用户名或密码不正确"):
        sessions.authenticate("alice", "wrong password")  # a guesser learns nothing about the state
    users.enable("alice")
    assert sessions.session_user(sessions.authenticate("alice", PASSWORD)) is not None


def test_sessions_slide_with_use_but_end_after_idling_or_a_week(
    users: Users, sessions: Sessions, clock: Clock
) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    token = sessions.authenticate("alice", PASSWORD)
    for _ in range(15):  # used every 11 hours up to 165 h: the 12-hour idle limit keeps sliding
        clock.advance(hours=11)
        assert sessions.session_user(token) is not None
    clock.advance(hours=4)  # idle only 4 h, but 169 h since sign-in is more than a week
    assert sessions.session_user(token) is None
    idle = sessions.authenticate("alice", PASSWORD)
    clock.advance(hours=12, seconds=1)
    assert sessions.session_user(idle) is None


def test_logout_ends_the_session(users: Users, sessions: Sessions) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    token = sessions.authenticate("alice", PASSWORD)
    sessions.logout(token)
    assert sessions.session_user(token) is None
    sessions.logout(token)  # twice is harmless


def test_changing_the_password_signs_out_other_browsers(users: Users, sessions: Sessions) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    here = sessions.authenticate("alice", PASSWORD)
    elsewhere = sessions.authenticate("alice", PASSWORD)
    actor = sessions.session_user(here)
    assert actor is not None
    with pytest.raises(UserError, match="原密码不正确"):
        users.change_password(actor, "wrong password", "a new password")
    users.change_password(actor, PASSWORD, "a new password", keep_token=here)
    assert sessions.session_user(here) is not None
    assert sessions.session_user(elsewhere) is None
    with pytest.raises(UserError, match="用户名或密码不正确"):
        sessions.authenticate("alice", PASSWORD)
    sessions.authenticate("alice", "a new password")


def test_guessing_the_old_password_from_a_stolen_session_is_slowed_then_locked(
    db: Database, fast_passwords: Passwords, sessions: Sessions
) -> None:
    pauses: list[float] = []
    users = Users(db, fast_passwords, sleep=pauses.append)
    users.create_user("alice", "机关工会", PASSWORD)
    stolen = sessions.authenticate("alice", PASSWORD)
    other = sessions.authenticate("alice", PASSWORD)
    actor = sessions.session_user(stolen)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(UserError, match="原密码不正确"):
            users.change_password(actor, "a guess", "a new password")
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]
    with pytest.raises(UserError, match="已退出登录.*账户已暂时锁定"):
        users.change_password(actor, "another guess", "a new password")
    assert sessions.session_user(stolen) is None and sessions.session_user(other) is None
    with pytest.raises(UserError, match="账户已暂时锁定"):
        sessions.authenticate("alice", PASSWORD)
    actions = [e.action for e in audit_log(db, CONSOLE)]
    assert actions.count("修改密码失败") == MAX_FAILURES


def test_a_reset_password_works_unlocks_and_ends_sessions(users: Users, sessions: Sessions) -> None:
    users.create_user("alice", "机关工会", PASSWORD)
    token = sessions.authenticate("alice", PASSWORD)
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            sessions.authenticate("alice", "wrong password")
    new_password = users.reset_password("alice")
    assert len(new_password) >= 16 and new_password != users.reset_password("alice")
    new_password = users.reset_password("alice")
    assert sessions.session_user(token) is None
    assert sessions.session_user(sessions.authenticate("alice", new_password)) is not None
    with pytest.raises(UserError, match="没有名为“nobody”的账户"):
        users.reset_password("nobody")


def test_an_admin_sees_a_locked_account_and_unlocks_it(
    users: Users, sessions: Sessions, sign_in: SignIn, clock: Clock
) -> None:
    """A stranger's wrong passwords locked the owner out; an admin ends the lock and the count starts again."""
    users.create_user("alice", "机关工会", PASSWORD)
    admin = sign_in(users.db, "admin", "总工会", admin=True)
    member = sign_in(users.db, "member", "机关工会")
    for _ in range(MAX_FAILURES):
        with pytest.raises(UserError):
            sessions.authenticate("alice", "a stranger's guess")
    now = clock()
    assert [u.name for u in users.list_users(by=admin) if u.locked(now)] == ["alice"]
    with pytest.raises(PermissionDenied, match="只有管理员"):
        users.unlock("alice", by=member)
    users.unlock("alice", by=admin)
    assert not any(u.locked(now) for u in users.list_users(by=admin))
    assert sessions.session_user(sessions.authenticate("alice", PASSWORD)) is not None
    for _ in range(MAX_FAILURES - 1):  # the count started again: four more wrong tries do not lock
        with pytest.raises(UserError, match="用户名或密码不正确"):
            sessions.authenticate("alice", "wrong again")
    assert "解锁账户" in [e.action for e in audit_log(users.db, CONSOLE)]


def test_account_management_needs_an_admin_and_keeps_one(users: Users, sign_in: SignIn) -> None:
    users.create_user("admin", "总工会", PASSWORD, admin=True)
    member = sign_in(users.db, "member", "机关工会")
    admin = sign_in(users.db, "admin2", "总工会", admin=True)
    for attempt in (
        lambda: users.create_user("x", "机关工会", PASSWORD, by=member),
        lambda: users.disable("admin", by=member),
        lambda: users.reset_password("admin", by=member),
        lambda: users.list_users(by=member),
    ):
        with pytest.raises(PermissionDenied, match="只有管理员"):
            attempt()
    with pytest.raises(UserError, match="不能停用自己"):
        users.disable("admin2", by=admin)
    users.disable("admin", by=admin)
    with pytest.raises(UserError, match="最后一个可用的管理员"):
        users.disable("admin2")


def test_hashes_made_with_weaker_settings_are_upgraded_at_sign_in(
    db: Database, fast_passwords: Passwords, clock: Clock
) -> None:
    Users(db, fast_passwords).create_user("alice", "机关工会", PASSWORD)
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    Sessions(db, stronger, clock=clock, sleep=lambda _: None).authenticate("alice", PASSWORD)
    with db.reading() as session:
        password_hash = session.scalar(select(User.password_hash))
    assert "m=16,t=2" in password_hash and not stronger.needs_rehash(password_hash)


def test_sign_ins_and_failures_are_audited(users: Users, sessions: Sessions, db: Database) -> None:
    users.create_user("admin", "总工会", PASSWORD, admin=True)
    with pytest.raises(UserError):
        sessions.authenticate("admin", "wrong password")
    with pytest.raises(UserError):
        sessions.authenticate("<nobody>", "wrong password")
    token = sessions.authenticate("admin", PASSWORD)
    sessions.logout(token)
    admin = Actor(None, None, True, "审计员")
    entries = [(e.user_name, e.action) for e in audit_log(db, admin)]
    assert entries[:4] == [
        ("admin", "退出登录"),
        ("admin", "登录"),
        ("<nobody>", "登录失败"),
        ("admin", "登录失败"),
    ]
    assert all(PASSWORD not in e.detail for e in audit_log(db, admin))
    with pytest.raises(PermissionDenied):
        audit_log(db, Actor(1, 1, False, "member"))


def test_a_flood_of_anonymous_attempts_cannot_hide_the_genuine_entries(
    users: Users, sessions: Sessions, db: Database, clock: Clock
) -> None:
    users.create_user("admin", "总工会", PASSWORD, admin=True)
    sessions.authenticate("admin", PASSWORD)
    for n in range(220):
        clock.advance(minutes=1)
        with pytest.raises(UserError):
            sessions.authenticate(f"bot{n}", "guess")
    admin = Actor(None, None, True, "审计员")
    assert all(
        e.action == "登录失败" for e in audit_log(db, admin, limit=200)
    )  # the newest page: only the flood
    mine = AuditFilter(user="admin")
    assert [e.action for e in audit_log(db, admin, where=mine)] == ["登录"]
    assert audit_count(db, admin, AuditFilter(action="登录失败")) == 220
    second_page = audit_log(db, admin, limit=50, offset=50, where=AuditFilter(action="登录失败"))
    assert [e.user_name for e in second_page][:2] == ["bot169", "bot168"]
    start = clock.now - timedelta(minutes=10)
    window = AuditFilter(since=start, until=clock.now + timedelta(seconds=1))
    assert audit_count(db, admin, window) == 11  # bot209 … bot219, one a minute
    assert "登录失败" in audit_actions(db, admin)


def test_the_audit_csv_never_runs_a_formula(users: Users, sessions: Sessions, db: Database) -> None:
    hostile = ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)", "+1", "-2"]
    for name in hostile:
        with pytest.raises(UserError):
            sessions.authenticate(name, "guess")
    rows = list(
        csv.reader(
            io.StringIO(audit_csv(audit_log(db, Actor(None, None, True, "审计员"))).decode("utf-8-sig"))
        )
    )
    assert rows[0] == ["时间", "用户", "单位", "操作", "详情"]
    names = [row[1] for row in rows[1:]]
    assert all(name.startswith("'") for name in names), names
    assert {name[1:] for name in names} == {normal_form(h) for h in hostile}


class Today:
    def __init__(self) -> None:
        self.day = date(2024, 3, 1)

    def __call__(self) -> date:
        return self.day


def test_quotas_per_user_and_unit_reset_daily(db: Database, sign_in: SignIn) -> None:
    today = Today()
    quotas = Quotas(db, today=today)
    alice, amy = sign_in(db, "alice", "机关工会"), sign_in(db, "amy", "机关工会")
    assert quotas.remaining_tokens(alice) is None
    quotas.set_quota("user", "alice", 1000)
    quotas.record_usage(alice, 300)
    assert quotas.remaining_tokens(alice) == 700
    quotas.set_quota("unit", "机关工会", 900)
    quotas.record_usage(amy, 400)
    assert (quotas.remaining_tokens(alice), quotas.remaining_tokens(amy)) == (200, 200)
    quotas.record_usage(amy, 500)
    assert quotas.remaining_tokens(alice) == 0
    with pytest.raises(QuotaExceeded, match="今天剩余额度只有 0 token"):
        quotas.reserve(alice, 1)
    today.day += timedelta(days=1)
    assert quotas.remaining_tokens(alice) == 900
    quotas.set_quota("unit", "机关工会", None)
    assert quotas.remaining_tokens(amy) is None and quotas.remaining_tokens(alice) == 1000
    assert quotas.remaining_tokens(Actor.local()) is None
    with pytest.raises(UserError, match="没有名为“教育工会”的单位"):
        quotas.set_quota("unit", "教育工会", 10)
    with pytest.raises(PermissionDenied):
        quotas.set_quota("user", "alice", 10, by=alice)


def test_usage_recorded_at_once_is_all_counted(db: Database, sign_in: SignIn) -> None:
    quotas = Quotas(db, today=Today())
    alice = sign_in(db, "alice", "机关工会")
    quotas.set_quota("user", "alice", 100_000)
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        for _ in range(5):
            quotas.record_usage(alice, 100)

    threads = [threading.Thread(target=use, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert quotas.remaining_tokens(alice) == 100_000 - 8 * 5 * 100
