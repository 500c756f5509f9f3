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
