"""What extraction hands back: candidate facts with their sources, conflicts, set-aside text, skipped files.

These shapes are the `drafting extract --json` output and what the app's review table edits, so their
field names are the issue's, kept exactly.
"""

from pydantic import BaseModel


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


class Extraction(BaseModel):
    facts: list[Candidate] = []
    conflicts: list[Conflict] = []
    set_aside: list[SetAside] = []
    skipped: list[Skipped] = []

    def facts_file(self, organization: str, period: str) -> dict:
        """A facts file `drafting draft` accepts, each fact keeping its sources (the conflicts unsettled)."""
        return {
            "organization": organization,
            "period": period,
            "facts": [fact.text for fact in self.facts],
            "sources": {fact.text: [s.model_dump() for s in fact.sources] for fact in self.facts},
        }
