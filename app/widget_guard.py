"""Drops forged widget states before Streamlit sees them.

A browser only ever reports widgets the page drew, whose ids start with `$$ID`. A hand-made message with
any other id is taken by Streamlit for a session-state key that was never set, and the sender's session
then fails on every rerun with a KeyError. This ASGI middleware removes such states from the websocket's
rerun messages, so the forger gets an ordinary rerun and nothing else changes.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.state.common import GENERATED_ELEMENT_ID_PREFIX
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

STREAM_PATH = "/_stcore/stream"


def without_forged_widgets(frame: bytes) -> bytes:
    """The websocket frame with every widget state of an id no page draws removed (unchanged otherwise)."""
    message = BackMsg()
    try:
        message.ParseFromString(frame)
    except Exception:  # noqa: BLE001 - not a BackMsg at all: Streamlit answers it as it always does
        return frame
    if message.WhichOneof("type") != "rerun_script":
        return frame
    widgets = message.rerun_script.widget_states.widgets
    kept = [state for state in widgets if _drawn_by_a_page(state.id)]
    if len(kept) == len(widgets):
        return frame
    del widgets[:]
    widgets.extend(kept)
    return message.SerializeToString()


def _drawn_by_a_page(widget_id: str) -> bool:
    return widget_id.startswith((GENERATED_ELEMENT_ID_PREFIX, STREAMLIT_INTERNAL_KEY_PREFIX))


class ForgedWidgetsDropped:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope["path"].endswith(STREAM_PATH):
            await self.app(scope, receive, send)
            return

        async def filtered_receive() -> Message:
            event = await receive()
            if event.get("type") == "websocket.receive" and event.get("bytes"):
                event = {**event, "bytes": without_forged_widgets(event["bytes"])}
            return event

        await self.app(scope, filtered_receive, send)
