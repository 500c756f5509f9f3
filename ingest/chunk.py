"""Chunking: blocks + records -> retrieval chunks.

Prose chunks
  * are built per top-level region: the preamble, each roman section of the body, the
    signature block, the appendix's own prose. A chunk never spans two regions;
  * are packed from whole units up to MAX_CHARS (about 250 tokens): a heading, a paragraph,
    or a "-" list item together with its "+" sub-items. A new chunk starts at a heading once
    the current one has MIN_CHARS; a heading or an intro line ending in ":" never ends a
    chunk. List items are never split; a paragraph longer than MAX_CHARS (or a list item
    longer than LIST_ITEM_HARD_MAX) is cut at sentence boundaries;
  * hold verbatim normalised text: consecutive logical lines joined by newlines, so every
    chunk text is a substring of `ParsedPlan.text`;
  * carry the section path shared by all their lines (the deepest common heading path);
    `embed_text` is that path followed by the text.
Table chunks: one per TaskRecord of origin "table", rendering its fields with labels
("Nhiệm vụ: ...\nChủ trì: ..."), section path "Phụ lục › <area> › <number>"; the record's
`chunk_id` is set to it. Table rows are never chunked as prose. If the records side found
no table task at all, each table row is rendered with its own table's header labels instead.
A metadata chunk (kind "metadata") restates the plan's extracted metadata.
Chunk ids are f"{document}:{sha1(embed_text)[:12]}:{n}" where n counts identical
embed texts before it, so ids depend only on content and stay stable across runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.models import Block, Chunk, ChunkKind, PlanMetadata, SectionPath, TaskRecord
from ingest.structure import APPENDIX_LABEL, is_boilerplate, list_depth

MIN_CHARS = 400
MAX_CHARS = 1000
SMALL_CHARS = 200   # chunks shorter than this merge into a neighbour ...
SOFT_MAX = 1200     # ... as long as the result stays within this
LIST_ITEM_HARD_MAX = 1600
_SENTENCE_END_RE = re.compile(r"(?<=[.;!?…])\s+(?=\S)")
_CLAUSE_END_RE = re.compile(r"(?<=[,;])\s+(?=\S)")
_PROSE_KINDS = {"heading", "paragraph", "list_item", "preamble", "signature"}

TASK_FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("goal", "Mục tiêu"),
    ("task", "Nhiệm vụ"),
    ("product", "Sản phẩm"),
    ("lead", "Chủ trì"),
    ("coordinators", "Phối hợp"),
    ("deadline", "Thời hạn"),
    ("monitor", "Theo dõi"),
)


@dataclass
class _Part:
    text: str
    block: Block


@dataclass
class _Unit:
    parts: list[_Part]
    sticky: bool = False      # must not end a chunk (heading, "…:" intro)
    boundary: bool = False    # a heading: a good place to start a new chunk

    @property
    def size(self) -> int:
        return _joined_size([p for p in self.parts])


def _joined(parts: Sequence[_Part]) -> str:
    out: list[str] = []
    previous: Block | None = None
    for part in parts:
        if out:
            out.append(" " if part.block is previous else "\n")
        out.append(part.text)
        previous = part.block
    return "".join(out)


def _joined_size(parts: Sequence[_Part]) -> int:
    return sum(len(p.text) for p in parts) + max(len(parts) - 1, 0)


# -- splitting oversized text ---------------------------------------------------------


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut text into pieces of at most `limit` characters at sentence (then clause, then
    word) boundaries. Pieces are substrings of `text`, separated there by whitespace."""
    if len(text) <= limit:
        return [text]
    for pattern in (_SENTENCE_END_RE, _CLAUSE_END_RE, re.compile(r"\s+")):
        atoms = pattern.split(text)
        if len(atoms) > 1 and max(len(a) for a in atoms) <= limit:
            break
    else:
        atoms = [text[i:i + limit] for i in range(0, len(text), limit)]
    pieces: list[str] = []
    current = ""
    for atom in atoms:
        if current and len(current) + 1 + len(atom) > limit:
            pieces.append(current)
            current = atom
        else:
            current = f"{current} {atom}" if current else atom
    if current:
        pieces.append(current)
    return pieces


# -- prose ----------------------------------------------------------------------------


def _region_key(block: Block) -> tuple[str, str]:
    if block.kind == "preamble":
        return ("preamble", "")
    if block.kind == "signature":
        return ("signature", "")
    head = block.section_path[0] if block.section_path else ""
    return ("appendix" if block.in_appendix else "body", head)


def _chunkable(block: Block) -> bool:
    return block.kind in _PROSE_KINDS and not is_boilerplate(block.text) and bool(block.text.strip())


def _runs(blocks: Sequence[Block]) -> list[list[Block]]:
    """Maximal runs of consecutive chunkable blocks of one region."""
    runs: list[list[Block]] = []
    previous_key = None
    for block in blocks:
        if not _chunkable(block):
            previous_key = None
            continue
        key = _region_key(block)
        if key != previous_key:
            runs.append([])
        runs[-1].append(block)
        previous_key = key
    return runs


def _units(run: Sequence[Block]) -> list[_Unit]:
    units: list[_Unit] = []
    index = 0
    while index < len(run):
        block = run[index]
        if block.kind == "heading":
            units.append(_Unit([_Part(block.text, block)], sticky=True, boundary=True))
            index += 1
            continue
        if list_depth(block.text) == 1:
            group = [block]
            index += 1
            while index < len(run) and list_depth(run[index].text) == 2:
                group.append(run[index])
                index += 1
            parts = [_Part(b.text, b) for b in group]
            if _joined_size(parts) <= MAX_CHARS:
                units.append(_Unit(parts))
            else:
                units.extend(_block_units(b, LIST_ITEM_HARD_MAX) for b in group)
            continue
        limit = LIST_ITEM_HARD_MAX if block.kind == "list_item" else MAX_CHARS
        units.append(_block_units(block, limit))
        index += 1
    # Expand multi-piece units (oversized blocks) into one unit per piece.
    flat: list[_Unit] = []
    for unit in units:
        if len(unit.parts) > 1 and all(p.block is unit.parts[0].block for p in unit.parts):
            flat.extend(_Unit([p]) for p in unit.parts)
        else:
            flat.append(unit)
    return flat


def _block_units(block: Block, limit: int) -> _Unit:
    pieces = split_text(block.text, limit) if len(block.text) > limit else [block.text]
    sticky = len(pieces) == 1 and block.text.rstrip().endswith(":") and len(block.text) < 300
    return _Unit([_Part(p, block) for p in pieces], sticky=sticky)


def _pack(units: Sequence[_Unit]) -> list[list[_Part]]:
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        if current:
            size = _joined_size([p for u in current for p in u.parts])
            too_big = size + 1 + unit.size > MAX_CHARS
            if too_big or (unit.boundary and size >= MIN_CHARS):
                tail: list[_Unit] = []
                while current and current[-1].sticky:
                    tail.insert(0, current.pop())
                if current:
                    chunks.append(current)
                current = tail
        current.append(unit)
    if current:
        if chunks and all(u.sticky for u in current):
            chunks[-1].extend(current)
        else:
            chunks.append(current)
    # A short chunk (a section's last paragraph) joins a neighbour when the two fit SOFT_MAX.
    def size(chunk: list[_Unit]) -> int:
        return _joined_size([p for u in chunk for p in u.parts])

    index = 0
    while index < len(chunks) and len(chunks) > 1:
        small = size(chunks[index])
        if small < SMALL_CHARS:
            if index > 0 and size(chunks[index - 1]) + 1 + small <= SOFT_MAX:
                chunks[index - 1].extend(chunks.pop(index))
                continue
            if index + 1 < len(chunks) and small + 1 + size(chunks[index + 1]) <= SOFT_MAX:
                chunks[index].extend(chunks.pop(index + 1))
                continue
        index += 1
    return [[p for u in chunk for p in u.parts] for chunk in chunks]


def _common_path(paths: Sequence[SectionPath]) -> SectionPath:
    if not paths:
        return ()
    prefix = list(paths[0])
    for path in paths[1:]:
        n = 0
        while n < len(prefix) and n < len(path) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return tuple(prefix)


def embed_text_for(section_path: SectionPath, text: str) -> str:
    return f"{' › '.join(section_path)}\n{text}" if section_path else text


class _Ids:
    """Content-derived ids: sha1 of the embed text, plus a counter for exact repeats."""

    def __init__(self, document: str) -> None:
        self.document = document
        self.seen: dict[str, int] = {}

    def __call__(self, embed_text: str) -> str:
        digest = hashlib.sha1(embed_text.encode("utf-8")).hexdigest()[:12]
        ordinal = self.seen.get(digest, 0)
        self.seen[digest] = ordinal + 1
        return f"{self.document}:{digest}:{ordinal}"


def _make_chunk(ids: _Ids, document: str, text: str, kind: ChunkKind, path: SectionPath,
                line_start: int, line_end: int, page: int | None) -> Chunk:
    embed = embed_text_for(path, text)
    return Chunk(id=ids(embed), document=document, text=text, kind=kind, section_path=path,
                 line_start=line_start, line_end=line_end, page=page, embed_text=embed)


def prose_chunks(document: str, blocks: Sequence[Block], ids: _Ids | None = None) -> list[Chunk]:
    ids = ids or _Ids(document)
    chunks = []
    for run in _runs(blocks):
        for parts in _pack(_units(run)):
            members = []
            for part in parts:
                if not members or members[-1] is not part.block:
                    members.append(part.block)
            chunks.append(_make_chunk(
                ids, document, _joined(parts), "prose",
                _common_path([b.section_path for b in members]),
                min(b.line_start for b in members), max(b.line_end for b in members),
                members[0].page,
            ))
    return chunks


# -- tables ---------------------------------------------------------------------------


def render_task(task: TaskRecord) -> str:
    lines = []
    for attribute, label in TASK_FIELD_LABELS:
        value = (getattr(task, attribute) or "").strip()
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def task_section_path(task: TaskRecord) -> SectionPath:
    head = APPENDIX_LABEL
    if task.source and task.source.section_path and task.source.section_path[0].startswith(APPENDIX_LABEL):
        head = task.source.section_path[0]
    return tuple(part for part in (head, task.area.strip(), task.number.strip()) if part)


def table_task_chunks(document: str, tasks: Sequence[TaskRecord], ids: _Ids | None = None) -> list[Chunk]:
    """One chunk per table task; sets `task.chunk_id`."""
    ids = ids or _Ids(document)
    chunks = []
    for task in tasks:
        if task.origin != "table":
            continue
        text = render_task(task)
        if not text:
            continue
        source = task.source
        chunk = _make_chunk(ids, document, text, "table_row", task_section_path(task),
                            source.line_start if source else 0, source.line_end if source else 0,
                            source.page if source else None)
        task.chunk_id = chunk.id
        chunks.append(chunk)
    return chunks


def table_row_chunks(document: str, blocks: Sequence[Block], ids: _Ids | None = None) -> list[Chunk]:
    """Fallback: each data row rendered as "header: cell" lines under its table's header."""
    ids = ids or _Ids(document)
    chunks = []
    header: list[str] = []
    for block in blocks:
        if block.kind == "table_header":
            header = block.cells or []
            continue
        if block.kind != "table_row" or not block.cells:
            continue
        filled = [c for c in block.cells if c]
        if len(filled) < 3:
            continue  # group rows and wrapped fragments
        lines = []
        for index, cell in enumerate(block.cells):
            if not cell:
                continue
            label = header[index] if index < len(header) and header[index] else ""
            lines.append(f"{label}: {cell}" if label else cell)
        chunks.append(_make_chunk(ids, document, "\n".join(lines), "table_row", block.section_path,
                                  block.line_start, block.line_end, block.page))
    return chunks


# -- metadata -------------------------------------------------------------------------


def render_metadata(metadata: PlanMetadata) -> str:
    fields = (
        ("", metadata.title),
        ("Xã", metadata.commune),
        ("Huyện", metadata.district),
        ("Tỉnh", metadata.province),
        ("Thời kỳ", metadata.period),
        ("Số", metadata.number),
        ("Ngày ban hành", metadata.issue_date_text),
        ("Người ký", " ".join(p for p in (metadata.signer_title, metadata.signer) if p)),
        ("Thực hiện", metadata.implements),
    )
    return "\n".join(f"{label}: {value}" if label else value for label, value in fields if value)


def metadata_chunk(document: str, metadata: PlanMetadata, ids: _Ids | None = None) -> Chunk | None:
    ids = ids or _Ids(document)
    text = render_metadata(metadata)
    if not text:
        return None
    return _make_chunk(ids, document, text, "metadata", (), 0, 0, None)


# -- entry point ----------------------------------------------------------------------


def build_chunks(document: str, blocks: Sequence[Block], tasks: Sequence[TaskRecord],
                 metadata: PlanMetadata) -> list[Chunk]:
    """All chunks of a plan: metadata, prose, then table rows. Sets `chunk_id` on tasks."""
    ids = _Ids(document)
    chunks: list[Chunk] = []
    meta = metadata_chunk(document, metadata, ids)
    if meta:
        chunks.append(meta)
    prose = prose_chunks(document, blocks, ids)
    chunks.extend(prose)
    if any(t.origin == "table" for t in tasks):
        chunks.extend(table_task_chunks(document, tasks, ids))
    else:
        chunks.extend(table_row_chunks(document, blocks, ids))
    for task in tasks:
        if task.origin == "table" or task.chunk_id or not task.source:
            continue
        holder = _containing_chunk(prose, task.source.line_start, task.source.line_end)
        if holder:
            task.chunk_id = holder.id
    return chunks


def _containing_chunk(chunks: Sequence[Chunk], start: int, end: int) -> Chunk | None:
    candidates = [c for c in chunks if c.line_start <= start and end <= c.line_end]
    if not candidates:
        candidates = [c for c in chunks if c.line_start <= start <= c.line_end]
    return min(candidates, key=lambda c: c.line_end - c.line_start, default=None)
