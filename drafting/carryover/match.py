"""Offline matching of plan items to this year's facts: subject words, e5 similarity, numbers and units.

A fact reports an item only when it names the item's subject (subject.Subject): the head of one of its
runs of subject words (书屋, 篮球赛, 金秋助学, 疗休养, 送清凉, 体检…), with no other modifier before that
head (青年 vs 退休 联谊会) and no other session (五届二次 vs 五届三次). Words every 工会 sentence has (职工,
组织, 举办, 参加, 市总工会), numbers and units never make a match. Naming the subject, the fact must also
hold most of the item's subject words, or most of one of its parts' (two words at least: 举办劳模工匠宣讲
5场 in a long item), or some of them with the embedder finding the two close. e5 scores even unrelated
工会 sentences around 0.85 (and 0.93 for 青年 and 退休 职工联谊会), so similarity alone never matches: an
item left unmatched with a close fact is what a model may settle (judge.py), citing it.
An item is done only when its facts tell of each part of its statement (召开职代会 and 审议绩效分配方案);
with a part untold it is at most partly done. When unsure an item stays 未提及, which the user can
correct, and is never 已完成.
Both sides are compared in simplified script, so a traditional report matches simplified facts.
"""

import re
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from drafting.carryover.items import PlanItem, PreviousPlan, year_warning
from drafting.carryover.subject import PART, Subject
from drafting.carryover.targets import SENTENCE, Target, align
from drafting.text.script import to_simplified
from drafting.writing.facts import CarryoverStatus

if TYPE_CHECKING:
    from chromadb.api.types import Documents, EmbeddingFunction

KEYWORD_SHARE = 0.5  # of the item's subject words a fact naming its subject holds to report it on words alone
PART_WORDS = 2  # of one part's subject words a fact must name to report the item by that part
SIMILAR_WITH_WORD = 0.90  # e5 cosine that, with the subject named, makes a match on fewer words
BORDERLINE = 0.88  # below this no model is asked
CANDIDATES = 3  # facts shown to the model for one borderline item
# a clause that frames the work rather than naming a part of it: 加强教职工队伍建设，组织青年教师基本功比赛
_FRAMING = re.compile(
    r"^(加强|推进|推动|完善|深化|强化|健全|提升|提高|坚持|注重|围绕|做好|抓好|做到|确保|力争|争取|努力|不断|持续|"
    r"进一步|切实|全面|积极|着力|扎实|认真|深入|学习|贯彻|大力|聚焦|立足|着眼|突出|狠抓|抓实|全力)"
)
_IN_PART = re.compile(r"部分|初步|尚未|未能|未完成|正在|推进中|已启动|启动了|筹备|一半|阶段性")


_JSON_ITEM = {
    "plan": True,
    "status": True,
    "facts": True,
    "targets": {"__all__": {"planned", "achieved", "unit"}},
}


class ItemResult(BaseModel):
    """One plan item: its status, the facts that report it, and its numeric targets."""

    plan: str
    detail: str = ""  # the item's whole text when `plan` shows only its heading
    status: CarryoverStatus
    facts: list[str] = []
    targets: list[Target] = []
    judged_by: str = "offline"  # or the model's label, when a model settled a borderline item
    note: str = ""
    candidates: list[str] = []  # borderline facts, for a model to judge


class Carryover(BaseModel):
    """The comparison the faces show: last year's report and one row per plan item."""

    title: str
    period: str
    items: list[ItemResult]
    plan_year: str = ""  # the year last year's plan was for, when its report tells

    def year_warning(self, period: str) -> str:
        """Non-empty when that plan was for another year than `period`, the one being summed up."""
        return year_warning(self.title, self.plan_year, period)

    def as_json(self) -> dict:
        """The `drafting carryover --json` shape (issue 19)."""
        return {
            "previous": {"title": self.title, "period": self.period},
            "items": [item.model_dump(include=_JSON_ITEM) for item in self.items],
        }

    def counts(self) -> dict[str, int]:
        return {s: sum(i.status == s for i in self.items) for s in CarryoverStatus.__args__}


def similarities(
    plans: list[str], facts: list[str], embed: "EmbeddingFunction[Documents] | None"
) -> np.ndarray:
    """Cosine similarity of every plan item (as a query) to every fact (as a passage); zeros without an embedder."""
    if embed is None or not plans or not facts:
        return np.zeros((len(plans), len(facts)))
    queries = np.asarray(embed.embed_query([to_simplified(p) for p in plans]), dtype=np.float32)
    passages = np.asarray(embed([to_simplified(f) for f in facts]), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    return queries @ passages.T


def reports(subject: Subject, fact: str, similarity: float, parts: list[Subject] | None = None) -> bool:
    """Whether a fact reports the item (see the module docstring for the rule); `parts` are its clauses."""
    share = subject.share(fact)  # 0 unless the fact names the item's subject
    if share >= KEYWORD_SHARE or (share > 0 and similarity >= SIMILAR_WITH_WORD):
        return True
    return any(
        len(named := part.named(fact)) >= PART_WORDS and len(named) >= KEYWORD_SHARE * len(part.words)
        for part in parts or []
    )


def status_of(facts: list[str], targets: list[Target]) -> CarryoverStatus:
    """not_mentioned with no fact; partial when a target is short or a fact says it is under way; else done."""
    if not facts:
        return "not_mentioned"
    short = any(t.achieved is not None and not t.met for t in targets)
    under_way = any(_IN_PART.search(to_simplified(fact)) for fact in facts)
    return "partial" if short or under_way else "done"


def _parts(plan: str) -> list[Subject]:
    """The parts of an item: its clauses that name work of their own, not those that frame it."""
    clauses = (clause.strip(" …") for clause in PART.split(plan))
    parts = [Subject(clause) for clause in clauses if clause and not _FRAMING.match(to_simplified(clause))]
    return [part for part in parts if part.names_work()]


def untold_parts(plan: str, facts: list[str]) -> list[str]:
    """The parts of an item's own statement (its first sentence: a long item's body tells how, 通过集中入会、
    网上入会等方式) that none of its facts tells of."""
    statement = next((s for s in SENTENCE.split(plan) if s.strip(" …")), "")
    return [part.said for part in _parts(statement) if not any(part.told_by(fact) for fact in facts)]


def judge_item(item: PlanItem, facts: list[str]) -> ItemResult:
    """The row for an item whose reporting facts are known (its figures read from all its words)."""
    targets = align(item.detail, facts)
    return ItemResult(
        plan=item.text, detail=item.detail, status=status_of(facts, targets), facts=facts, targets=targets
    )


def compare(
    previous: PreviousPlan, facts: list[str], embed: "EmbeddingFunction[Documents] | None" = None
) -> Carryover:
    """Every plan item against this year's facts, offline."""
    scores = similarities([item.text for item in previous.items], facts, embed)
    rows = []
    for i, item in enumerate(previous.items):
        subject, parts = Subject(item.text), _parts(item.text)
        matched = [f for j, f in enumerate(facts) if reports(subject, f, float(scores[i, j]), parts)]
        row = judge_item(item, matched)
        if row.status == "done" and (untold := untold_parts(item.text, matched)):
            row.status = "partial"
            row.note = f"要点中未见：{'；'.join(untold)}"
        if not matched:
            order = np.argsort(-scores[i]) if len(facts) else []
            row.candidates = [facts[j] for j in order[:CANDIDATES] if scores[i, j] >= BORDERLINE]
        rows.append(row)
    return Carryover(title=previous.title, period=previous.period, items=rows, plan_year=previous.plan_year)
