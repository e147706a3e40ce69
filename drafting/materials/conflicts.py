"""The same event found in several materials: one fact with all its sources, or a conflict to settle.

Two candidates tell of the same event when their wording (numbers taken out) mostly overlaps and they
count something in the same unit. If every shared unit has the same amount, they become one fact with
both sources; if not (17户 in one briefing, 18户 in the half-year report), the disagreement is listed as
a conflict and neither value is chosen.

A ledger figure is checked only against prose that plainly tells of the same measure of the same work:
the same unit (people against people, never against households or 人次), a specific word of the ledger's
own name (春节送温暖, not just 慰问 or 经费), and, for a column's sum, the column's own measure (家庭人口 is
not the number of staff visited). When in doubt there is no conflict: a false one keeps a correct fact out
of the draft until the user settles a disagreement that never was.
"""

import re
from decimal import Decimal
from difflib import SequenceMatcher
from itertools import combinations

from drafting.materials.model import COMPUTED, Candidate, Conflict
from drafting.materials.values import Amount, amounts, wording

SAME_EVENT = 0.7  # share of the shorter wording's character pairs the longer one also has
APPROXIMATE_SHARE = Decimal("0.8")  # how far from its number an approximate figure may be
# Words nearly every union fact has: sharing one of them does not make a ledger and a sentence one work
# (a 困难帮扶 ledger and 春节走访慰问困难职工 share only 困难; a 慰问 ledger and 中秋节日慰问品 only 慰问)
_COMMON_WORDS = frozenset(
    "职工 工会 困难 难职 会员 全年 开展 活动 组织 发放 金额 人数 户数 慰问 经费 工作 情况 统计 汇总 登记".split()
)
# A column header's words that only restate its unit: 帮扶金额 is measured by 元 alone
_UNIT_WORDS = frozenset("金额 总额 人数 户数 人次 户次 数量 次数 总数".split())
_PEOPLE = frozenset(("人", "名"))  # 20人 and 20名 count the same; 人次, 户 and 户次 count other things


def settle(candidates: list[Candidate]) -> tuple[list[Candidate], list[Conflict]]:
    """Merge retellings of one event and list the disagreements; computed ledger facts are cross-checked."""
    prose = [c for c in candidates if c.computed is None]
    computed = [c for c in candidates if c.computed is not None]
    facts: list[Candidate] = []
    conflicts: list[Conflict] = []
    for group in _events(prose):
        merged = _merge_identical(group)
        facts += merged
        conflicts += _disagreements(merged)
    subjects = _subjects(computed)
    for ledger_fact in computed:
        conflicts += _cross_check(ledger_fact, subjects, facts)
    return facts + computed, conflicts


def _events(facts: list[Candidate]) -> list[list[Candidate]]:
    """Groups of candidates about the same event (union of pairwise matches), in first-seen order."""
    parent = list(range(len(facts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = [_bigrams(f.text) for f in facts]
    # approximate amounts too: 资助困难职工子女300余人 in two materials is one event (never a disagreement)
    units = [{a.unit for a in amounts(" ".join(f.values), approximate=True)} for f in facts]
    for i in range(len(facts)):
        for j in range(i):
            if units[i] & units[j] and _overlap(pairs[i], pairs[j]) >= SAME_EVENT:
                parent[root(i)] = root(j)
    groups: dict[int, list[Candidate]] = {}
    for i, fact in enumerate(facts):
        groups.setdefault(root(i), []).append(fact)
    return list(groups.values())


def _merge_identical(group: list[Candidate]) -> list[Candidate]:
    """Candidates stating the same amounts become one, with every source (first wording kept)."""
    merged: dict[frozenset[Amount], Candidate] = {}
    for fact in group:
        key = frozenset(amounts(" ".join(fact.values), approximate=True))
        if key in merged:
            kept = merged[key]
            kept.sources += [s for s in fact.sources if s not in kept.sources]
            kept.values += [v for v in fact.values if v not in kept.values]
        else:
            merged[key] = fact.model_copy(deep=True)
    return list(merged.values())


def _disagreements(group: list[Candidate]) -> list[Conflict]:
    if len(group) < 2:
        return []
    conflicts = []
    for unit in sorted({a.unit for fact in group for a in amounts(" ".join(fact.values), approximate=True)}):
        stating = [(fact, _written(fact, unit)) for fact in group if _written(fact, unit)]
        if any(_disagree(one, other) for (_, one), (_, other) in combinations(stating, 2)):
            conflicts.append(
                Conflict(
                    about=f"{_common_wording([f.text for f, _ in stating])}（{unit}）",
                    values=list(dict.fromkeys(v for _, written in stating for v in written)),
                    sources=[s for fact, _ in stating for s in fact.sources],
                )
            )
    return conflicts


def _subjects(computed: list[Candidate]) -> dict[tuple[str, str], str]:
    """Each ledger sheet's own name, as its count fact states it (慰问台账共5户 → 慰问), by file and sheet:
    a column's sum names the sheet and the column together (慰问金合计…) and is told apart by it."""
    return {
        _sheet(fact): found.group(1) for fact in computed if (found := re.match(r"(.+?)台账共", fact.text))
    }


def _sheet(fact: Candidate) -> tuple[str, str]:
    return fact.sources[0].file, fact.sources[0].location.split("!")[0]


def _cross_check(
    ledger_fact: Candidate, subjects: dict[tuple[str, str], str], prose: list[Candidate]
) -> list[Conflict]:
    """A ledger figure against each prose fact about the same measure of the same work: prose stating the
    figure joins its sources; prose stating one other figure of that kind is a conflict; prose stating
    several others (收入320万元，支出298.75万元) is no conflict, for it is not known which one is meant."""
    computed = _amount(ledger_fact.values[0])
    label = re.sub(r"台账.*$|合计.*$", "", ledger_fact.text)
    subject = subjects.get(_sheet(ledger_fact), label)
    measure = label.removeprefix(subject)
    conflicts = []
    for fact in prose if computed else []:
        if fact.theme != ledger_fact.theme or not _tells_of(fact.text, subject, measure):
            continue
        stated = [v for v in fact.values if (a := _amount(v)) and _same_kind(a, computed)]
        figures = {_amount(v).number for v in stated}
        if computed.number in figures:
            ledger_fact.sources += [s for s in fact.sources if s not in ledger_fact.sources]
        elif len(figures) == 1:
            conflicts.append(
                Conflict(
                    about=f"{label}（台账计算与材料所写不一致）",
                    values=[f"{ledger_fact.values[0]}{COMPUTED}", *stated],
                    sources=[*ledger_fact.sources[:1], *fact.sources],
                )
            )
    return conflicts


def _tells_of(text: str, subject: str, measure: str) -> bool:
    """The sentence shares a specific word of the ledger's name and, if its column names a measure
    beyond the unit, a word of that measure too."""
    said = _bigrams(text)
    named = _bigrams(subject) - _COMMON_WORDS
    measured = _bigrams(measure) - _UNIT_WORDS
    return bool(named & said) and (not measured or bool(measured & said))


def _same_kind(a: Amount, b: Amount) -> bool:
    return a.unit == b.unit or {a.unit, b.unit} <= _PEOPLE


def _written(fact: Candidate, unit: str) -> list[str]:
    """The fact's values in `unit`, approximate ones (300余人) too."""
    return [v for v in fact.values if (a := _amount(v, approximate=True)) and a.unit == unit]


def _amount(written: str, approximate: bool = False) -> Amount | None:
    found = amounts(written, approximate=approximate)
    return found[0] if found else None


def _disagree(one: list[str], other: list[str]) -> bool:
    """Two facts' figures of one unit disagree when each states one the other has nothing to agree with:
    17户 against 18户, 17户，其中特困5户 against 18户，其中特困5户; not 300余人，其中大学生120人 against
    300余人, whose one figure the first fact states too."""

    def unmatched(these: list[str], those: list[str]) -> bool:
        return any(not any(_agree(a, b) for b in those) for a in these)

    return unmatched(one, other) and unmatched(other, one)


def _agree(one: str, other: str) -> bool:
    """Two written figures of one thing agree when the ranges they allow meet: 300人 is 300; 300余人 and
    超过300人 at least 300 (to a quarter more); 不足300人 below 300; 约300人, 300来人 within a fifth. So
    300余人 agrees with 320人, not with 250人, 30人 or 500余人."""
    low, high = _range(one)
    other_low, other_high = _range(other)
    return low <= other_high and other_low <= high


def _range(written: str) -> tuple[Decimal, Decimal]:
    amount = amounts(written, approximate=True)[0]  # one of `_written`'s values: it has one
    number = amount.number
    if amount.bound == "at_least":
        return number, number / APPROXIMATE_SHARE
    if amount.bound == "below":
        return number * APPROXIMATE_SHARE, number
    if amount.bound == "about":
        return number * APPROXIMATE_SHARE, number / APPROXIMATE_SHARE
    return number, number


def _bigrams(text: str) -> set[str]:
    said = wording(text)
    return {said[i : i + 2] for i in range(len(said) - 1)}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _common_wording(texts: list[str]) -> str:
    """The longest wording all the texts share ('走访慰问困难职工'), to name what the conflict is about."""
    common = wording(texts[0])
    for text in texts[1:]:
        other = wording(text)
        match = SequenceMatcher(None, common, other, autojunk=False).find_longest_match()
        common = common[match.a : match.a + match.size]
    return common or wording(texts[0])[:12]
