"""A hand-made widget message with an id no page draws is dropped; the sender's session keeps working."""

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from app.widget_guard import without_forged_widgets
from loadtest.client import AppClient
from loadtest.soak import serve_app
from tests.conftest import ROOT

FORGED = ("nonsense", "f_organization", "")  # the last two: a page's own key, and no id at all
DRAWN = "$$ID-0123456789abcdef0123456789abcdef-f_organization"


def rerun_with(*ids: str) -> BackMsg:
    message = BackMsg()
    for widget_id in ids:
        message.rerun_script.widget_states.widgets.add(id=widget_id, string_value="x")
    return message


def test_only_widget_states_a_page_could_have_drawn_are_kept() -> None:
    frame = without_forged_widgets(rerun_with(DRAWN, *FORGED).SerializeToString())
    kept = BackMsg.FromString(frame).rerun_script.widget_states.widgets
    assert [state.id for state in kept] == [DRAWN]
    untouched = rerun_with(DRAWN).SerializeToString()
    assert without_forged_widgets(untouched) == untouched
    assert without_forged_widgets(b"\xff not a message") == b"\xff not a message"


@pytest.mark.server
def test_a_forged_widget_id_leaves_the_senders_session_working(tmp_path) -> None:
    with serve_app(ROOT / "serve.py", tmp_path / "data", tmp_path) as server, AppClient(server.url) as client:
        client.connect()
        for forged in FORGED:
            page = client._run(WidgetState(id=forged, trigger_value=True))
            assert page.errors() == [], forged
        page = client.click("载入示例要点")  # an ordinary action still runs and draws its result
        assert page.errors() == [] and page.widget("单位名称").text_input.value == "江北市第一人民医院工会"
        assert client.rerun().errors() == []
