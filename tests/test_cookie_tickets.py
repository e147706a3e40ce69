"""The session cookie is set by the server, HttpOnly, from a one-time ticket the page posts back."""

import re

import pytest
from cryptography.fernet import Fernet

from drafting.accounts.cookie_tickets import (
    SESSION_ROUTE,
    TICKET_SECONDS,
    CookieTickets,
    cookie_script,
    set_cookie_header,
)
from drafting.storage import Database
from drafting.storage.secrets import SecretBox

ORIGIN, HOST = "https://drafting.example.org", "drafting.example.org"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tickets(db: Database, clock: Clock) -> CookieTickets:
    return CookieTickets(db, SecretBox(Fernet.generate_key()), clock)


def test_a_ticket_sets_an_httponly_cookie_once(tickets: CookieTickets) -> None:
    ticket = tickets.issue("the-token")
    assert "the-token" not in ticket
    status, cookie = tickets.answer(ticket, ORIGIN, HOST, secure=True)
    assert status == 204
    assert cookie == "drafting_session=the-token; Path=/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure"
    assert tickets.answer(ticket, ORIGIN, HOST, secure=True) == (403, None), "a spent ticket sets nothing"


def test_a_stale_forged_or_foreign_ticket_sets_nothing(
    tickets: CookieTickets, db: Database, clock: Clock
) -> None:
    stale = tickets.issue("the-token")
    clock.now += TICKET_SECONDS + 1
    assert tickets.answer(stale, ORIGIN, HOST, secure=False) == (403, None)
    assert tickets.answer("not a ticket", ORIGIN, HOST, secure=False) == (403, None)
    other_deployment = CookieTickets(db, SecretBox(Fernet.generate_key()), clock)
    assert tickets.answer(other_deployment.issue("x"), ORIGIN, HOST, secure=False) == (403, None)


def test_another_site_cannot_post_a_ticket(tickets: CookieTickets) -> None:
    """Else a page elsewhere could sign its visitor in here as the attacker (login CSRF)."""
    ticket = tickets.issue("attackers-token")
    assert tickets.answer(ticket, "https://evil.example", HOST, secure=True) == (403, None)
    assert tickets.answer(ticket, "", HOST, secure=True) == (403, None)
    assert tickets.answer(ticket, "http://127.0.0.1:8501", "127.0.0.1:8501", secure=False)[0] == 204


def test_an_empty_token_clears_the_cookie(tickets: CookieTickets) -> None:
    status, cookie = tickets.answer(tickets.issue(""), ORIGIN, HOST, secure=False)
    assert status == 204 and cookie == set_cookie_header("", secure=False)
    assert cookie.startswith("drafting_session=; Path=/; Max-Age=0; HttpOnly")


def test_the_page_script_posts_the_ticket_and_never_touches_document_cookie(tickets: CookieTickets) -> None:
    ticket = tickets.issue("the-token")
    script = cookie_script(ticket)
    assert "document.cookie" not in script and "the-token" not in script
    posted = re.search(
        r"fetch\('([^']+)', \{method: 'POST', credentials: 'same-origin', body: \"([^\"]+)\"", script
    )
    assert posted is not None and posted.groups() == (SESSION_ROUTE, ticket)
