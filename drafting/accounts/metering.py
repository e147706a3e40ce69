"""A model job's tokens, charged against the quota as they are sent and received.

`QuotaMeter` reserves the job's estimate before the first call and keeps the charge at or above what
has been counted: a prompt counts when it is sent, each streamed piece when it arrives, and a call's
own usage report replaces that count when the call ends. A job the user walks away from is therefore
charged for what went over the wire, and a job that outgrows its estimate is stopped when the quota
cannot cover more. Before every call, and every few hundred tokens streamed, the meter also asks
whether the account is still enabled.
`MeteredModel` puts a meter in front of any ChatModel.
"""

from collections.abc import Callable

from drafting.access import Actor
from drafting.accounts.quotas import QuotaExceeded, Quotas
from drafting.errors import JobStopped
from drafting.models.protocol import ChatModel, Delta, Prompt, T, TokenUsage
from drafting.models.tokens import count_tokens

# tokens charged at a time beyond the reservation: one database write per step, not per piece
CHARGE_STEP = 500
CHECK_EVERY = 200  # tokens between two looks at whether the account is still enabled

DISABLED = "该账户已被管理员停用，生成已停止；已写完的部分已保存。"


class QuotaMeter:
    """What one job has used (`counted`) and what the database holds against it (`charged`)."""

    def __init__(self, quotas: Quotas, actor: Actor):
        self.quotas, self.actor = quotas, actor
        self.counted = self.charged = 0
        self._checked_at = -CHECK_EVERY

    def reserve(self, tokens: int) -> None:
        """Charge the estimate before anything is sent; QuotaExceeded leaves nothing charged."""
        self.charged += self.quotas.reserve(self.actor, tokens)

    def send(self, tokens: int) -> None:
        """A prompt about to go out: refused when the account was disabled, then counted."""
        self._check_account()
        self.spend(tokens)

    def spend(self, tokens: int) -> None:
        """Count tokens sent or received; stop the job when the quota or the account no longer allows it."""
        self.counted += tokens
        if self.counted - self._checked_at >= CHECK_EVERY:
            self._check_account()
        if self.counted > self.charged and self.actor.user_id is not None:
            try:
                self.charged += self.quotas.reserve(self.actor, self.counted - self.charged + CHARGE_STEP)
            except QuotaExceeded:
                raise JobStopped(
                    "今天的用量额度已经用完，生成已停止；已写完的部分已保存。明天会自动恢复，确需继续请联系管理员。"
                ) from None

    def _check_account(self) -> None:
        self._checked_at = self.counted
        if not self.quotas.account_active(self.actor):
            raise JobStopped(DISABLED)

    def correct(self, counted: int, reported: int) -> None:
        """A call's own usage report replaces the count this meter made of it."""
        self.counted += reported - counted

    def settle(self) -> None:
        """Leave exactly what was counted charged: give back the unused reservation, or charge the rest."""
        if self.actor.user_id is not None and self.charged != self.counted:
            self.quotas.record_usage(self.actor, self.counted - self.charged)
        self.charged = self.counted


class MeteredModel:
    """A ChatModel whose every call goes through a QuotaMeter."""

    def __init__(self, model: ChatModel, meter: QuotaMeter, tokenizer: str):
        self.model, self.meter, self.tokenizer = model, meter, tokenizer
        self.label, self.max_concurrency = model.label, model.max_concurrency

    def _sent(self, prompt: Prompt) -> int:
        tokens = count_tokens(prompt.text("system") + prompt.text("human"), self.tokenizer)
        self.meter.send(tokens)
        return tokens

    async def stream(
        self, prompt: Prompt, on_delta: Delta, max_tokens: int, on_retry: Callable[[], None] | None = None
    ) -> tuple[str, TokenUsage]:
        attempt = {"counted": self._sent(prompt)}  # a retried attempt stays charged: it went over the wire

        def counted_delta(text: str) -> None:
            tokens = count_tokens(text, self.tokenizer)
            attempt["counted"] += tokens
            self.meter.spend(tokens)
            on_delta(text)

        def retried() -> None:
            attempt["counted"] = self._sent(prompt)
            if on_retry:
                on_retry()

        text, usage = await self.model.stream(prompt, counted_delta, max_tokens, retried)
        self.meter.correct(attempt["counted"], usage.total)
        return text, usage

    async def structured(self, prompt: Prompt, schema: type[T], max_tokens: int) -> tuple[T, TokenUsage]:
        sent = self._sent(prompt)
        reply, usage = await self.model.structured(prompt, schema, max_tokens)
        self.meter.correct(sent, usage.total)
        return reply, usage

    async def aclose(self) -> None:
        await self.model.aclose()
