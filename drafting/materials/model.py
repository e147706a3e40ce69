"""What extraction hands back: candidate facts with their sources, conflicts, set-aside text, skipped files.

These shapes are the `drafting extract --json` output and what the app's review table edits, so their
field names are the issue's, kept exactly.
"""

import re
from typing import Any, ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from drafting.errors import UserError
from drafting.materials.values import Amount, amount_of, amounts, stated_values, wording


class _Sparse(BaseModel):
    """A model whose `_left_out` fields appear only when set, so that `extract --json` readers that know
    the issue's keys see the same output as before whenever there is nothing new to tell."""

    _left_out: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _leave_out_unused(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for name in self._left_out:
            if not getattr(self, name):
                data.pop(name, None)
        return data


class Source(BaseModel):
    file: str
    location: str  # 第3段, 第2页第3段, or 春节送温暖!E2:E18
    excerpt: str  # verbatim from the material


class Computed(BaseModel):
    formula: str  # 春节送温暖!E2:E18 求和 = 34000 元（3.4万元）


class Candidate(_Sparse):
    text: str
    theme: str
    values: list[str]
    sources: list[Source]
    computed: Computed | None = None
    # figures the user chose against when settling a conflict (17户, 18户 chosen): a fact whose text
    # still states one waits for the user to correct it
    rejected: list[str] = []

    _left_out = ("rejected",)

    def still_states_rejected(self) -> list[str]:
        stated = _figures(self.text)
        return [value for value in self.rejected if _figures(value) & stated]


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


class Extraction(_Sparse):
    facts: list[Candidate] = []
    conflicts: list[Conflict] = []
    set_aside: list[SetAside] = []
    skipped: list[Skipped] = []
    without_model: WithoutModel | None = None  # only when the model failed

    _left_out = ("without_model",)

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
        """A fact whose own source is part of a conflict waits for the user to choose its value; one
        that still states a figure the user chose against waits for the user to correct it."""
        return self._in_conflict(fact) or bool(fact.still_states_rejected())

    def status(self, fact: Candidate) -> str:
        """What the review table says of a fact: why it cannot be taken yet, what settling took out of
        it, or that the ledger computed it."""
        if self._in_conflict(fact):
            return "数值待选定"
        if still := fact.still_states_rejected():
            return f"仍写着未选定的{'、'.join(still)}，请改正"
        if fact.rejected:
            return f"已删去未选定的{'、'.join(fact.rejected)}，请核对"
        return "台账计算" if fact.computed else ""

    def _in_conflict(self, fact: Candidate) -> bool:
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
        """The user settled a conflict, which closes. The facts of the conflict stating another figure
        lose only that statement: its clauses go, noted for the reviewer (…开展春节送温暖活动，走访慰问困难
        职工17户，发放慰问金3.4万元 keeps its activity and money); a fact that said nothing else (台账共17户,
        走访慰问困难职工17户) leaves. Where a clause also says other things, the fact stays whole and waits
        for the user to correct it, never dropping what else it says. What is left that the chosen figure's
        facts say as well, or another fact from the same passage worded as it (发放慰问金3.4万元 beside 走访
        慰问困难职工18户；发放慰问金3.4万元), is a second account of the same work, and leaves too: the draft
        would tell it twice. Approximate figures (约300人, 300余人) are settled the same way."""
        settled = self.conflicts[conflict]
        if value not in settled.values:
            raise UserError(f"“{value}”不是这处不一致的候选值，可选：{'、'.join(settled.values)}")
        chosen = amount_of(value.removesuffix(COMPUTED))
        losing = [
            v.removesuffix(COMPUTED) for v in settled.values if amount_of(v.removesuffix(COMPUTED)) != chosen
        ]
        involved = [fact for fact in self.facts if fact.sources and fact.sources[0] in settled.sources]
        lost = {a for written in losing for a in _figures(written)}
        said = {a for fact in involved if chosen in _figures(fact.text) for a in _figures(fact.text)}
        passages = {(source.file, source.location) for source in settled.sources}
        siblings = [  # a ； splits one sentence into facts: 18户；发放慰问金3.4万元
            fact
            for fact in self.facts
            if fact.sources and (fact.sources[0].file, fact.sources[0].location) in passages
            if not lost & _figures(fact.text)
        ]
        facts = [_without(fact, losing, said, siblings) if fact in involved else fact for fact in self.facts]
        others = [c for i, c in enumerate(self.conflicts) if i != conflict]
        return self.model_copy(update={"facts": [f for f in facts if f], "conflicts": others})


def _without(
    fact: Candidate, losing: list[str], said: set[Amount], siblings: list[Candidate]
) -> Candidate | None:
    """The fact without its clauses stating a losing figure; None when nothing else would be left that is
    not `said` already, or told by a sibling worded as what is left (not another activity's 3万元)."""
    lost = {a for value in losing for a in _figures(value)}
    clauses = re.split(r"[，；]", fact.text)
    kept = [clause for clause in clauses if not lost & _figures(clause)]
    if len(kept) == len(clauses):
        return fact  # it does not state a losing figure
    rejected = [*fact.rejected, *(v for v in losing if v not in fact.rejected)]
    text = "，".join(kept)
    said_here = wording(text)
    told = (
        lost
        | said
        | {a for s in siblings if (w := wording(s.text)) and w in said_here for a in _figures(s.text)}
    )
    if _says_more(text, told):
        return fact.model_copy(
            update={"text": text, "values": [v for v in fact.values if v in text], "rejected": rejected}
        )
    if _says_more("，".join(c for c in clauses if c not in kept), told):
        return fact.model_copy(update={"rejected": rejected})  # 走访17户发放3.4万元: the user corrects it
    return None


def _figures(text: str) -> set[Amount]:
    """The amounts the text states, approximate ones too (约300人 is settled like 300人)."""
    return set(amounts(text, approximate=True))


def _says_more(text: str, told: set[Amount]) -> bool:
    """The text states a value beyond the figures `told` and its dates (1月20日 alone is no fact)."""
    values = [v for v in stated_values(text) if not re.fullmatch(r"[\d年月日]+", v)]
    return any(not _figures(v) or _figures(v) - told for v in values)
