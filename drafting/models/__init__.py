"""The model seam: one chat-model protocol, provider presets, token counting, and a local fault-injecting endpoint.

`ALLOW_MODEL_REQUESTS` is the switch tests close (as pydantic-ai does): with it False, no code path can
send a request to a chat or embeddings endpoint, so a test that forgets to fake the model fails loudly
instead of spending money on whatever endpoint a developer configured.
"""

ALLOW_MODEL_REQUESTS = True


class ModelRequestsBlocked(RuntimeError):
    """Raised when a real model request is attempted while ALLOW_MODEL_REQUESTS is False."""


def ensure_model_requests_allowed(what: str) -> None:
    if not ALLOW_MODEL_REQUESTS:
        raise ModelRequestsBlocked(
            f"{what}: real model requests are disabled (drafting.models.ALLOW_MODEL_REQUESTS is False); "
            "use a FunctionModel or opt in with the allow_model_requests fixture"
        )
