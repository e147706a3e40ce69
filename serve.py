"""The web server: the Streamlit app (app.py) plus what a script run cannot do on its own.

`streamlit run serve.py` starts it (run.sh does). POST /api/session turns the page's one-time ticket into
the HttpOnly session cookie (drafting/accounts/cookie_tickets.py); /media/ (Word exports and other
downloads) answers only a signed-in browser, or in single-user mode this machine; and forged widget
states are dropped from the websocket before Streamlit sees them (app/widget_guard.py).
"""

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app import resources
from app.common import streamlit_secrets
from app.widget_guard import ForgedWidgetsDropped
from drafting.accounts.cookie_tickets import SESSION_ROUTE, CookieTickets
from drafting.accounts.signin import SESSION_COOKIE, may_fetch_media
from drafting.background import in_background
from drafting.errors import UserError
from drafting.settings import Settings, load_settings
from drafting.storage import Database
from drafting.storage.opening import open_database_safely

COLLECT_EVERY_SECONDS = 10
WARM_UP_WAIT_SECONDS = 60


@cache
def _settings() -> Settings:
    return load_settings(streamlit_secrets())


@cache
def _database() -> Database:
    """This process's own pool for the two routes (the pages keep theirs); retried until it opens."""
    return open_database_safely(_settings())


@cache
def _tickets() -> CookieTickets:
    settings = _settings()
    return CookieTickets.for_settings(_database(), settings.secret_key.get_secret_value(), settings.data_dir)


def _set_session_cookie(request: Request, ticket: str) -> Response:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"
    status, cookie = _tickets().answer(
        ticket, request.headers.get("origin", ""), request.headers.get("host", ""), secure
    )
    return Response(status_code=status, headers={"Set-Cookie": cookie} if cookie else None)


async def session(request: Request) -> Response:
    ticket = (await request.body())[:4096].decode("ascii", errors="replace")
    try:
        return await run_in_threadpool(_set_session_cookie, request, ticket)
    except UserError as error:  # the database is away: the message names the fix
        return PlainTextResponse(str(error), status_code=503)


class MediaNeedsSignIn:
    """Downloads are served to whom the pages are served: a link copied out of the page opens nothing."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/media/"):
            request = Request(scope)
            try:
                allowed = await run_in_threadpool(
                    may_fetch_media,
                    _database(),
                    request.cookies.get(SESSION_COOKIE, ""),
                    st.get_option("server.address") or "0.0.0.0",
                    dict(request.headers),
                )
            except UserError as error:
                await PlainTextResponse(str(error), status_code=503)(scope, receive, send)
                return
            if not allowed:
                answer = PlainTextResponse("请先登录本应用，再从页面上下载。", status_code=403)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _collect_garbage() -> None:
    """Memory held only by reference cycles, returned every few seconds. Streamlit's own full collection
    after every script run is off (.streamlit/config.toml): with 20 sessions it took a quarter of the
    server's CPU, 0.05 s per click."""
    while True:
        time.sleep(COLLECT_EVERY_SECONDS)
        gc.collect()


@asynccontextmanager
async def warmed_up(_app: st.App) -> AsyncIterator[None]:
    """The process's cold start (imports, the database and the index opened, the pipeline's first run)
    happens before the server answers anyone, so a process's first draft streams as soon as later ones
    (a click during the warm-up waited 1.4 s more). The pages then find the same database and index
    (app/resources.py). A database or index that will not open delays the start by at most
    WARM_UP_WAIT_SECONDS; the pages then say what is wrong."""
    starting = in_background("drafting-start", lambda: resources.open_and_warm_up(_settings()).join())
    await asyncio.to_thread(starting.join, WARM_UP_WAIT_SECONDS)
    in_background("drafting-collector", _collect_garbage)
    yield


app = st.App(
    "app.py",
    lifespan=warmed_up,
    routes=[Route(SESSION_ROUTE, session, methods=["POST"])],
    middleware=[Middleware(MediaNeedsSignIn), Middleware(ForgedWidgetsDropped)],
)
