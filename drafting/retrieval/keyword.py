"""The keyword side of search: Okapi BM25 over jieba tokens, kept on disk and memory-mapped.

The weights are computed here with a few numpy operations over the tokens' codes and saved in bm25s's
format; bm25s maps and searches them.

At a federation's scale (~250,000 sections) holding BM25 in every app process costs seconds at start
and hundreds of MB each; bm25s stores the precomputed term scores as .npy arrays that every process
maps from the page cache instead. Beside them sit per-chunk filter columns (part, unit type, owner,
report) as small integer codes, so one unit's filter is a vectorised lookup, not a loop over metadata.

Beside them sit the chunks' vectors (normalised float32, same row order): the dense side ranks the
allowed rows exactly, in a few milliseconds at 250,000 chunks, where chroma's filtered HNSW query took
over 100 ms. chroma stays the store of record the index is rebuilt from.

The folder holds generations: a build writes a new `gen-*` folder and only then names it in `CURRENT`
(an atomic rename), so a killed build never leaves an index that loads half-written.

Each generation also keeps the chunks' tokens, so that the build after an import takes the other chunks
from the generation before (`KeywordIndex.rows`) and reads only the new ones from chroma.

The manifest holds each file's sha256. Loading does not check them (at scale that would read every
vector at each process start, the cost the memory maps avoid); `drafting doctor` does, because a file
overwritten with its header intact still loads and then returns unrelated passages.
"""

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

FILTER_COLUMNS = ("part", "unit_type", "owner", "report_id")
K1, B = 1.5, 0.75
FORMAT = 4  # 3: the manifest holds each file's sha256; 4: the chunks' tokens are kept
VECTORS = "vectors.npy"
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNK_IDS = "chunk_ids.npy"
BM25_DIR = "bm25"
TOKEN_CODES = "tokens.npy"  # every chunk's tokens in row order, as codes into TOKEN_VALUES
TOKEN_ENDS = "tokens.ends.npy"  # where each chunk's tokens end in TOKEN_CODES
TOKEN_VALUES = "tokens.values.json"
_GENERATION_PREFIX = "gen-"
_STAGING_PREFIX = ".building-"


@dataclass(frozen=True, eq=False)
class TokenTable:
    """Every chunk's tokens in row order as codes into `values`, `ends` marking where each chunk ends:
    the form the index keeps them in. An import carries the other chunks' codes over as they are, so a
    build at 250,000 chunks no longer turns 15 million codes into strings and back (5 s of its 17)."""

    codes: np.ndarray  # int32, one per token
    ends: np.ndarray  # int64, one per chunk
    values: list[str]

    @classmethod
    def of(cls, rows: Sequence[Sequence[str]]) -> "TokenTable":
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int64), []).extended(rows)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, row: int) -> list[str]:
        row = range(len(self))[row]  # a negative row counts from the end; one out of range raises IndexError
        start = int(self.ends[row - 1]) if row else 0
        return [self.values[code] for code in self.codes[start : self.ends[row]].tolist()]

    def extended(self, rows: Sequence[Sequence[str]]) -> "TokenTable":
        """These chunks and `rows` after them; only the new rows' tokens are looked up."""
        new, values = _codes((token for row in rows for token in row), self.values)
        lengths = np.fromiter(map(len, rows), np.int64, len(rows))
        ends = (self.ends[-1] if len(self.ends) else 0) + np.cumsum(lengths)
        return TokenTable(np.concatenate([self.codes, new]), np.concatenate([self.ends, ends]), values)

    def selected(self, keep: np.ndarray) -> "TokenTable":
        """The rows `keep` (positions, in order), with the values no kept row uses dropped."""
        lengths = np.diff(self.ends, prepend=0)[keep]
        ends = np.cumsum(lengths, dtype=np.int64)
        starts = (self.ends[keep] - lengths).astype(np.int64)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)
        codes = np.asarray(self.codes)[positions]
        used = np.bincount(codes, minlength=len(self.values)) > 0
        renumbered = (np.cumsum(used) - 1).astype(np.int32)
        values = [value for value, kept in zip(self.values, used.tolist(), strict=True) if kept]
        return TokenTable(renumbered[codes], ends, values)


# chunk ids, their tokens, their filter values by column, their vectors: what `KeywordIndex.build` takes
Rows = tuple[list[str], TokenTable, dict[str, list[str]], np.ndarray]


class Column:
    """One filter column: a code per chunk (memory-mapped) and the values the codes stand for."""

    def __init__(self, codes: np.ndarray, values: list[str]):
        self.codes = codes
        self.values = values
        self._code_of = {value: code for code, value in enumerate(values)}

    def matching(self, wanted: Collection[str]) -> np.ndarray:
        """Which chunks hold one of `wanted`: a lookup table indexed by code, one gather over all chunks."""
        table = np.zeros(len(self.values) + 1, dtype=bool)  # +1 keeps an empty column indexable
        table[[self._code_of[value] for value in wanted if value in self._code_of]] = True
        return table[self.codes]


class KeywordIndex:
    """A saved BM25 index with its chunk ids and filter columns, opened read-only."""

    def __init__(
        self,
        generation: Path,
        chunk_ids: np.ndarray,
        columns: dict[str, Column],
        retriever: bm25s.BM25 | None,
        vectors: np.ndarray,
        checksums: dict[str, str],
    ):
        self.generation = generation
        self.checksums = checksums
        self.chunk_ids = chunk_ids
        self.columns = columns
        self._retriever = retriever  # None when no chunk has a token: bm25s cannot index that
        self.vectors = vectors

    @property
    def count(self) -> int:
        return len(self.chunk_ids)

    def rows(self, keep: np.ndarray) -> "Rows":
        """The chunk ids, tokens, filter values and vectors of the rows `keep` (positions, in order): what
        `build` takes, so the next index can be built from this one without reading chroma again. Raises
        ValueError when the token files do not fit together (the caller then reads chroma)."""
        codes = np.load(self.generation / TOKEN_CODES, mmap_mode="r")
        ends = np.load(self.generation / TOKEN_ENDS, mmap_mode="r")
        values = json.loads((self.generation / TOKEN_VALUES).read_text(encoding="utf-8"))
        fitting = len(codes) == (ends[-1] if len(ends) else 0) and bool(np.all(np.diff(ends) >= 0))
        if not fitting or (len(codes) and not 0 <= codes.min() <= codes.max() < len(values)):
            raise ValueError("keyword index token files disagree")
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise ValueError("keyword index token values are not strings")
        if len(set(values)) != len(values):  # two codes for one token would split its column
            raise ValueError("keyword index token values repeat")
        tokens = TokenTable(codes, ends, values).selected(keep)
        columns = {
            name: np.array(c.values, object)[c.codes[keep]].tolist() for name, c in self.columns.items()
        }
        chunk_ids = [chunk_id.decode() for chunk_id in self.chunk_ids[keep]]
        return chunk_ids, tokens, columns, np.asarray(self.vectors[keep])

    @classmethod
    def build(
        cls,
        chunk_ids: list[str],
        tokens: TokenTable,
        columns: dict[str, list[str]],
        directory: Path,
        vectors: np.ndarray,
    ) -> "KeywordIndex":
        """Index the chunks and make this the folder's current index; readers never see a half build."""
        _check_lengths(chunk_ids, tokens, columns)
        if len(vectors) != len(chunk_ids):
            raise ValueError("one vector per chunk is needed")
        directory.mkdir(parents=True, exist_ok=True)
        with _build_lock(directory):
            staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=directory))
            try:
                _write(staging, chunk_ids, tokens, columns, vectors)
                generation = directory / f"{_GENERATION_PREFIX}{uuid.uuid4().hex}"
                staging.rename(generation)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            _publish(directory, generation.name)
            _remove_all_but(directory, generation.name)
        return _load(generation)

    @classmethod
    def open(cls, directory: Path) -> "KeywordIndex | None":
        """The current index, memory-mapped; None when there is none or it cannot be read (rebuild then)."""
        for _ in range(3):  # a build elsewhere may replace the generation between reading CURRENT and it
            name = current_generation(directory)
            if name is None:
                return None
            try:
                return _load(directory / name)
            except (OSError, ValueError, KeyError, TypeError):  # ValueError covers bad JSON and bad .npy
                if current_generation(directory) == name:
                    return None
        return None

    def damaged_files(self) -> list[str]:
        """The files whose bytes no longer match the checksum stored when they were written."""
        return [name for name, digest in self.checksums.items() if _sha256(self.generation / name) != digest]

    def is_current(self) -> bool:
        """False once another build (maybe in another process) has published a newer index."""
        return current_generation(self.generation.parent) == self.generation.name

    def mask(
        self,
        part: str | None = None,
        unit_type: str | None = None,
        owners: Collection[str] | None = None,
        report_ids: Collection[str] | None = None,
    ) -> np.ndarray:
        """Chunks a search may return: matching part and unit type, and owned by one of `owners` or in
        one of `report_ids` (published reports). `owners=None` is the single-user mode: every chunk is
        visible and `report_ids` adds nothing, as in `drafting.corpus.reports.Scope`."""
        allowed = np.ones(self.count, dtype=bool)
        if part is not None:
            allowed &= self.columns["part"].matching([part])
        if unit_type is not None:
            allowed &= self.columns["unit_type"].matching([unit_type])
        if owners is not None:
            allowed &= self.columns["owner"].matching(owners) | self.columns["report_id"].matching(
                report_ids or ()
            )
        return allowed

    def search(
        self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The k best allowed chunks with their Okapi BM25 scores, best first.

        The mask is applied to the score of every chunk before the top k are taken, so a unit whose
        three chunks sit among 250,000 still gets them."""
        if self._retriever is None or k <= 0:
            return []
        token_ids = self._retriever.get_tokens_ids(list(dict.fromkeys(query_tokens)))  # each term once
        if not token_ids:
            return []
        scores = self._retriever.get_scores_from_ids(token_ids, weight_mask=allowed)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        best = sorted(candidates.tolist(), key=lambda i: (-scores[i], i))
        # bm25s leaves out Okapi's constant (k1 + 1) factor; restoring it gives the textbook scores
        return [(self.chunk_ids[i].decode(), float(scores[i]) * (K1 + 1)) for i in best]


def nearest(index: KeywordIndex, query: np.ndarray, n: int, allowed: np.ndarray) -> list[str]:
    """The n allowed chunks closest to the query vector by cosine, best first (exact, not approximate)."""
    return [chunk_id for chunk_id, _ in nearest_with_cosine(index, query, n, allowed)]


def nearest_with_cosine(
    index: KeywordIndex, query: np.ndarray, n: int, allowed: np.ndarray
) -> list[tuple[str, float]]:
    """`nearest` with each chunk's cosine: the stored vectors are normalised, so it is a dot product."""
    rows = np.flatnonzero(allowed)
    if not len(rows) or n <= 0 or not len(index.vectors):
        return []
    query = np.asarray(query, dtype=np.float32)
    query = query / (np.linalg.norm(query) or 1.0)  # a new array: the caller's vector stays as it was
    # a small allowed set is gathered; a large one is cheaper as one product over every row
    similarities = (
        index.vectors[rows] @ query if len(rows) * 10 <= index.count else (index.vectors @ query)[rows]
    )
    top = np.argpartition(-similarities, n - 1)[:n] if len(rows) > n else np.arange(len(rows))
    order = top[np.argsort(-similarities[top], kind="stable")]
    return [(index.chunk_ids[rows[i]].decode(), float(similarities[i])) for i in order]


def current_generation(directory: Path) -> str | None:
    try:
        name = (directory / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if name.startswith(_GENERATION_PREFIX) and "/" not in name else None


def _check_lengths(chunk_ids: list[str], tokens: TokenTable, columns: dict[str, list[str]]) -> None:
    missing = [name for name in FILTER_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"keyword index needs the filter columns {missing}")
    lengths = {len(tokens), *(len(values) for values in columns.values())}
    if lengths != {len(chunk_ids)}:
        raise ValueError("chunk ids, tokens and filter columns must have one entry per chunk")


def _write(
    folder: Path,
    chunk_ids: list[str],
    tokens: TokenTable,
    columns: dict[str, list[str]],
    vectors: np.ndarray,
) -> None:
    np.save(folder / CHUNK_IDS, np.array([i.encode() for i in chunk_ids], dtype=np.bytes_))
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:  # no chunks at all: np.array([]) has no second axis
        matrix = matrix.reshape(len(chunk_ids), -1) if len(chunk_ids) else np.zeros((0, 1), np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.save(folder / VECTORS, matrix / np.where(norms == 0, 1.0, norms))
    vocabularies: dict[str, list[str]] = {}
    for name, values in columns.items():
        codes, vocabularies[name] = _codes(values)
        np.save(folder / f"column.{name}.npy", codes)
    np.save(folder / TOKEN_CODES, tokens.codes)
    np.save(folder / TOKEN_ENDS, tokens.ends)
    (folder / TOKEN_VALUES).write_text(json.dumps(tokens.values, ensure_ascii=False), encoding="utf-8")
    has_tokens = len(tokens.codes) > 0
    if has_tokens:
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.scores = bm25_matrix(tokens.codes, np.diff(tokens.ends, prepend=0), len(tokens.values))
        retriever.vocab_dict = {token: code for code, token in enumerate(tokens.values)}
        retriever.nonoccurrence_array = None  # `save` reads it; `BM25.index` sets it so for Lucene's variant
        retriever.save(folder / BM25_DIR, show_progress=False)
    checksums = {
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "chunks": len(chunk_ids),
        "columns": vocabularies,
        "bm25": has_tokens,
        "sha256": checksums,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    _sync_tree(folder)


def bm25_matrix(codes: np.ndarray, lengths: np.ndarray, terms: int) -> dict[str, np.ndarray | int]:
    """Every term's Okapi BM25 weight (Lucene's idf, without the constant k1 + 1) in every chunk, as the
    compressed columns bm25s saves and searches: one column per term code, chunks ascending within it.

    bm25s computes the same arrays with a Python loop over every chunk: 10 s at 250,000 chunks, where
    these few array operations take about two. At least one chunk must hold a token."""
    chunks = len(lengths)
    rows = np.repeat(np.arange(chunks, dtype=np.int64), lengths)
    pairs, tf = np.unique(codes.astype(np.int64) * chunks + rows, return_counts=True)  # by term, then chunk
    term, chunk = np.divmod(pairs, chunks)
    df = np.bincount(term, minlength=terms)
    idf = np.log1p((chunks - df + 0.5) / (df + 0.5))
    norm = K1 * ((1 - B) + B * lengths / lengths.mean())
    return {
        "data": (idf[term] * tf / (norm[chunk] + tf)).astype(np.float32),
        "indices": chunk.astype(np.int32),
        "indptr": np.concatenate([[0], np.cumsum(df)]).astype(np.int64),
        "num_docs": chunks,
    }


def _codes(values: Iterable[str], known: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Each value as a small integer, and the values the integers stand for: `known` first, keeping their
    codes, then the new ones."""
    code_of = {value: code for code, value in enumerate(known or [])}
    codes = np.fromiter((code_of.setdefault(v, len(code_of)) for v in values), np.int32)
    return codes, list(code_of)


def _load(generation: Path) -> KeywordIndex:
    """Open a generation; raises on anything missing, truncated or inconsistent."""
    manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    if manifest["format"] != FORMAT:
        raise ValueError(f"keyword index format {manifest['format']}, expected {FORMAT}")
    count = manifest["chunks"]
    chunk_ids = np.load(generation / CHUNK_IDS, mmap_mode="r")
    columns = {
        name: Column(np.load(generation / f"column.{name}.npy", mmap_mode="r"), values)
        for name, values in manifest["columns"].items()
    }
    retriever = None
    if manifest["bm25"]:
        retriever = bm25s.BM25.load(generation / BM25_DIR, mmap=True, show_progress=False)
        arrays = retriever.scores
        if not (
            arrays["num_docs"] == count
            and len(arrays["data"]) == len(arrays["indices"]) == arrays["indptr"][-1]
        ):
            raise ValueError("keyword index arrays disagree")
    vectors = np.load(generation / VECTORS, mmap_mode="r")
    token_ends = np.load(generation / TOKEN_ENDS, mmap_mode="r")
    sizes = {
        len(chunk_ids),
        len(vectors),
        len(token_ends),
        *(len(column.codes) for column in columns.values()),
    }
    if sizes != {count} or not set(FILTER_COLUMNS) <= columns.keys():
        raise ValueError("keyword index columns disagree")
    return KeywordIndex(generation, chunk_ids, columns, retriever, vectors, manifest["sha256"])


def _sha256(path: Path) -> str:
    """'' for a file that cannot be read: it matches no stored checksum."""
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return ""


@contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """One build at a time per folder, so cleaning up never removes another build's files."""
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _publish(directory: Path, generation: str) -> None:
    pending = directory / f"{CURRENT}.pending"
    with open(pending, "w", encoding="utf-8") as file:
        file.write(generation)
        file.flush()
        os.fsync(file.fileno())
    os.replace(pending, directory / CURRENT)
    _sync_directory(directory)


def _remove_all_but(directory: Path, generation: str) -> None:
    """Older generations and leftovers of killed builds; processes still reading an old one keep their maps."""
    for entry in directory.iterdir():
        stale = entry.name.startswith((_GENERATION_PREFIX, _STAGING_PREFIX)) and entry.name != generation
        if stale and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _sync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as file:
                os.fsync(file.fileno())
        else:
            _sync_directory(path)
    _sync_directory(folder)


def _sync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
