"""A part of a page that reruns alone (st.fragment) asks who is signed in, as the frame does for a whole run.

Without it, such a rerun keeps the service (and its actor) of the page's last whole run: an account disabled
since, or a session ended elsewhere, could still draft, export or compare from an open tab. Part of the
frame (like app.py, it may use the sign-in policy): the pages only decorate their parts with `fragment`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from drafting.accounts.signin import still_signed_in
from drafting.errors import UserError
from drafting.service import DraftingService

P = ParamSpec("P")
R = TypeVar("R")


def fragment(
    part: Callable[Concatenate[DraftingService, P], R],
) -> Callable[Concatenate[DraftingService, P], R | None]:
    """st.fragment for a part whose first argument is the page's service: on its own reruns the service is
    made anew for whoever the tab acts as now, and a session that has ended reruns the whole page."""

    @st.fragment
    @wraps(part)
    def rerun_alone(service: DraftingService, *args: P.args, **kwargs: P.kwargs) -> R | None:
        ctx = get_script_run_ctx()
        if ctx is not None and ctx.fragment_ids_this_run:  # this part alone, not the frame before it
            service = _as_now(service)
        return part(service, *args, **kwargs)

    return rerun_alone


def _as_now(service: DraftingService) -> DraftingService:
    """The service for whoever the tab acts as now. With the database away, the tab keeps acting as it did,
    as the frame lets a signed-in user do; the part's own calls then say what is wrong, in Chinese."""
    try:
        actor = still_signed_in(service.database, st.session_state, service.actor)
    except UserError:
        return service
    if actor is None or actor.user_id != service.actor.user_id:
        st.rerun()
    return service.acting_as(actor)
