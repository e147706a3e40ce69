"""Prompt templates live in `prompts/*.md`; each file has a `### system` and a `### user` part."""

import re
from functools import cache

from langchain_core.prompts import ChatPromptTemplate

from drafting.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


@cache
def load_prompt(name: str) -> ChatPromptTemplate:
    text = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    parts = dict(re.findall(r"^### (system|user)\n(.*?)(?=^### |\Z)", text, flags=re.S | re.M))
    return ChatPromptTemplate.from_messages(
        [("system", parts["system"].strip()), ("human", parts["user"].strip())]
    )


def prompt_names() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.md"))


def tagged(tag: str, items: list[str], **attributes: str) -> str:
    """Exemplars and user text as tagged blocks, so the model can tell data from instructions."""
    attrs = "".join(f' {key}="{value}"' for key, value in attributes.items())
    return "\n".join(f"<{tag}{attrs}>\n{item}\n</{tag}>" for item in items)
