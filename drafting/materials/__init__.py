"""Materials (简报, 月报, 台账) in, candidate facts with their sources out: see extract.py.

Names load on first use, so the `drafting` command's parser does not load the readers for every command.
"""

from drafting.lazy import lazy_exports

_EXPORTS = {
    "MATERIAL_SUFFIXES": "drafting.materials.extract",
    "Material": "drafting.materials.extract",
    "Progress": "drafting.materials.extract",
    "Candidate": "drafting.materials.model",
    "Computed": "drafting.materials.model",
    "Conflict": "drafting.materials.model",
    "Extraction": "drafting.materials.model",
    "SetAside": "drafting.materials.model",
    "Skipped": "drafting.materials.model",
    "Source": "drafting.materials.model",
}
# extract() lives in drafting.materials.extract: a package attribute of that name is the submodule
__all__ = list(_EXPORTS)

__getattr__ = lazy_exports(_EXPORTS)
