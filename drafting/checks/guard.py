"""The guard the pipeline is composed with: the fact guard on each section; on the draft, the carried
items, facts that contradict each other, and figures that look like slips.

The pipeline knows only its `Guard` protocol, so writing never imports the checks (the checks read the
writing's value types, never its stages).
"""

from drafting.checks.carryover import carried_items_missing, carried_warning
from drafting.checks.contradictions import contradiction_warnings
from drafting.checks.factguard import SectionGuard, guard_section
from drafting.checks.plausibility import plausibility_warnings
from drafting.writing.draft import Draft
from drafting.writing.facts import Facts


class FactGuard:
    def check_section(self, text: str, own_facts: list[str], facts: Facts) -> SectionGuard:
        return guard_section(text, own_facts, facts)

    def draft_warnings(self, draft: Draft) -> list[str]:
        plan = "\n".join(section.text for section in draft.sections if section.kind == "plan")
        missing = carried_items_missing(plan, draft.facts)
        facts = draft.facts.facts
        carried = [carried_warning(missing)] if missing else []
        return carried + contradiction_warnings(facts) + plausibility_warnings(facts)


FACT_GUARD = FactGuard()
