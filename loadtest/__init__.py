"""Load tests that drive the running Streamlit app through its own websocket protocol, as browsers do.

It lives outside `drafting/` because it speaks Streamlit's protocol (`streamlit.proto`), which the library
must never import.
"""
