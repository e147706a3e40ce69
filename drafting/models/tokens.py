"""Token counting with tiktoken, offline.

tiktoken downloads its BPE files on first use; here the cache is seeded from the copies shipped in the
`bpe-openai` wheel (same bytes, same sha256), so no download is ever attempted. The wheel's folder is
found without importing its package: importing it parses three BPE files, 1.3 s on a slow two-core machine.
"""

import gzip
import hashlib
import importlib.util
import os
import tempfile
from functools import cache
from pathlib import Path

import tiktoken

from drafting.errors import UserError

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
SHIPPED_ENCODINGS = ("o200k_base", "cl100k_base")


def _seed_cache() -> None:
    cache_dir = Path(
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(tempfile.gettempdir()) / "drafting-tiktoken"))
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    data_dir = _bpe_openai_data()
    for name in SHIPPED_ENCODINGS:
        target = cache_dir / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
        if not target.exists():
            target.write_bytes(gzip.decompress((data_dir / f"{name}.tiktoken.gz").read_bytes()))


def _bpe_openai_data() -> Path:
    spec = importlib.util.find_spec("bpe_openai")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "缺少 bpe-openai 包（tiktoken 的词表）：请按锁文件重新安装依赖（./run.sh，或离线安装包的 install.sh）。"
        )
    return Path(spec.submodule_search_locations[0]) / "data"


@cache
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    if name not in SHIPPED_ENCODINGS:
        raise ValueError(f"only {SHIPPED_ENCODINGS} are available offline")
    _seed_cache()
    return tiktoken.get_encoding(name)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """o200k_base for current OpenAI-style models; cl100k_base for the gpt-3.5/gpt-4 family."""
    legacy = model.startswith(("gpt-3.5", "gpt-4-", "text-embedding")) or model == "gpt-4"
    return encoding("cl100k_base" if legacy else "o200k_base")


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def trim_to_tokens(text: str, budget: int, model: str = "gpt-4o-mini") -> str:
    """The longest prefix of `text` within `budget` tokens, cut at a character boundary."""
    enc = encoding_for_model(model)
    tokens = enc.encode(text, disallowed_special=())
    if len(tokens) <= budget:
        return text
    return enc.decode(tokens[:budget]).rstrip("\ufffd")


def fit_to_budget(
    fixed: list[str], optional: list[str], budget: int, model: str = "gpt-4o-mini"
) -> list[str]:
    """Keep every fixed text and as many optional ones (in order) as fit in `budget` tokens."""
    used = sum(count_tokens(t, model) for t in fixed)
    kept: list[str] = []
    for text in optional:
        cost = count_tokens(text, model)
        if used + cost > budget:
            break
        kept.append(text)
        used += cost
    return kept
