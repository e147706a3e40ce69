"""The app's sign-in policy without a browser: a fake tab stands in for Streamlit's state, cookie and st.user."""

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from drafting.access import Actor
from drafting.accounts import Passwords, Sessions, Users
from drafting.accounts.sessions import MAX_FAILURES
from drafting.accounts.signin import (
    ACCOUNTS_EXIST,
    COOKIE_WRITTEN,
    EXPIRED,
    LEFT_BY,
    SIGNED_IN_AS,
    TOKEN,
    SignIn,
    actor_while_database_is_away,
    may_fetch_media,
    still_signed_in,
)
from drafting.accounts.source import trusted_networks
from drafting.errors import UserError
from drafting.storage import Database
from drafting.storage.database import open_database
from drafting.storage.errors import StorageDamaged, StorageUnavailable
from tests.test_accounts import PASSWORD


class FakeTab:
    """A browser tab: session state, the cookie it sends and the cookies written to it, st.user's claims."""

    def __init__(
        self,
        cookie: str = "",
        claims: Mapping[str, Any] | None = None,
        address: str = "127.0.0.1",
        client: str | None = "127.0.0.1",
    ):
        self.state: dict[str, Any] = {}
        self.client = client
        self.sent_cookie = cookie
        self.written: list[str] = []
        self.claims = claims
        self.address = address
        self.request_headers: dict[str, str] = {"Host": "localhost:8501"}

    def cookie(self) -> str:
        return self.sent_cookie

    def write_cookie(self, token: str) -> None:
        self.written.append(token)

    def provider_claims(self) -> Mapping[str, Any] | None:
        return self.claims

    def server_address(self) -> str:
        return self.address

    def headers(self) -> Mapping[str, str]:
        return self.request_headers

    def client_address(self) -> str | None:
        return self.client


def test_behind_a_trusted_proxy_the_lock_falls_on_the_forwarded_client(
    db: Database, fast_passwords: Passwords
) -> None:
    """One stranger behind the office proxy cannot lock everyone behind it out, nor dodge the lock by
    sending a forged X-Forwarded-For straight to the server."""
    Users(db, fast_passwords).create_user("李红", "红杉医院工会", PASSWORD)
    sessions = Sessions(db, fast_passwords, sleep=lambda seconds: None)
    trusted = trusted_networks("10.0.0.5")

    def tab(client: str, forwarded: str = "") -> FakeTab:
        browser = FakeTab(client=client)
        if forwarded:
            browser.request_headers["X-Forwarded-For"] = forwarded
        return browser

    for n in range(MAX_FAILURES):
        with pytest.raises(UserError):
            SignIn(db, tab("10.0.0.5", "198.51.100.7"), trusted, sessions).sign_in("李红", "guess")
        with pytest.raises(UserError):
            SignIn(db, tab("203.0.113.9", f"192.0.2.{n}"), trusted, sessions).sign_in("李红", "guess")
    for locked_out in (tab("10.0.0.5", "198.51.100.7"), tab("203.0.113.9", "192.0.2.200")):
        with pytest.raises(UserError, match="账户已暂时锁定"):
            SignIn(db, locked_out, trusted, sessions).sign_in("李红", PASSWORD)
    colleague = tab("10.0.0.5", "198.51.100.8")
    SignIn(db, colleague, trusted, sessions).sign_in("李红", PASSWORD)
    assert SignIn(db, colleague, trusted, sessions).visitor().actor is not None


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'drafting.sqlite3'}")


@pytest.fixture
def users(db: Database, fast_passwords: Passwords) -> Users:
    users = Users(db, fast_passwords)
    users.create_user("李红", "红杉医院工会", PASSWORD)
    users.create_user("王刚", "青松中学工会", PASSWORD, admin=True)
    return users


def test_without_accounts_this_machine_gets_single_user_mode(db: Database):
    assert SignIn(db, FakeTab()).visitor().actor == Actor.local()
    proxied = FakeTab()
    proxied.request_headers["X-Forwarded-For"] = "203.0.113.9"
    refused = SignIn(db, proxied).visitor()
    assert refused.actor is None and "反向代理" in refused.refusal
    listening_everywhere = SignIn(db, FakeTab(address="0.0.0.0")).visitor()
    assert listening_everywhere.actor is None and "0.0.0.0" in listening_everywhere.refusal


def test_nobody_signed_in_gets_the_login_page(db: Database, users: Users):
    visitor = SignIn(db, FakeTab()).visitor()
    assert visitor.actor is None and visitor.notice is None and visitor.refusal is None


def test_the_first_account_ends_single_user_mode_in_an_open_tab(db: Database, fast_passwords: Passwords):
    tab = FakeTab()
    assert SignIn(db, tab).visitor().actor == Actor.local()
    Users(db, fast_passwords).create_user("王刚", "青松中学工会", PASSWORD, admin=True)
    assert SignIn(db, tab).visitor().actor is None and tab.state[ACCOUNTS_EXIST]


def test_a_password_sign_in_keeps_its_session_in_the_tab_and_the_cookie(db: Database, users: Users):
    tab = FakeTab()
    with pytest.raises(UserError):
        SignIn(db, tab).sign_in("李红", "wrong password")
    assert TOKEN not in tab.state
    SignIn(db, tab).sign_in("李红", PASSWORD)
    token = tab.state[TOKEN]
    assert tab.state[COOKIE_WRITTEN] is False and tab.written == []
    actor = SignIn(db, tab).visitor().actor
    assert actor.name == "李红" and tab.written == [token] and tab.state[COOKIE_WRITTEN]
    assert SignIn(db, tab).visitor().actor == actor and tab.written == [token], "the cookie is written once"

    reloaded = FakeTab(cookie=token)  # a reload: a new tab state, the same browser cookie
    assert SignIn(db, reloaded).visitor().actor == actor and reloaded.state[TOKEN] == token
    assert reloaded.written == [], "the browser already holds this cookie: no ticket is spent on it"


def test_an_ended_session_says_so_and_keeps_the_work_for_the_same_user_only(db: Database, users: Users):
    tab = FakeTab()
    SignIn(db, tab).sign_in("李红", PASSWORD)
    li_hong = tab.state[SIGNED_IN_AS] = SignIn(db, tab).visitor().actor  # as the app keeps it
    tab.state["draft_id"] = "0123456789ab"
    Sessions(db).logout(tab.state[TOKEN])  # signed out in another tab

    visitor = SignIn(db, tab).visitor()
    assert (visitor.actor, visitor.notice) == (None, EXPIRED)
    assert tab.written[-1] == "" and TOKEN not in tab.state and SIGNED_IN_AS not in tab.state
    assert tab.state[LEFT_BY] is not None and tab.state["draft_id"] == "0123456789ab"

    SignIn(db, tab).sign_in("李红", PASSWORD)
    assert tab.state["draft_id"] == "0123456789ab", "the same user gets their work back"
    tab.state[SIGNED_IN_AS] = li_hong
    Sessions(db).logout(tab.state[TOKEN])
    assert SignIn(db, tab).visitor().notice == EXPIRED
    SignIn(db, tab).sign_in("王刚", PASSWORD)
    assert "draft_id" not in tab.state, "another user gets a clean tab"


def test_signing_out_ends_the_session_and_clears_tab_and_cookie(db: Database, users: Users):
    tab = FakeTab()
    SignIn(db, tab).sign_in("李红", PASSWORD)
    token = tab.state[TOKEN]
    tab.state["draft_id"] = "0123456789ab"
    SignIn(db, tab).sign_out()
    assert tab.state == {} and tab.written == [""] and Sessions(db).session_user(token) is None


def test_a_part_of_the_page_that_reruns_alone_sees_a_session_end(db: Database, users: Users):
    """still_signed_in: the check a fragment's own rerun makes (the frame does not run then)."""
    tab = FakeTab()
    SignIn(db, tab).sign_in("李红", PASSWORD)
    li_hong = SignIn(db, tab).visitor().actor
    assert still_signed_in(db, tab.state, li_hong) == li_hong
    users.disable("李红")  # by an administrator, in another tab or at the console
    assert still_signed_in(db, tab.state, li_hong) is None
    assert still_signed_in(db, {}, li_hong) is None  # no token in the tab at all


def test_single_user_mode_ends_for_a_part_of_the_page_once_accounts_exist(
    db: Database, fast_passwords: Passwords
):
    assert still_signed_in(db, {}, Actor.local()) == Actor.local()
    Users(db, fast_passwords).create_user("王刚", "青松中学工会", PASSWORD, admin=True)
    assert still_signed_in(db, {}, Actor.local()) is None


def claims(name: str, **values: object) -> dict[str, object]:
    return {
        "is_logged_in": True,
        "iss": "http://idp.test",
        "sub": name,
        "iat": time.time(),
        "nonce": "n-1",
        "preferred_username": name,
        **values,
    }


def test_a_fresh_provider_sign_in_opens_one_session(db: Database, users: Users):
    identity = claims("李红")
    tab = FakeTab(claims=identity)
    tab.state["facts"] = "someone else's"
    actor = SignIn(db, tab).visitor().actor
    assert actor.name == "李红" and tab.written == [tab.state[TOKEN]] and "facts" not in tab.state
    again = FakeTab(claims=identity)  # the provider's cookie outlives a sign-out here
    assert SignIn(db, again).visitor().actor is None


def test_a_provider_sign_in_without_an_account_is_refused_with_its_reason(db: Database, users: Users):
    visitor = SignIn(db, FakeTab(claims=claims("赵六"))).visitor()
    assert visitor.actor is None and "赵六" in visitor.error
    assert SignIn(db, FakeTab(claims={"is_logged_in": False})).visitor().error is None


def test_while_the_database_is_away_only_known_users_or_this_machine_keep_the_pages():
    member = Actor(user_id=3, unit_id=1, is_admin=False, name="李红")
    known = FakeTab()
    known.state[SIGNED_IN_AS] = member
    assert actor_while_database_is_away(known, StorageUnavailable("down")) == member
    assert actor_while_database_is_away(FakeTab(), StorageDamaged(None)) == Actor.local()
    assert actor_while_database_is_away(FakeTab(), StorageUnavailable("down")) is None
    assert actor_while_database_is_away(FakeTab(address="0.0.0.0"), StorageDamaged(None)) is None


def test_downloads_answer_only_a_signed_in_browser_or_this_machine(db: Database, fast_passwords: Passwords):
    local = {"Host": "127.0.0.1:8501"}
    assert may_fetch_media(db, "", "127.0.0.1", local)  # single-user mode, at this machine
    assert not may_fetch_media(db, "", "127.0.0.1", {**local, "X-Forwarded-For": "10.0.0.9"})
    Users(db, fast_passwords).create_user("李红", "红杉医院工会", PASSWORD)
    token = Sessions(db, fast_passwords).authenticate("李红", PASSWORD)
    assert not may_fetch_media(db, "", "127.0.0.1", local)
    assert not may_fetch_media(db, "forged", "0.0.0.0", {"Host": "drafting.example.org"})
    assert may_fetch_media(db, token, "0.0.0.0", {"Host": "drafting.example.org"})
    Sessions(db, fast_passwords).logout(token)
    assert not may_fetch_media(db, token, "0.0.0.0", {"Host": "drafting.example.org"})
