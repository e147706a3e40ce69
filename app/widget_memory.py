"""Lets go of what Streamlit keeps of widgets that are no longer on the page.

Streamlit 1.67 drops a stale widget's value after each run but keeps its metadata for good
(`WStates.remove_stale_widgets` filters the values only), and the metadata holds the widget's options and
functions. The 起草 page keys its widgets by draft (重新生成, 修改要求, …) and 范文库's report list changes
with every import, so a session kept every widget it had ever drawn: in the 20-session soak the server
grew 30% in six minutes. At the start of each full run, the frame removes the metadata (and the key
mapping) of every widget that holds no value any more: neither one the browser sent for this run nor one
kept from the runs before.
"""

import logging

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

logger = logging.getLogger(__name__)


def forget_widgets_gone() -> None:
    """Outside a script run there is nothing to do. These are Streamlit's internals: should another
    version move them, nothing is let go and the page runs on (tests/test_app.py then fails)."""
    context = get_script_run_ctx()
    if context is None:
        return
    try:
        _forget(context.session_state)
    except AttributeError as error:
        logger.warning("widget metadata not pruned (Streamlit's session state changed): %s", error)


def _forget(safe) -> None:  # noqa: ANN001 - Streamlit's SafeSessionState
    with safe._lock:  # the server thread sets the browser's widget states under it
        state = safe._state
        widgets = state._new_widget_state
        holding = widgets.states.keys() | state._old_state.keys()
        gone = [widget_id for widget_id in widgets.widget_metadata if widget_id not in holding]
        keys = state._key_id_mapper
        for widget_id in gone:
            del widgets.widget_metadata[widget_id]
            key = keys._id_key_mapping.pop(widget_id, None)
            if key is not None and keys._key_id_mapping.get(key) == widget_id:
                del keys._key_id_mapping[key]  # else the key names the widget's newer self
