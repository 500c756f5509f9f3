"""The synthetic-copy builder behind the 100/500-plan benchmarks (eval/scale.py).

Copies must defeat every cache (new commune, shuffled sections, perturbed text and vectors)
while staying structurally real. No timings here: the benchmark itself is eval/bench.py.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from eval.scale import (
    _name_variants,
    generate_commune_names,
    perturb_vector,
    replace_commune,
    synthesize_corpus,
    synthetic_vectors,
)
from ingest.vntext import normalise_name

COPIES = 12


@pytest.fixture(scope="module")
def plans(parsed_plans):
    return [parsed_plans[name] for name in sorted(parsed_plans)]


@pytest.fixture(scope="module")
def copies(plans):
    return synthesize_corpus(plans, COPIES, seed=3)


def _top_sections(chunks) -> list[str]:
    order = []
    for c in chunks:
        if c.kind != "metadata" and c.section_path and (not order or order[-1] != c.section_path[0]):
            order.append(c.section_path[0])
    return order


def test_generated_names_are_distinct_and_never_a_real_commune(plans):
    real = [p.metadata.commune for p in plans]
    assert all(real), "every bundled plan names its commune"
    names = generate_commune_names(500, random.Random(1), exclude=real,
                                   avoid_text="\n".join(p.text for p in plans))
    keys = [normalise_name(n) for n in names]
    assert len(set(keys)) == 500
    assert not set(keys) & {normalise_name(r) for r in real}
    assert all(len(n.split()) == 2 for n in names)


def test_copies_have_distinct_communes_and_documents(plans, copies):
    real = {normalise_name(p.metadata.commune) for p in plans}
    communes = [normalise_name(c.plan.metadata.commune) for c in copies]
    assert len(set(communes)) == COPIES and not set(communes) & real
    documents = [c.plan.document for c in copies]
    assert len(set(documents)) == COPIES
    assert not set(documents) & {p.document for p in plans}
    assert len({c.plan.content_hash for c in copies}) == COPIES


def test_copies_never_mention_the_original_commune(plans, copies):
    for i, copy in enumerate(copies):
        original = plans[i % len(plans)]
        variants = _name_variants(original.metadata.commune)
        new = copy.plan.metadata.commune
        for chunk in copy.plan.chunks:
            assert not any(v in chunk.text for v in variants), chunk.text
        assert all(t.commune == new and t.document == copy.plan.document for t in copy.plan.tasks)
        assert all(t.commune == new for t in copy.plan.targets)
        assert any(new in c.text for c in copy.plan.chunks), "the new commune appears in the text"


def test_sections_are_shuffled_but_nothing_is_lost(plans, copies):
    reordered = 0
    for i, copy in enumerate(copies):
        original = plans[i % len(plans)]
        new = copy.plan.metadata.commune
        old = original.metadata.commune

        def sections(chunks, rename):
            return Counter(tuple(rename(p) for p in c.section_path) for c in chunks)

        assert len(copy.plan.chunks) == len(original.chunks)
        assert sections(copy.plan.chunks, lambda p: p) == sections(
            original.chunks, lambda p: replace_commune(p, old, new))
        top_original = [replace_commune(s, old, new) for s in _top_sections(original.chunks)]
        top_copy = _top_sections(copy.plan.chunks)
        assert sorted(top_copy) == sorted(top_original)
        reordered += top_copy != top_original
    assert reordered >= COPIES * 3 // 4


def test_chunk_text_is_perturbed_and_ids_are_consistent(plans, copies):
    for i, copy in enumerate(copies):
        original = plans[i % len(plans)]
        originals = {c.id: c for c in original.chunks}
        assert set(copy.source_chunk.values()) == set(originals)
        ids = [c.id for c in copy.plan.chunks]
        assert len(set(ids)) == len(ids) and all(x.startswith(copy.plan.document + ":") for x in ids)
        changed = sum(
            c.text != replace_commune(originals[copy.source_chunk[c.id]].text,
                                      original.metadata.commune, copy.plan.metadata.commune)
            for c in copy.plan.chunks
        )
        assert changed >= 0.9 * len(ids), "words are swapped in (nearly) every chunk"
        for task in copy.plan.tasks:
            assert not task.chunk_id or task.chunk_id in copy.source_chunk
        # line ranges point into the copy's own text, in the shuffled order
        lines = copy.plan.text.splitlines()
        for c in copy.plan.chunks[:20]:
            assert "\n".join(lines[c.line_start - 1:c.line_end]) == c.text


def test_perturbed_vectors_are_unit_norm_and_differ(plans, copies):
    from assistant.embeddings import HashEmbeddings

    embedder = HashEmbeddings(dim=384)
    originals = {}
    for plan in plans:
        matrix = embedder.embed_passages([c.text for c in plan.chunks])
        originals.update(zip((c.id for c in plan.chunks), matrix))
    first = synthetic_vectors(copies[0], originals, seed=3)
    assert set(first) == {c.id for c in copies[0].plan.chunks}
    for new_id, vector in first.items():
        source = originals[copies[0].source_chunk[new_id]]
        assert vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        cosine = float(vector @ source)
        assert 0.95 < cosine < 0.9999
    # two copies of the same plan do not share vectors
    twin = copies[len(plans)]
    assert twin.plan.metadata.commune != copies[0].plan.metadata.commune
    a = np.stack([first[k] for k in sorted(first, key=lambda k: copies[0].source_chunk[k])])
    second = synthetic_vectors(twin, originals, seed=3)
    b = np.stack([second[k] for k in sorted(second, key=lambda k: twin.source_chunk[k])])
    assert not np.allclose(a, b)


def test_perturb_vector_noise_scales():
    rng = np.random.default_rng(0)
    v = rng.normal(size=384).astype(np.float32)
    v /= np.linalg.norm(v)
    near = perturb_vector(v, np.random.default_rng(1), noise=0.05)
    far = perturb_vector(v, np.random.default_rng(1), noise=0.5)
    assert float(near @ v) > float(far @ v)


def test_a_larger_run_extends_a_smaller_one(plans):
    small = synthesize_corpus(plans, 6, seed=5)
    tail = synthesize_corpus(plans, 4, seed=5, start=6)
    both = synthesize_corpus(plans, 10, seed=5)
    assert [c.plan.document for c in small + tail] == [c.plan.document for c in both]
    assert [c.plan.content_hash for c in small] == [c.plan.content_hash for c in both[:6]]


def test_enough_distinct_names_for_a_national_store(plans):
    """5,000 plans need 5,000 communes whose names never match a real one or plan wording."""
    names = generate_commune_names(5000, random.Random(7), exclude=[p.metadata.commune for p in plans],
                                   avoid_text="\n".join(p.text for p in plans))
    assert len({normalise_name(n) for n in names}) == 5000


def test_bulk_writer_stores_what_upsert_plan_would(plans, tmp_path):
    """The bench's bulk path (one transaction per group, Chroma in large batches) leaves the same
    store as the public write path: rows, FTS, cached vectors, Chroma ids and their metadata."""
    from assistant.config import Settings
    from assistant.embeddings import make_embedder
    from assistant.store import Store
    from eval.scale import add_synthetic_plans, bulk_path_available

    copies = synthesize_corpus(plans, 6, seed=11)
    embedder = make_embedder(Settings(embedder="hash"))
    originals = {}
    for plan in plans:
        originals.update(zip((c.id for c in plan.chunks), embedder.embed_passages(
            [c.embed_text or c.text for c in plan.chunks])))
    with_vectors = [(c.plan, synthetic_vectors(c, originals, seed=11)) for c in copies]

    bulk_home, public_home = tmp_path / "bulk", tmp_path / "public"
    bulk = Store(Settings(home=bulk_home, embedder="hash"), embedder).open()
    assert bulk_path_available(bulk)
    assert add_synthetic_plans(bulk, with_vectors, embedder.name) == {
        "added": 6, "chunks": sum(len(p.chunks) for p, _ in with_vectors)}
    with pytest.raises(ValueError):
        add_synthetic_plans(bulk, with_vectors[:1], embedder.name)   # never a silent duplicate

    from eval.scale import PrecomputedEmbedder

    lookup = PrecomputedEmbedder(embedder)
    public = Store(Settings(home=public_home, embedder="hash"), lookup).open()
    for plan, vectors in with_vectors:
        lookup.register((c.embed_text or c.text, vectors[c.id]) for c in plan.chunks)
        assert public.upsert_plan(plan) == "added"
    assert lookup.passages_embedded_for_real == 0
    try:
        assert [d.model_dump(exclude={"content_hash"}) for d in bulk.documents()] == \
            [d.model_dump(exclude={"content_hash"}) for d in public.documents()]
        assert bulk.chroma_ids() == bulk.chunk_ids() == public.chunk_ids()
        assert bulk.reconcile() == {"deleted": 0, "added": 0}
        for store in (bulk, public):
            assert len(store.tasks()) == sum(len(p.tasks) for p, _ in with_vectors)
        ids = sorted(bulk.chunk_ids())[:50]
        got = bulk._collection.get(ids=ids, include=["metadatas", "embeddings"])
        want = public._collection.get(ids=ids, include=["metadatas", "embeddings"])
        assert dict(zip(got["ids"], got["metadatas"])) == dict(zip(want["ids"], want["metadatas"]))
        assert np.allclose(np.asarray(got["embeddings"]), np.asarray(want["embeddings"]), atol=1e-6)
        commune = with_vectors[0][0].metadata.commune
        hits = bulk.lexical_search(f"đối thoại {commune}", k=5, communes=[commune])
        assert hits and all(h.startswith(with_vectors[0][0].document) for h, _ in hits)
    finally:
        bulk.close()
        public.close()


def test_procedure_records_multiply_without_repeating_a_code_or_name():
    from eval.scale import synthesize_procedure_records

    records = [{"ma_thu_tuc": "1.000080", "ten_thu_tuc": "Thủ tục đăng ký nhận cha, mẹ, con", "linh_vuc": "Hộ tịch"},
               {"ma_thu_tuc": "1.001022", "ten_thu_tuc": "Thủ tục đăng ký khai sinh lưu động", "linh_vuc": "Hộ tịch"}]
    copies = synthesize_procedure_records(records, 10, seed=1)
    assert len(copies) == 20 and copies[:2] == records
    assert len({c["ma_thu_tuc"] for c in copies}) == 20
    assert len({c["ten_thu_tuc"] for c in copies}) > 10
    assert all(c["linh_vuc"] == "Hộ tịch" for c in copies)
    assert synthesize_procedure_records(records, 10, seed=1) == copies


def test_quick_bench_runs_end_to_end_without_embedding_copies(tmp_path):
    """`cchc bench --quick` (what CI can afford): every stage runs, the copies are never
    embedded, and every figure the table prints is there."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    work = tmp_path / "bench"
    subprocess.run([sys.executable, str(repo / "eval" / "bench.py"), "--quick", "--sizes", "1,8", "--queries", "10",
                    "--keep", str(work), "--no-save"],
                   env={**os.environ, "PYTHONPATH": str(repo), "CCHC_EMBEDDER": "hash"}, check=True,
                   stdout=subprocess.DEVNULL, timeout=900)
    results = json.loads((work / "bench-results.json").read_text())
    [build] = results["build"]
    assert build["plans"] == 8 and build["added"] == 4 and build["embedded_for_real"] == 0 and build["bulk"]
    by_size = {r["size"]: r for r in results["query"]}
    assert by_size[1]["plans"] == 4 and by_size[8]["plans"] == 8
    # each store's questions are kept beside it for --reuse, never copied into a grown store
    kept = {size: json.loads((work / name / "bench-questions-7-18.json").read_text())
            for size, name in ((1, "plans-bundled"), (8, "plans-8"))}
    assert kept[1] != kept[8] and any(q["synthetic"] for q in kept[8])
    assert by_size[8]["chunks"] > by_size[1]["chunks"]
    for row in by_size.values():
        for key in ("open_s", "first_ask_s", "ask_p50", "ask_p95", "search_p50", "search_p95", "embed_p50",
                    "peak_rss_mb", "sqlite_mb", "chroma_mb"):
            assert row[key] is not None and row[key] > 0, (key, row[key])
        assert row["ask_p95"] >= row["ask_p50"]


def test_bench_times_the_procedure_catalogue_at_n_times_its_size(tmp_path):
    """`cchc bench --procedures N`: the bundled records N times over (distinct codes) beside the
    bundled plans, and the catalogue's search and the chat's answers to procedure questions timed."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    work = tmp_path / "bench"
    subprocess.run([sys.executable, str(repo / "eval" / "bench.py"), "--sizes", "1", "--queries", "8",
                    "--procedures", "2", "--keep", str(work), "--no-save"],
                   env={**os.environ, "PYTHONPATH": str(repo), "CCHC_EMBEDDER": "hash"}, check=True,
                   stdout=subprocess.DEVNULL, timeout=900)
    row = json.loads((work / "bench-results.json").read_text())["procedures"]
    bundled = len(list((repo / "data" / "procedures").glob("*.json")))
    assert row["records"] == row["file_records"] == 2 * bundled
    for key in ("first_search_s", "search_p50", "search_p95", "ask_p50", "ask_p95", "ask_cpu_p50"):
        assert row[key] is not None and row[key] > 0, (key, row[key])
    assert row["routed_to_catalogue"] > 0.5
