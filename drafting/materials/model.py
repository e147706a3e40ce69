"""What extraction hands back: candidate facts with their sources, conflicts, set-aside text, skipped files.

These shapes are the `drafting extract --json` output and what the app's review table edits, so their
field names are the issue's, kept exactly.
"""

from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from drafting.errors import UserError


class Source(BaseModel):
    file: str
    location: str  # 第3段, 第2页第3段, or 春节送温暖!E2:E18
    excerpt: str  # verbatim from the material


class Computed(BaseModel):
    formula: str  # 春节送温暖!E2:E18 求和 = 34000 元（3.4万元）


class Candidate(BaseModel):
    text: str
    theme: str
    values: list[str]
    sources: list[Source]
    computed: Computed | None = None


COMPUTED = "（台账计算）"  # marks the ledger's own figure among a conflict's values


class Conflict(BaseModel):
    about: str
    values: list[str]
    sources: list[Source]


class SetAside(BaseModel):
    file: str
    excerpt: str
    reason: str


class Skipped(BaseModel):
    file: str
    reason: str


class WithoutModel(BaseModel):
    """Materials whose text the rules read because the model failed, and why: their candidates are the
    offline extractor's, and the user should know that when reviewing them."""

    files: list[str]
    reason: str  # the model's failure, in Chinese


class Extraction(BaseModel):
    facts: list[Candidate] = []
    conflicts: list[Conflict] = []
    set_aside: list[SetAside] = []
    skipped: list[Skipped] = []
    without_model: WithoutModel | None = None

    @model_serializer(mode="wrap")
    def _leave_out_unused(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`without_model` appears only when the model failed, so `extract --json` readers that know the
        four keys see the same output as before whenever there is nothing new to tell."""
        data = handler(self)
        if self.without_model is None:
            data.pop("without_model", None)
        return data

    def offline_notice(self) -> str:
        """One Chinese notice naming the materials the model did not read and why ("" when it read all)."""
        if self.without_model is None:
            return ""
        first, *others = self.without_model.files
        reason = self.without_model.reason.strip()
        reason += "" if reason.endswith(("。", "！", "？")) else "。"
        named = "、".join(f"“{name}”" for name in self.without_model.files)
        which = (
            "这份材料已改按规则提取要点"
            if not others
            else f"{named}都已改按规则提取要点（出错后其余材料不再交给模型，免得久等）"
        )
        return f"大模型没能读取“{first}”：{reason}{which}，数字和出处都取自原文，请逐条核对。"

    def unsettled(self, fact: Candidate) -> bool:
        """A fact whose own source is part of a conflict waits for the user to choose its value."""
        return bool(fact.sources) and any(fact.sources[0] in c.sources for c in self.conflicts)

    def facts_file(self, organization: str, period: str) -> dict:
        """A facts file `drafting draft` accepts, each fact keeping its sources; conflicts stay out of the
        facts (listed under `conflicts`, which drafting ignores) until the user picks a value."""
        settled = [fact for fact in self.facts if not self.unsettled(fact)]
        return {
            "organization": organization,
            "period": period,
            "facts": [fact.text for fact in settled],
            "sources": {fact.text: [s.model_dump() for s in fact.sources] for fact in settled},
            "conflicts": [conflict.model_dump() for conflict in self.conflicts],
        }

    def edit(self, index: int, text: str) -> "Extraction":
        """The user reworded a candidate. Its sources stay only while they still state every value in it;
        a value the user typed that no excerpt states makes the fact 用户填写 (no sources)."""
        from drafting.materials.values import stated_values

        fact = self.facts[index]
        excerpts = "".join(s.excerpt for s in fact.sources) + "".join(fact.values if fact.computed else [])
        values = stated_values(text)
        sourced = all(value in excerpts for value in values)
        edited = fact.model_copy(
            update={
                "text": text,
                "values": values,
                "sources": fact.sources if sourced else [],
                "computed": fact.computed if sourced else None,
            }
        )
        return self.model_copy(
            update={"facts": [edited if i == index else f for i, f in enumerate(self.facts)]}
        )

    def reject(self, index: int) -> "Extraction":
        return self.model_copy(update={"facts": [f for i, f in enumerate(self.facts) if i != index]})

    def choose(self, conflict: int, value: str) -> "Extraction":
        """The user settled a conflict: facts stating another value for it leave; the conflict is closed."""
        settled = self.conflicts[conflict]
        if value not in settled.values:
            raise UserError(f"“{value}”不是这处不一致的候选值，可选：{'、'.join(settled.values)}")
        losing = {v for v in settled.values if v != value}
        kept = [
            fact
            for fact in self.facts
            if not (
                fact.sources[0] in settled.sources and losing & {*fact.values, f"{fact.values[0]}{COMPUTED}"}
            )
        ]
        others = [c for i, c in enumerate(self.conflicts) if i != conflict]
        return self.model_copy(update={"facts": kept, "conflicts": others})
