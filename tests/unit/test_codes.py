"""Binary codes (assistant.store.codes): the sign bits of a vector and Hamming distances."""

from __future__ import annotations

import numpy as np

from assistant.store.codes import CodeIndex, code_bytes, encode


def naive_distance(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.sum((a > 0) != (b > 0)))


def test_a_code_is_one_bit_per_dimension_padded_to_whole_words():
    rng = np.random.default_rng(1)
    assert len(code_bytes(rng.normal(size=384))) == 48
    assert len(code_bytes(rng.normal(size=100))) == 16        # 100 bits -> two 64-bit words
    assert encode(np.array([1.0, -1.0, 0.0, 2.0] + [-1.0] * 60))[0, 0] == 0b10010000


def test_distances_count_the_differing_signs():
    rng = np.random.default_rng(2)
    matrix = rng.normal(size=(50, 384)).astype(np.float32)
    index = CodeIndex.of(range(50), range(100, 150), b"".join(code_bytes(v) for v in matrix))
    query = rng.normal(size=384).astype(np.float32)
    assert index.distances(query).tolist() == [naive_distance(v, query) for v in matrix]
    assert index.distances(matrix[7])[7] == 0


def test_candidates_are_the_nearest_by_code_or_all_of_a_small_index():
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(200, 64)).astype(np.float32)
    index = CodeIndex.of(range(200), range(200), b"".join(code_bytes(v) for v in matrix))
    query = matrix[42] + rng.normal(scale=0.05, size=64).astype(np.float32)
    picked = index.candidates(query, 10)
    distances = index.distances(query)
    assert 42 in picked.tolist()
    assert distances[picked].max() <= np.sort(distances)[9]
    assert sorted(index.candidates(query, 500).tolist()) == list(range(200))
    assert len(CodeIndex.of([], [], b"").candidates(query, 10)) == 0
