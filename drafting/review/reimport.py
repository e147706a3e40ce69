"""`drafting reimport` and 历史 → 导入修改稿: an edited Word file back into its draft.

The file is matched to its draft by the identity in its custom properties, else by title and content
among the drafts this user may change; then its tracked changes are taken, its sections mapped back
and merged (see merge.py), each changed section saved as a new version, and the fact guard and the
proofreader run again on what changed. Sections the reviewer moved take their new places (one the file
gives no place stays after the section before it), two sections whose heading between them was deleted
become one, a heading added among the work sections starts a new one, and a corrected or deleted 落款
(the units' names, the date) is kept for later exports. A file that is not this user's to change is
refused whole.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drafting.access import Actor
from drafting.checks.findings import OpenFinding, section_findings
from drafting.documents.wordpackage import WordPackage
from drafting.errors import UserError
from drafting.output.identity import (
    ExportIdentity,
    exported_lines,
    section_fingerprint,
    signature_fingerprint,
)
from drafting.review.edited import EditedDocument, ReviewerComment, read_edited
from drafting.review.mapping import Mapping, map_sections
from drafting.review.merge import Conflict, Merged, merge, order_differs
from drafting.storage.drafts import DraftRepository, StoredDraft
from drafting.writing.draft import Draft

MIN_CONTENT_MATCH = 0.5  # of the file's paragraphs found in a draft, for a file without identity
CLEAR_LEAD = 0.1  # how far the best draft must lead the next for a file without identity to go into it
MANY_COMMENTS = 200
QUOTED_FACT_CHARS = 30
CHANGE_NAMES = {"title": "标题", "order": "顺序", "signature": "落款"}  # changes that are no section's


class NotFromThisProduct(UserError):
    """A Word file with no draft identity whose title and text match no draft of this user."""


@dataclass
class ReimportResult:
    draft_id: str
    version: int
    from_version: int | None  # the version the file was exported from (None: matched by content)
    found_version: int  # the draft's version when the file came in
    changed_sections: list[str]  # section keys, and CHANGE_NAMES' keys
    inserted: int
    deleted: int
    comments: list[ReviewerComment]
    findings: list[OpenFinding]
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)  # of `notices`: those on what the file holds and
    # the draft did not take (parts missing or not told apart, headings dropped, a 落款 not read, words
    # below the 落款); the others only inform (a file matched by content, many comments, nested tables)
    changed_names: list[str] = field(default_factory=list)  # changed_sections as a user calls them
    already_imported: bool = False  # the file's changes are all in the draft already: imported before

    def to_json(self) -> dict[str, Any]:
        return {
            "draft_id": self.draft_id,
            "version": self.version,
            "from_version": self.from_version,
            "changed_sections": self.changed_sections,
            "changed_names": self.changed_names,
            "revisions": {"inserted": self.inserted, "deleted": self.deleted},
            "comments": [{"author": c.author, "text": c.text, "anchor": c.anchor} for c in self.comments],
            "findings": [f.model_dump(exclude={"start"}) for f in self.findings],
            "conflicts": [
                {"section": c.section, "heading": c.heading, "message": c.message} for c in self.conflicts
            ],
            "notices": self.notices,
            "not_imported": self.not_imported,
            "already_imported": self.already_imported,
        }


def reimport(
    name: str,
    data: bytes,
    drafts: DraftRepository[Draft],
    actor: Actor,
    save: Callable[[Draft, int], int],
) -> ReimportResult:
    """Merge the edited file into its draft; `save(draft, expected_revision)` stores the merged draft."""
    package = WordPackage(name, data)
    edited = read_edited(package)
    identity = ExportIdentity.from_properties(package.custom_properties())
    stored = _matching_draft(name, identity, edited, drafts, actor)
    drafts.require_editable(stored.draft.id, actor)  # a colleague's shared draft: refused, not theirs
    mapping = map_sections(edited.paragraphs, stored.draft)
    merged = merge(stored.draft, mapping, identity)
    changed = (
        (["title"] if merged.title_changed else [])
        + (["order"] if merged.order_changed else [])
        + merged.changed
        + (["signature"] if merged.signature_changed else [])
    )
    version = save(merged.draft, stored.revision) if changed else stored.revision
    notices, not_imported = _notices(edited, mapping, stored.draft, matched=identity is None)
    findings = [
        finding
        for key in merged.changed
        for finding in section_findings(merged.draft.section(key), merged.draft.facts)
    ]
    return ReimportResult(
        draft_id=stored.draft.id,
        version=version,
        from_version=identity.version if identity else None,
        found_version=stored.revision,
        changed_sections=changed,
        inserted=edited.inserted,
        deleted=edited.deleted,
        comments=edited.comments,
        findings=findings,
        conflicts=merged.conflicts,
        notices=notices + _merged_notices(merged),
        not_imported=not_imported,
        changed_names=[CHANGE_NAMES.get(key) or _label(merged.draft, key) for key in changed],
        already_imported=not changed
        and not merged.conflicts
        and identity is not None
        and identity.version != stored.revision
        and _differs(mapping, identity, stored.draft),
    )


def _differs(mapping: Mapping, identity: ExportIdentity, draft: Draft) -> bool:
    """Whether the file says anything other than what it left with (then, with nothing to change in the
    draft, the draft holds it already: the file was imported before). Its order counts too: a file that
    only moved sections says so."""
    return bool(
        mapping.joined
        or mapping.new
        or order_differs(draft, mapping.order, identity)
        or any(
            key in identity.fingerprints
            and section_fingerprint(part.heading, part.text) != identity.fingerprints[key]
            for key, part in mapping.sections.items()
        )
        or (identity.title and mapping.title and section_fingerprint("", mapping.title) != identity.title)
        or (
            identity.signature
            and mapping.signature
            and signature_fingerprint(mapping.signature) != identity.signature
        )
    )


def _matching_draft(
    name: str,
    identity: ExportIdentity | None,
    edited: EditedDocument,
    drafts: DraftRepository[Draft],
    actor: Actor,
) -> StoredDraft[Draft]:
    if identity is not None:
        try:
            return drafts.get(identity.draft_id, actor)
        except UserError as error:
            raise UserError(
                f"“{name}”来自编号为 {identity.draft_id[:64]} 的草稿，但它不在您的草稿里：可能属于其他用户或单位，"
                "或已被删除。只能导入自己草稿的修改稿，本次没有导入任何内容。"
            ) from error
    lines = {p.text for p in edited.paragraphs if p.text}
    title = next((p.text for p in edited.paragraphs if p.text), "")
    scored = []
    for listing in drafts.list(actor):
        if not listing.editable:
            continue
        stored = drafts.get(listing.id, actor)
        share = _content_share(lines, stored.draft)
        if listing.title.strip() == title:
            share += 0.25  # the same title counts for a little, never on its own
        scored.append((share, stored))
    fitting = sorted((item for item in scored if item[0] >= MIN_CONTENT_MATCH), key=lambda item: -item[0])
    if not fitting:
        raise NotFromThisProduct(
            f"“{name}”不是从本系统导出的草稿（文件里没有草稿编号），也找不到标题和内容相符的草稿，"
            "本次没有导入任何内容。请导入从本系统下载的 Word 文件的修改稿；"
            "如果想把它作为参考范文，请在“范文库”页导入（命令行用 drafting corpus add）。"
        )
    close = [stored.draft.id for share, stored in fitting if fitting[0][0] - share < CLEAR_LEAD]
    if len(close) > 1:  # drafts of the same facts: importing into the wrong one would overwrite its edits
        raise UserError(
            f"“{name}”里没有草稿编号（文件属性被删除），有 {len(close)} 份草稿与它的标题和内容同样相符"
            f"（编号 {'、'.join(close[:5])}），无法确定是哪一份，本次没有导入任何内容。"
            "请在“历史”页打开要修改的那份草稿，重新下载 Word 后再修改。"
        )
    return fitting[0][1]


def _content_share(lines: set[str], draft: Draft) -> float:
    """The share of the draft's paragraphs the file still holds word for word."""
    own = [line for section in draft.sections for line in exported_lines(section)]
    return sum(line in lines for line in own) / len(own) if own else 0.0


def _label(draft: Draft, key: str) -> str:
    section = draft.section(key)
    return section.heading or {"opening": "开头", "closing": "结尾"}.get(section.kind, key)


def _notices(
    edited: EditedDocument, mapping: Mapping, draft: Draft, matched: bool
) -> tuple[list[str], list[str]]:
    """What the reader says of the file: all its notices, and those of them on content not imported."""
    notices: list[str] = []
    not_imported: list[str] = []

    def not_taken(notice: str) -> None:  # a notice on content of the file the draft did not take
        notices.append(notice)
        not_imported.append(notice)

    if matched:
        notices.append(
            f"修改稿里没有草稿编号（文件属性被删除），按标题和内容认定为草稿 {draft.id}（{draft.title}），请确认。"
        )
    numbered = draft.numbered_headings()
    for key in mapping.missing:
        not_taken(
            f"修改稿里没有“{numbered.get(key) or _label(draft, key)}”这一部分（整部分被删去了？）。"
            "为免误删，导入不会删去整个部分，草稿仍保留它，以后导出的 Word 文件里也还有它；"
            "如确实不要这一部分，请在最后定稿的 Word 文件里删去。"
        )
    if unplaced := [key for key in mapping.unplaced if key not in mapping.missing]:
        names = "”“".join(_label(draft, key) for key in unplaced)
        not_taken(
            f"修改稿里分不清“{names}”的文字在哪里（标题被删改，或文字被挪动、改写得认不出了），"
            "修改稿里对它们的改动没有导入，草稿里它们保持原样，请对照修改稿核对。"
        )
    if mapping.dropped:
        not_taken(
            f"修改稿里新加的标题“{'”“'.join(mapping.dropped)}”下的文字分不清属于哪一部分，"
            "这个标题和其下文字都没有导入，请对照修改稿核对。"
        )
    for key, headings in mapping.added.items():
        section = draft.section(key)
        reason = (
            "它不像新的一部分的标题（超过 40 字、以句末标点结尾，或与已有的标题相同）。"
            "如是新的一部分，请把标题改短、去掉句末标点后重新导入。"
            if section.kind in ("opening", "work")
            else "存在的问题、工作计划和结尾里的“一、”“二、”多是条目，不单独成为一部分。"
            "如需单独成为一部分，请把它连同其下文字移到各项工作之间后重新导入。"
        )
        notices.append(
            f"修改稿里在“{_label(draft, key)}”中新加的“{'”“'.join(headings)}”连同其下文字作为这一部分的正文导入：{reason}"
        )
    if mapping.signature_unread:
        not_taken(
            "修改稿正文之后没有认出落款（单位名称一行、成文日期一行，如“2026年1月10日”），落款保持原样；"
            "正文最后一段之后如有新加的文字，也没有导入，请核对。"
        )
    if mapping.after_signature:
        not_taken(
            f"修改稿在落款之后加了“{'”“'.join(mapping.after_signature)}”：草稿里没有存放落款之后文字的地方，"
            "这些文字没有导入，以后导出的 Word 文件里也没有它们。请在最后定稿的 Word 文件里加上；"
            "如要留在草稿里，请把它们移到落款之前（正文最后一段之后）后重新导入。"
        )
    if mapping.signature_unmarked:
        not_taken(
            "修改稿里没有认出落款，标记正文结尾的隐藏书签也不在了（可能是复制到了新文件里），"
            "无法确定落款是否被删去，落款保持原样。如要改动或删去落款，请在从本系统下载的 Word 文件里改好后再导入。"
        )
    if edited.nested_tables:
        notices.append(
            f"修改稿里有嵌套表格（{edited.nested_tables} 个），已按行转成文字导入（表格格式不保留），请检查相应部分。"
        )
    if len(edited.comments) > MANY_COMMENTS:
        notices.append(f"修改稿里有 {len(edited.comments)} 条批注，已全部收录；逐条查看请用 --json。")
    return notices, not_imported


def _merged_notices(merged: Merged) -> list[str]:
    """What the file did to the sections (two made one, one added, the order: the sections moved, one
    not found kept after its neighbour, an opening or closing kept where it was), and the 落款 as it now
    stands."""
    draft, notices = merged.draft, []
    for key, names in merged.joined.items():
        gone = "”“".join(names)
        notices.append(
            f"修改稿删掉了“{gone}”的标题，它的文字接在“{_label(draft, key)}”之后：已按修改稿把它并入“{_label(draft, key)}”，"
            f"成为一部分（一、二、三……随之重新编号），“{gone}”的要点也归入这一部分；合并前的文字保留为这一部分的历史版本。"
            "如要分开，在 Word 里把标题加回原处后重新导入。"
        )
    for key in merged.added:
        section = draft.section(key)
        index = draft.sections.index(section)
        place = f"排在“{_label(draft, draft.sections[index - 1].key)}”之后" if index else "排在最前"
        moved = _facts_moved(section.facts)
        empty = (
            "；它下面没有文字，已放上【待补充】，请补写或重新生成"
            if section.text.startswith("【待补充")
            else ""
        )
        notices.append(
            f"修改稿新加了标题“{section.heading}”，已作为新的一部分导入，{place}（一、二、三……随之重新编号）{moved}{empty}。"
        )
    if merged.order_changed:
        moved = "、".join(f"“{_label(draft, key)}”" for key in merged.moved)
        notices.append(
            f"修改稿调整了各部分的顺序，草稿已照此重排（一、二、三……随之重新编号），移动的部分：{moved}。"
        )
        for key, before in merged.anchored.items():
            notices.append(
                f"“{_label(draft, key)}”在修改稿里找不到位置，排在“{_label(draft, before)}”之后"
                "（草稿里它原来就在这一部分之后），请核对。"
            )
    if merged.kept_in_place:
        out_of_place = "、".join(
            "开头不在最前" if draft.section(key).kind == "opening" else "结尾不在最后"
            for key in merged.kept_in_place
        )
        notices.append(f"修改稿里{out_of_place}：草稿的开头总在最前、结尾总在最后，没有照修改稿移动它们。")
    if merged.signature_deleted:
        notices.append(
            "修改稿删去了落款（单位名称和成文日期），草稿已去掉落款，以后导出的 Word 文件不再写落款；"
            "如需恢复，在 Word 文件正文之后重新写上单位名称和成文日期，再导入。"
        )
    elif merged.signature_changed:
        names, date = draft.signature()
        lines = "”“".join([*names.split("\n"), date])
        notices.append(f"落款按修改稿改为“{lines}”，以后导出的 Word 文件都用它。")
    return notices


def _facts_moved(facts: list[str]) -> str:
    """“…” 等 N 条要点 that went with a new section ("" for none)."""
    if not facts:
        return ""
    first = facts[0] if len(facts[0]) <= QUOTED_FACT_CHARS else f"{facts[0][:QUOTED_FACT_CHARS]}……"
    many = f"等 {len(facts)} 条要点" if len(facts) > 1 else "这条要点"
    return f"，“{first}”{many}随之归入这一部分"
