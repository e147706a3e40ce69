"""The load driver's HTTP client (downloads, uploads) never reuses a connection the app server is closing."""

import inspect

import uvicorn
from streamlit.web.server.starlette import starlette_server

from loadtest.client import SERVER_KEEP_ALIVE_SECONDS, AppClient


def test_pooled_connections_expire_well_before_the_server_closes_them():
    """uvicorn closes a keep-alive connection idle for `timeout_keep_alive` seconds, httpx's own default
    expiry too: a soak's Word download sent on such a connection just as it closed was reset."""
    assert "timeout_keep_alive" not in starlette_server._get_uvicorn_config_kwargs()  # Streamlit's choice
    default = inspect.signature(uvicorn.Config).parameters["timeout_keep_alive"].default
    assert default == SERVER_KEEP_ALIVE_SECONDS
    client = AppClient("http://127.0.0.1:9")
    try:
        assert client.http._transport._pool._keepalive_expiry <= default / 2
    finally:
        client.close()
