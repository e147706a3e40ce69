"""A short soak: real websocket sessions (loadtest.client) on `streamlit run serve.py` doing every action, with
no error and no lost draft; the exported Word file and a search for an imported report are checked by content.
Signed in, units must stay apart under load."""

import io
from dataclasses import replace

import docx
import pytest

from loadtest.client import AppClient
from loadtest.soak import (
    ACTIONS,
    HISTORY,
    PAGE_SWITCH,
    Account,
    accounts,
    create_accounts,
    fresh_rss,
    run_soak,
    serve_app,
)
from tests.conftest import ROOT, copy_data_folder

pytestmark = pytest.mark.server


def test_short_soak_runs_every_action_without_errors_or_lost_drafts(built_library, tmp_path):
    data_dir = tmp_path / "data"
    copy_data_folder(built_library.settings.data_dir, data_dir)
    with serve_app(ROOT / "serve.py", data_dir, tmp_path) as server:
        with AppClient(server.url) as client:  # the client sees an st.error: an empty form is refused
            assert client.click("生成草稿").errors()
        result = run_soak(server, data_dir, seconds=40, users=3)

    report = "\n".join(result.lines())
    assert [a for a in ACTIONS if not result.tally.timings.get(a)] == [], report
    assert result.tally.errors == [], report
    assert result.tally.drafts_shown and result.drafts_lost == 0, report
    assert result.tally.import_searches_found == result.tally.import_searches >= 1, report
    export = result.tally.last_export
    document = docx.Document(io.BytesIO(export.data))
    assert any(export.organization in paragraph.text for paragraph in document.paragraphs)
    assert 0 < result.rss_start <= result.rss_peak
    assert result.server_cpu_per_action > 0, report
    switches = [run for run in result.script_runs if run.switch]  # as the server timed them
    assert len(switches) == len(result.tally.timings[PAGE_SWITCH]), report
    assert {run.page for run in switches} >= {"起草", "语气对比", "范文库"}, report
    assert all(0 < run.cpu <= run.seconds + 0.01 for run in result.script_runs), report
    assert "page switch server time: p50 " in report

    # a new server on the data the soak left warms up without errors (fresh_rss raises otherwise)
    fresh = fresh_rss(ROOT / "serve.py", data_dir, tmp_path / "fresh", users=3)
    assert fresh > 0
    assert "a new server on the data the soak left, after the same warm-up: " in "\n".join(
        replace(result, rss_fresh=fresh).lines()
    )


def test_signed_in_soak_keeps_units_apart_without_errors_or_lost_drafts(built_library, tmp_path):
    """Four users in two units, each signed in: every action runs (历史 too), and no user finds another unit's
    imported report, sees another user's draft in 历史, or has a draft stored under someone else."""
    data_dir = tmp_path / "data"
    copy_data_folder(built_library.settings.data_dir, data_dir)
    made = accounts(4)
    assert len({a.unit for a in made}) == 2
    create_accounts(data_dir, made)
    with serve_app(ROOT / "serve.py", data_dir, tmp_path) as server:
        with AppClient(server.url) as client:  # nobody gets in without signing in
            assert client.page.widget("登录", kind="button")
            assert list(client.pages) == ["登录"]  # the hidden login page is the only page
        result = run_soak(server, data_dir, seconds=60, users=4, signed_in=made)

    report = "\n".join(result.lines())
    assert "accounts: 4 users in 2 units" in result.lines(), report
    assert [a for a in (*ACTIONS, HISTORY) if not result.tally.timings.get(a)] == [], report
    assert result.tally.errors == [], report
    assert result.tally.drafts_shown and result.drafts_lost == 0, report
    assert set(result.tally.drafts_shown.values()) == {a.name for a in made}, report
    assert result.tally.violations == [], report
    checks = result.tally.isolation_checks
    assert checks["search"] >= 1 and checks["report list"] >= 1 and checks["history"] >= 4, report
    assert result.tally.import_searches_found == result.tally.import_searches >= 1, report


def test_client_sends_its_cookies_with_the_websocket_handshake(tmp_path):
    """The app will read a login token from st.context.cookies; the client must deliver it as a browser does."""
    app = tmp_path / "cookies.py"
    app.write_text("import streamlit as st\nst.text('token=' + st.context.cookies.get('token', 'none'))\n")
    with serve_app(app, tmp_path / "data", tmp_path) as server:
        with AppClient(server.url, cookies={"token": "abc123"}) as client:
            assert client.page.text() == "token=abc123"
        with AppClient(server.url) as client:
            assert client.page.text() == "token=none"


FRAGMENT_APP = """
import streamlit as st

st.session_state["full"] = st.session_state.get("full", 0) + 1
st.text(f"full runs {st.session_state['full']}")


@st.fragment
def part():
    value = st.text_input("note", key="note")
    st.text(f"fragment sees {value}")
    if value == "twice":
        st.text("a second line")


part()
"""


def test_client_reruns_a_fragment_alone_as_a_browser_does(tmp_path):
    """The 起草 page's sections and form are fragments: the soak's clicks there must cost what a browser's
    do, the fragment's run and not the page's, and the page must stay whole around it."""
    app = tmp_path / "fragment.py"
    app.write_text(FRAGMENT_APP)
    with serve_app(app, tmp_path / "data", tmp_path) as server, AppClient(server.url) as client:
        sent = []
        send = client._send
        client._send = lambda msg: sent.append(msg) or send(msg)
        assert client.page.text().splitlines() == ["full runs 1", "fragment sees"]
        assert client.set("note", value="twice").text().splitlines() == [
            "full runs 1",
            "fragment sees twice",
            "a second line",
        ]
        assert sent[-1].rerun_script.fragment_id
        assert client.set("note", value="once").text().splitlines() == ["full runs 1", "fragment sees once"]


FORM_APP = """
import streamlit as st

with st.form("facts"):
    name = st.text_input("name", key="name")
    st.form_submit_button("go")
st.text(f"submitted {name}")
"""


def test_client_submits_a_form_twice_with_the_values_it_shows(tmp_path):
    """A browser's form keeps what was typed after a submit: pressing 生成草稿 again drafts the same facts.
    The client sent the fields' defaults the second time, which the app refused as empty."""
    app = tmp_path / "form.py"
    app.write_text(FORM_APP)
    with serve_app(app, tmp_path / "data", tmp_path) as server, AppClient(server.url) as client:
        client.set("name", value="青溪县第一中学工会")
        assert client.click("go").text() == "submitted 青溪县第一中学工会"
        assert client.click("go").text() == "submitted 青溪县第一中学工会"
        client.set("name", value="白石县人民医院工会")
        assert client.click("go").text() == "submitted 白石县人民医院工会"


def test_an_attackers_oversized_and_forged_inputs_are_refused_while_the_others_work(built_library, tmp_path):
    """A hostile member of another unit, signed in, sends a 100,000-character search, 26,600 characters of
    facts, forged widget ids and a numbering-bomb .docx the whole time: each is answered with a message or
    ignored (the search box keeps its first 500 characters), never an exception, and the colleagues'
    sessions see no error."""
    data_dir = tmp_path / "data"
    copy_data_folder(built_library.settings.data_dir, data_dir)
    made = accounts(2)
    attacker = Account("soak-attacker", "外单位工会", made[0].password)
    create_accounts(data_dir, [*made, attacker])
    with serve_app(ROOT / "serve.py", data_dir, tmp_path) as server:
        result = run_soak(server, data_dir, seconds=30, users=2, signed_in=made, attacker=attacker)

    report = "\n".join(result.lines())
    attack = result.attack
    assert attack is not None and attack.failures == [], report
    assert set(attack.sent) == {"oversized search", "oversized facts", "forged widget", "numbering bomb"}, (
        report
    )
    assert attack.refused["oversized facts"] == attack.sent["oversized facts"], report
    assert result.tally.errors == [] and result.tally.violations == [], report
    assert result.problems == [], report
