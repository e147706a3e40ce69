"""Extraction by a configured model, as structured output, checked in code so a model cannot invent here.

Each fact the model returns must quote its paragraph verbatim, and every value it lists must occur in
that quote. A fact that fails either test is not made a fact: it is set aside with the reason, for the
user to see.
"""

import re

from pydantic import BaseModel

from drafting.materials.model import Candidate, SetAside, Source
from drafting.materials.prose import Passage, fact_text, is_instruction
from drafting.materials.values import stated_values
from drafting.models.protocol import ChatModel, TokenUsage
from drafting.writing.prompts import load_prompt
from drafting.writing.themes import keyword_theme

BATCH_CHARS = 3000  # paragraphs per request: a long material is read in several calls
_SPACES = re.compile(r"\s+")


class ModelFact(BaseModel):
    paragraph: str = ""
    text: str = ""
    values: list[str] = []
    excerpt: str = ""


class ExtractReply(BaseModel):
    facts: list[ModelFact] = []


async def extract_with_model(
    model: ChatModel, passages: list[Passage]
) -> tuple[list[Candidate], list[SetAside], TokenUsage]:
    facts: list[Candidate] = []
    set_aside: list[SetAside] = []
    usage = TokenUsage()
    for batch in _batches(passages):
        numbered = {f"P{i}": passage for i, passage in enumerate(batch, start=1)}
        prompt = load_prompt("extract").render(
            file=batch[0].file, paragraphs="\n".join(f"{key}：{p.text}" for key, p in numbered.items())
        )
        reply, used = await model.structured(prompt, ExtractReply, max_tokens=2000)
        usage.add(used)
        for item in reply.facts:
            fact, problem = checked(item, numbered)
            if fact is not None:
                facts.append(fact)
            else:
                set_aside.append(
                    SetAside(file=batch[0].file, excerpt=item.excerpt or item.text, reason=problem)
                )
    return facts, set_aside, usage


def checked(item: ModelFact, numbered: dict[str, Passage]) -> tuple[Candidate | None, str]:
    """The model's fact if its excerpt is in its paragraph and each value in its excerpt; else why not."""
    passage = numbered.get(item.paragraph.strip().upper())
    excerpt = item.excerpt.strip()
    if passage is None or not excerpt or _squeezed(excerpt) not in _squeezed(passage.text):
        return None, "模型给出的摘录在原文中找不到，未采用"
    if is_instruction(excerpt):
        return None, "像是写给起草者的指令，不是事实"
    claimed = [*item.values, *stated_values(item.text)]
    invented = list(dict.fromkeys(v for v in claimed if _squeezed(v) not in _squeezed(excerpt)))
    if invented:
        return None, f"模型列出的“{'、'.join(invented)}”不在原文摘录中，未采用"
    if not item.values:
        return None, "没有数字、日期或名称，未作为事实"
    return Candidate(
        text=fact_text(item.text or excerpt),
        theme=keyword_theme(item.text + excerpt) or "other",
        values=list(dict.fromkeys(item.values)),
        sources=[Source(file=passage.file, location=passage.location, excerpt=excerpt)],
    ), ""


def _squeezed(text: str) -> str:
    return _SPACES.sub("", text)


def _batches(passages: list[Passage]) -> list[list[Passage]]:
    batches: list[list[Passage]] = []
    size = BATCH_CHARS
    for passage in passages:
        if size + len(passage.text) > BATCH_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(passage)
        size += len(passage.text)
    return batches
