"""Materials (简报, 月报, 台账) in, candidate facts with their sources out: see extract.py."""

from drafting.materials.extract import MATERIAL_SUFFIXES, Material, Progress, extract
from drafting.materials.model import Candidate, Computed, Conflict, Extraction, SetAside, Skipped, Source

__all__ = [
    "MATERIAL_SUFFIXES",
    "Candidate",
    "Computed",
    "Conflict",
    "Extraction",
    "Material",
    "Progress",
    "SetAside",
    "Skipped",
    "Source",
    "extract",
]
