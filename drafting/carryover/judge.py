"""A model settles borderline items: it must cite the fact it relies on, and the code checks the citation.

Only items the offline matcher left unmatched but with a close fact (match.BORDERLINE) are asked about,
each with its few closest facts. A verdict of done or partial counts only if it names one of those facts
and quotes words that really stand in it; a verdict citing a fact that does not exist, or quoting words
the fact does not hold, is set aside and the offline status stays, with a note saying why.
"""

import re

from pydantic import BaseModel

from drafting.carryover.items import PlanItem
from drafting.carryover.match import Carryover, ItemResult, judge_item
from drafting.models.protocol import ChatModel, ModelCallError, TokenUsage
from drafting.text.script import to_simplified
from drafting.writing.facts import CarryoverStatus
from drafting.writing.prompts import load_prompt

MIN_QUOTE_CHARS = 4
_SPACE = re.compile(r"\s+")


class Verdict(BaseModel):
    status: CarryoverStatus
    fact: str = ""
    quote: str = ""


def cited_fact(verdict: Verdict, candidates: list[str]) -> str | None:
    """The fact a done/partial verdict relies on, if its id exists and its quote stands in that fact."""
    numbered = {f"F{i}": fact for i, fact in enumerate(candidates, start=1)}
    fact = numbered.get(verdict.fact.strip().upper())
    quote = _normal(verdict.quote)
    if fact is None or len(quote) < MIN_QUOTE_CHARS or quote not in _normal(fact):
        return None
    return fact


async def judge_borderline(model: ChatModel, carryover: Carryover) -> tuple[Carryover, TokenUsage]:
    """The comparison with each borderline item judged by the model (only when its citation holds)."""
    usage = TokenUsage()
    items = []
    for item in carryover.items:
        if not item.candidates:
            items.append(item)
            continue
        judged, used = await _judge(model, item)
        usage.add(used)
        items.append(judged)
    return carryover.model_copy(update={"items": items}), usage


async def _judge(model: ChatModel, item: ItemResult) -> tuple[ItemResult, TokenUsage]:
    facts = "\n".join(f"F{i}：{fact}" for i, fact in enumerate(item.candidates, start=1))
    prompt = load_prompt("carryover").render(plan=item.plan, facts=facts)
    try:
        verdict, usage = await model.structured(prompt, Verdict, max_tokens=300)
    except (ModelCallError, ValueError):  # no answer, or no usable JSON: the offline status stands
        return item.model_copy(update={"note": "模型未能给出可用的判断，保留自动对照结果。"}), TokenUsage()
    if verdict.status == "not_mentioned":
        return item.model_copy(update={"judged_by": model.label, "candidates": []}), usage
    fact = cited_fact(verdict, item.candidates)
    if fact is None:
        note = f"模型判断为“{verdict.status}”，但引用的要点（{verdict.fact or '未注明'}）不存在或不含所引原文，未采用。"
        return item.model_copy(update={"note": note}), usage
    judged = judge_item(PlanItem(text=item.plan, detail=item.detail or item.plan), [fact])
    status = "partial" if verdict.status == "partial" else judged.status
    return judged.model_copy(update={"status": status, "judged_by": model.label}), usage


def _normal(text: str) -> str:
    return _SPACE.sub("", to_simplified(text)).strip("。；，,;“”\"'")
