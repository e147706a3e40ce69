"""From a year's materials to candidate facts: read each file, extract, then merge and list conflicts.

One unreadable file never stops the others: it is listed under `skipped` with the reason in Chinese.
The same document uploaded twice (the same bytes, or the same text as .docx and .pdf) is read once.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drafting.documents import SUPPORTED_SUFFIXES
from drafting.errors import UserError
from drafting.materials.conflicts import settle
from drafting.materials.ledger import LEDGER_SUFFIXES, read_ledger
from drafting.materials.model import Candidate, Extraction, SetAside, Skipped
from drafting.materials.model_extract import extract_with_model
from drafting.materials.prose import extract_offline, read_passages
from drafting.models.protocol import ChatModel, TokenUsage

MATERIAL_SUFFIXES = (*SUPPORTED_SUFFIXES, *LEDGER_SUFFIXES)
Progress = Callable[[int, int, str], None]  # files done, files in all, the file being read


@dataclass(frozen=True)
class Material:
    name: str
    data: bytes


@dataclass
class Throughput:
    """Ledger rows read, for the rows/s `drafting bench` prints."""

    rows: int = 0


async def extract(
    materials: list[Material],
    model: ChatModel | None = None,
    progress: Progress | None = None,
    throughput: Throughput | None = None,
) -> tuple[Extraction, TokenUsage]:
    """Candidates from every material; with a model, prose is read by it (ledgers are always computed)."""
    counted = throughput or Throughput()
    candidates: list[Candidate] = []
    set_aside: list[SetAside] = []
    skipped: list[Skipped] = []
    usage = TokenUsage()
    seen: dict[str, str] = {}
    for done, material in enumerate(materials):
        if progress:
            progress(done, len(materials), material.name)
        duplicate = seen.get(_digest(material.data))
        if duplicate:
            skipped.append(Skipped(file=material.name, reason=f"与“{duplicate}”是同一份文件，只读取一次"))
            continue
        seen[_digest(material.data)] = material.name
        try:
            suffix = Path(material.name).suffix.lower()
            if suffix not in MATERIAL_SUFFIXES:
                raise UserError(
                    f"“{material.name}”的格式不支持：素材可以是 .docx、.pdf、.doc、.wps、.txt、.md、.xlsx、.csv 文件。"
                )
            if suffix in LEDGER_SUFFIXES:
                ledger = read_ledger(material.name, material.data)
                candidates += ledger.facts
                skipped += ledger.skipped
                counted.rows += ledger.rows
                continue
            passages = read_passages(material.name, material.data)
        except UserError as error:
            skipped.append(Skipped(file=material.name, reason=str(error)))
            continue
        same_text = seen.get(_digest("\n".join(p.text for p in passages).encode()))
        if same_text:
            skipped.append(Skipped(file=material.name, reason=f"与“{same_text}”内容相同，只读取一次"))
            continue
        seen[_digest("\n".join(p.text for p in passages).encode())] = material.name
        if model is None:
            found, aside = extract_offline(passages)
        else:
            found, aside, used = await extract_with_model(model, passages)
            usage.add(used)
        candidates += found
        set_aside += aside
    if progress:
        progress(len(materials), len(materials), "")
    facts, conflicts = settle(candidates)
    return Extraction(facts=facts, conflicts=conflicts, set_aside=set_aside, skipped=skipped), usage


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
