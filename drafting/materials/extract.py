"""From a year's materials to candidate facts: read each file, extract, then merge and list conflicts.

One unreadable file never stops the others: it is listed under `skipped` with the reason in Chinese.
Nor does a model that fails: that material's text and every one after it are read by the rules instead
(a failing endpoint would only make the user wait again for each), named under `without_model` with why.
The same document uploaded twice (the same bytes, or the same text as .docx and .pdf) is read once.
"""

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drafting.documents import SUPPORTED_SUFFIXES
from drafting.errors import UserError
from drafting.materials.conflicts import settle
from drafting.materials.ledger import LEDGER_SUFFIXES, read_ledger
from drafting.materials.model import Candidate, Extraction, SetAside, Skipped, WithoutModel
from drafting.materials.model_extract import extract_with_model
from drafting.materials.prose import Passage, extract_offline, read_passages
from drafting.models.protocol import ChatModel, ModelCallError, TokenUsage

MATERIAL_SUFFIXES = (*SUPPORTED_SUFFIXES, *LEDGER_SUFFIXES)
# Workbooks in a format the ledger reader does not take: each is one 另存为 away from .xlsx
_OTHER_WORKBOOKS = {
    ".xls": "旧版 Excel 工作簿（.xls）",
    ".xlsm": "启用宏的 Excel 工作簿（.xlsm）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".et": "WPS 表格文件（.et）",
    ".ods": "OpenDocument 表格（.ods，LibreOffice 或 WPS 的格式）",
    ".numbers": "苹果 Numbers 表格（.numbers）",
}
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
    without_model: WithoutModel | None = None
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
            suffix = _checked_suffix(material)
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
        # text digests apart from the files': a one-paragraph .txt is its own text, not a copy of itself
        said = "text:" + _digest("\n".join(p.text for p in passages).encode())
        same_text = seen.get(said)
        if same_text:
            skipped.append(Skipped(file=material.name, reason=f"与“{same_text}”内容相同，只读取一次"))
            continue
        seen[said] = material.name
        if model is None:
            found, aside = extract_offline(passages)
        elif without_model is not None:
            found, aside = extract_offline(passages)
            without_model.files.append(material.name)
        else:
            found, aside, failure = await _with_model(model, passages, usage)
            if failure:
                without_model = WithoutModel(files=[material.name], reason=failure)
        candidates += found
        set_aside += aside
    if progress:
        progress(len(materials), len(materials), "")
    facts, conflicts = settle(candidates)
    extraction = Extraction(
        facts=facts, conflicts=conflicts, set_aside=set_aside, skipped=skipped, without_model=without_model
    )
    return extraction, usage


async def _with_model(
    model: ChatModel, passages: list[Passage], usage: TokenUsage
) -> tuple[list[Candidate], list[SetAside], str]:
    """The model's reading of one material, or the rules' with the model's failure in Chinese: a reply
    that is no usable JSON after the retries, or an endpoint that fails, costs the user the model's
    reading of that material, never its facts."""
    try:
        found, aside, used = await extract_with_model(model, passages)
    except ModelCallError as error:
        return *extract_offline(passages), str(error)
    except ValueError:  # a reply no retry stood between (the adapter turns these into ModelCallError)
        return *extract_offline(passages), "模型返回的内容格式不对。"
    usage.add(used)
    return found, aside, ""


def _checked_suffix(material: Material) -> str:
    """The material's suffix once it is one read here and its content is of that kind: a workbook in
    another format, or a workbook and a Word file swapped by renaming, is named as such with what to do."""
    name = material.name
    suffix = Path(name).suffix.lower()
    if kind := _OTHER_WORKBOOKS.get(suffix):
        raise UserError(
            f"“{name}”是{kind}，台账需要 .xlsx 或 .csv：请在做这份表格的软件（Excel、WPS 等）中打开，另存为 .xlsx 后再提取。"
        )
    if suffix not in MATERIAL_SUFFIXES:
        raise UserError(
            f"“{name}”的格式不支持：素材可以是 .docx、.pdf、.doc、.wps、.txt、.md、.xlsx、.csv 文件。"
        )
    package = _office_package(material.data)
    if package == "xlsx" and suffix != ".xlsx" or package == "docx" and suffix in LEDGER_SUFFIXES:
        kind = "Excel 表格" if package == "xlsx" else "Word 文件"
        raise UserError(
            f"“{name}”其实是 {kind}（.{package}），只是扩展名为 {suffix}：请把扩展名改为 .{package} 后再提取。"
        )
    return suffix


def _office_package(data: bytes) -> str:
    """'xlsx' or 'docx' for an Office Open XML package of that kind, by its main part; '' for anything
    else (a damaged zip is for the reader of its suffix to explain)."""
    if not data.startswith(b"PK\x03\x04"):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ""
    return "xlsx" if "xl/workbook.xml" in names else "docx" if "word/document.xml" in names else ""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
