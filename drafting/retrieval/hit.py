"""A search hit: a passage of an example report with where it comes from (kept light: drafts store hits)."""

from pydantic import BaseModel


class Hit(BaseModel):
    text: str
    heading: str
    heading_path: str
    report: str
    report_title: str
    part: str
    unit_type: str
    score: float
