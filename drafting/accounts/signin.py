"""Who is using a browser tab: the sign-in policy of the app, with the browser behind a small adapter.

The policy (single-user mode while no account exists, a session token kept in the tab and in a cookie,
a fresh single sign-on opening a session once, a clean tab for a different user, what a tab may still do
while the database is away) is decided here, so it is tested without Streamlit. The app supplies a
`BrowserTab`: the tab's session state, its cookie, the identity provider's claims, the request headers.
"""

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from drafting.access import Actor
from drafting.errors import UserError

if TYPE_CHECKING:
    from drafting.accounts import Sessions
    from drafting.accounts.source import Network
    from drafting.storage import Database
    from drafting.storage.errors import StorageUnavailable

SESSION_COOKIE = "drafting_session"
COOKIE_AGE = 7 * 24 * 3600
TOKEN = "session_token"  # the tab's session token (only its hash is stored in the database)
COOKIE_WRITTEN = "cookie_written"
ACCOUNTS_EXIST = "accounts_exist"  # once seen, not asked again on every rerun: accounts are never deleted
SIGNED_IN_AS = "signed_in_as"  # the Actor this tab last acted as, kept for when the database is away
LEFT_BY = "work_left_by"  # the user whose session ended in this tab, leaving their work in it
EXPIRED = "登录已失效，请重新登录。已生成的内容都已保存。"


class BrowserTab(Protocol):
    """What the policy needs from the browser, so a test can stand in for Streamlit."""

    state: MutableMapping[str, Any]  # the tab's session state

    def cookie(self) -> str:
        """The session cookie the browser sent ("" when none)."""

    def write_cookie(self, token: str) -> None:
        """Set the session cookie in the browser (an empty token clears it)."""

    def provider_claims(self) -> Mapping[str, Any] | None:
        """The identity provider's claims about this browser, or None when single sign-on is not set up."""

    def server_address(self) -> str:
        """The address the server listens on."""

    def headers(self) -> Mapping[str, str]:
        """The browser's request headers."""

    def client_address(self) -> str | None:
        """The address the browser's connection comes from (a proxy's, behind one), None when unknown."""


@dataclass
class Visitor:
    """The outcome of a page load: who acts, or why nobody does, and what to tell the person."""

    actor: Actor | None = None
    refusal: str | None = None  # single-user mode must not serve this request: show it and stop
    notice: str | None = None  # a warning to show (the session expired)
    error: str | None = None  # a single sign-on that could not be used


def still_signed_in(database: "Database", state: Mapping[str, Any], actor: Actor) -> Actor | None:
    """For a part of a page that reruns alone, without the frame's check: who the tab acts as now, or None
    when its session ended since (signed out elsewhere, expired, the account disabled) or accounts were made
    while it was in single-user mode. The frame's next run says why and shows the login page."""
    from drafting.accounts import Sessions, Users

    if actor.is_local:
        return None if Users(database).has_any_user() else actor
    return Sessions(database).session_user(state.get(TOKEN, ""))


class SignIn:
    """The sign-in policy for one page load of one tab."""

    def __init__(
        self,
        database: "Database",
        tab: BrowserTab,
        trusted_proxies: "tuple[Network, ...]" = (),
        sessions: "Sessions | None" = None,
    ):
        self.database = database
        self.tab = tab
        self.trusted_proxies = trusted_proxies
        self._given_sessions = sessions  # a test passes one with fast hashing and no pauses

    @property
    def sessions(self) -> "Sessions":
        from drafting.accounts import Sessions

        return self._given_sessions or Sessions(self.database)

    def source(self) -> str:
        """The browser's address, which a run of wrong passwords locks out of the name it tried."""
        from drafting.accounts.source import source_address

        return source_address(self.tab.client_address(), self.tab.headers(), self.trusted_proxies)

    def visitor(self) -> Visitor:
        """Who is using this tab: the single-user mode while no account exists, else a signed-in user.

        `actor` is None when nobody is signed in (the face shows the login page). A fresh sign-in at the
        identity provider opens a session too. The token is kept in session state and in the cookie.
        """
        from drafting.accounts import Users

        state = self.tab.state
        if not state.get(ACCOUNTS_EXIST):
            if not Users(self.database).has_any_user():
                refusal = self.local_mode_refusal()
                return Visitor(refusal=refusal) if refusal else Visitor(actor=Actor.local())
            state[ACCOUNTS_EXIST] = True
        cookie = self.tab.cookie()
        token = state.get(TOKEN) or cookie
        actor = self.sessions.session_user(token) if token else None
        outcome = Visitor()
        if actor is None:
            provider_session, outcome.error = self._provider_sign_in()
            if provider_session is not None:
                actor, token = provider_session
                self.keep_work_only_for(actor)
        if actor is None:
            if token:  # expired, signed out elsewhere, or the account was disabled
                if (left := state.get(SIGNED_IN_AS)) is not None:
                    state[LEFT_BY] = left.user_id
                state.pop(TOKEN, None)
                self.tab.write_cookie("")
                outcome.notice = EXPIRED
            state.pop(SIGNED_IN_AS, None)
            return outcome
        if state.get(TOKEN) != token or not state.get(COOKIE_WRITTEN):
            state[TOKEN] = token
            state[COOKIE_WRITTEN] = True
            if cookie != token:  # the browser sent this very cookie: nothing to write
                self.tab.write_cookie(token)
        outcome.actor = actor
        return outcome

    def sign_in(self, name: str, password: str) -> None:
        """A password sign-in (a UserError says why not); the next page load finds the session."""
        sessions = self.sessions
        token = sessions.authenticate(name, password, self.source())
        self.keep_work_only_for(sessions.session_user(token))
        self.tab.state[TOKEN] = token
        self.tab.state[COOKIE_WRITTEN] = False

    def sign_out(self) -> None:
        """End this tab's session: the database forgets it, the tab and the cookie too."""
        self.sessions.logout(self.tab.state.pop(TOKEN, ""))
        self.tab.state.clear()
        self.tab.write_cookie("")

    def keep_work_only_for(self, actor: Actor | None) -> None:
        """At a sign-in: the same user gets back what the tab held when their session ended (the draft on
        起草, an outline); anyone else gets a clean tab, nothing of another user's facts or drafts."""
        left_by = self.tab.state.pop(LEFT_BY, None)
        if actor is None or left_by != actor.user_id:
            self.tab.state.clear()

    def local_mode_refusal(self) -> str | None:
        from drafting.accounts.local_mode import local_mode_refusal

        return local_mode_refusal(self.tab.server_address(), self.tab.headers())

    def _provider_sign_in(self) -> tuple[tuple[Actor, str] | None, str | None]:
        """The account and a new session for a fresh sign-in at the identity provider, and any refusal.

        Each provider sign-in is used once: the provider's identity cookie outlives a sign-out here.
        """
        claims = self.tab.provider_claims()
        if not claims or not claims.get("is_logged_in"):
            return None, None
        from drafting.accounts.sso import ProviderSignIns, sign_in_with_sso

        if not ProviderSignIns(self.database).first_use(claims):
            return None, None
        try:
            return sign_in_with_sso(self.database, claims, self.source()), None
        except UserError as error:
            return None, str(error)


def may_fetch_media(
    database: "Database", cookie: str, server_address: str, headers: Mapping[str, str]
) -> bool:
    """Whether a request for a download (a Word export under /media/) is answered: with accounts, only
    to a signed-in browser; in single-user mode, only to this machine, as the pages are."""
    from drafting.accounts import Sessions, Users
    from drafting.accounts.local_mode import local_mode_refusal

    if not Users(database).has_any_user():
        return local_mode_refusal(server_address, headers) is None
    return bool(cookie) and Sessions(database).session_user(cookie) is not None


def actor_while_database_is_away(tab: BrowserTab, error: "StorageUnavailable") -> Actor | None:
    """Who may keep the pages while nobody can sign in (the database is damaged, down or full), or None.

    Whoever this tab was signed in as keeps them, and each page says what cannot be done now. A newcomer
    gets them in single-user mode only on this machine and only for a damaged file (which cannot come back
    halfway through a page, so the mode never meets a working database); otherwise they wait.
    """
    from drafting.accounts.local_mode import local_mode_refusal
    from drafting.storage.errors import StorageDamaged

    known = tab.state.get(SIGNED_IN_AS)
    if known is not None:
        return known
    if not isinstance(error, StorageDamaged) or local_mode_refusal(tab.server_address(), tab.headers()):
        return None
    return Actor.local()
