"""Handing a session token from the app to an HttpOnly cookie, which page scripts can never read.

The sign-in happens in a Streamlit script, which has no HTTP response to put a Set-Cookie on. So the
script gives the page a ticket: the token sealed with the deployment's secret key and stamped with the
time. The page posts it straight back to the server's own route, which answers with the cookie. A ticket
works once and for TICKET_SECONDS: one read out of the page by a stray script is already spent.
"""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from drafting.accounts.signin import COOKIE_AGE, SESSION_COOKIE
from drafting.storage.database import Database
from drafting.storage.models import UsedCookieTicket
from drafting.storage.once import first_use
from drafting.storage.secrets import SecretBox

TICKET_SECONDS = 60
SESSION_ROUTE = "/api/session"  # served by serve.py next to the Streamlit app
# Longer than a ticket lives, with room for clocks a little apart between processes.
_KEEP_USED = timedelta(seconds=TICKET_SECONDS * 3)


def cookie_script(ticket: str) -> str:
    """The page's part: post the ticket back to the server, whose answer sets (or clears) the cookie."""
    return (
        f"<script>fetch('{SESSION_ROUTE}', "
        f"{{method: 'POST', credentials: 'same-origin', body: {json.dumps(ticket)}}});</script>"
    )


def set_cookie_header(token: str, secure: bool) -> str:
    """HttpOnly: no script in the page can read it. An empty token clears the cookie."""
    age = COOKIE_AGE if token else 0
    return f"{SESSION_COOKIE}={token}; Path=/; Max-Age={age}; HttpOnly; SameSite=Strict" + (
        "; Secure" if secure else ""
    )


def same_origin(origin: str, host: str) -> bool:
    """The post came from this app's own page (another site posting a ticket would sign its visitor in as
    the attacker)."""
    return bool(origin and host) and urlsplit(origin).netloc.lower() == host.strip().lower()


class CookieTickets:
    def __init__(self, db: Database, box: SecretBox, clock: Callable[[], float] = time.time):
        self.db = db
        self.box = box
        self.clock = clock

    @classmethod
    def for_settings(cls, db: Database, secret_key: str, data_dir: Path) -> "CookieTickets":
        """Sealed with the deployment's key (DRAFTING_SECRET_KEY, else the data folder's secret.key): every
        process of one deployment can redeem the others' tickets."""
        return cls(db, SecretBox.from_settings(secret_key, data_dir))

    def issue(self, token: str) -> str:
        """A ticket for this session token (an empty token: a ticket that clears the cookie)."""
        return self.box.seal_at(token, self.clock())

    def redeem(self, ticket: str) -> str | None:
        """The token the ticket carries, the first time it is shown while fresh; else None."""
        seconds = self.clock()
        token = self.box.open_fresh(ticket, TICKET_SECONDS, seconds)
        if token is None:
            return None
        now = datetime.fromtimestamp(seconds, UTC)
        first = first_use(
            self.db, UsedCookieTicket.key_hash, UsedCookieTicket.used_at, ticket, now, now - _KEEP_USED
        )
        return token if first else None

    def answer(self, ticket: str, origin: str, host: str, secure: bool) -> tuple[int, str | None]:
        """The HTTP status and Set-Cookie header for a ticket posted from the page `origin` to `host`."""
        if not same_origin(origin, host):
            return 403, None
        token = self.redeem(ticket.strip())
        return (204, set_cookie_header(token, secure)) if token is not None else (403, None)
