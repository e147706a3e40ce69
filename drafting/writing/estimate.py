"""Tokens and cost a draft will take, shown before anything is sent (exemplars counted at their typical size)."""

from drafting.models.protocol import TokenUsage
from drafting.models.tokens import count_tokens
from drafting.settings import Settings
from drafting.writing.facts import Facts
from drafting.writing.model_writer import TOKENS_PER_CHAR
from drafting.writing.outline import Outline

EXEMPLAR_TOKENS = 3 * 300
PROMPT_TOKENS = 450


def estimate(outline: Outline, facts: Facts, settings: Settings) -> TokenUsage:
    prompt = completion = 0
    for planned in outline.sections:
        text = "".join(planned.facts) + planned.heading
        exemplars = EXEMPLAR_TOKENS if planned.kind == "work" else 0
        prompt += count_tokens(text, settings.llm_model) + PROMPT_TOKENS + exemplars
        completion += int(planned.budget_chars * TOKENS_PER_CHAR)
    if settings.llm_planner:  # the outline call
        prompt += count_tokens("".join(facts.facts), settings.llm_model) + PROMPT_TOKENS
        completion += 40 * len(facts.facts)
    return TokenUsage(prompt_tokens=prompt, completion_tokens=completion)


def cost_words(amount: float) -> str:
    """费用约 0.0123; with no price per million tokens set the estimate is 0, which reads as free: say so."""
    return f"费用约 {amount:.4f}" if amount else "费用未估算（没有设置每百万 token 单价）"


def cost(usage: TokenUsage, settings: Settings) -> float:
    return (
        usage.prompt_tokens * settings.llm_price_input_per_mtok
        + usage.completion_tokens * settings.llm_price_output_per_mtok
    ) / 1e6
