"""What every session of one server process shares: the database, the cookie tickets and the index.

In a module of their own rather than in the frame's script, so that the server opens them and warms them
up as it starts (serve.py) and the first visitor, and the first draft, find them ready.
"""

import threading
from typing import TYPE_CHECKING

import streamlit as st

from drafting.accounts.cookie_tickets import CookieTickets
from drafting.background import in_background
from drafting.models.factory import embedder_slug
from drafting.retrieval.library import Library, open_library_safely
from drafting.service import DraftingService
from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.storage import Database


def database(settings: Settings) -> "Database":
    return _database(settings, settings.database_url, str(settings.data_dir))


def tickets(settings: Settings, opened: "Database") -> CookieTickets:
    return _tickets(settings, opened, settings.database_url, str(settings.data_dir))


def library(settings: Settings, opened: "Database") -> Library:
    """One index per data folder and vector space, shared by every user (search filters per unit).

    It opens at once; an index behind the corpus (first use, an interrupted import) is completed in
    the background while the pages stay usable.
    """
    return _library(
        settings, opened, str(settings.data_dir), embedder_slug(settings) + settings.embedding_base_url
    )


@st.cache_resource(show_spinner=False)
def warm_up(_service: DraftingService) -> threading.Thread:
    """Once per process, in the background (DraftingService.warm_up): the first user's first draft no
    longer pays for the process's cold start."""
    return in_background("drafting-warm-up", _service.warm_up)


def open_and_warm_up(settings: Settings) -> threading.Thread:
    """The server's start: the database and the index opened, and the warm-up under way."""
    opened = database(settings)
    return warm_up(DraftingService(settings, library=library(settings, opened), database=opened))


@st.cache_resource(show_spinner="正在打开数据库…")
def _database(_settings: Settings, database_url: str, data_dir: str) -> "Database":
    """One connection pool per process and database (the arguments after `_settings` are the cache key)."""
    from drafting.storage.opening import open_database_safely

    return open_database_safely(_settings)


@st.cache_resource(show_spinner=False)
def _tickets(_settings: Settings, _database: "Database", database_url: str, data_dir: str) -> CookieTickets:
    """The session-cookie tickets, sealed with the deployment's key (read once per process, not per click)."""
    return CookieTickets.for_settings(_database, _settings.secret_key.get_secret_value(), _settings.data_dir)


@st.cache_resource(show_spinner="正在打开范文索引…")
def _library(_settings: Settings, _database: "Database", data_dir: str, vector_space: str) -> Library:
    return open_library_safely(_settings, _database)
