"""The textbook LangChain RAG the assistant has to beat.

RecursiveCharacterTextSplitter (1000 / 200) over the raw plan files -> Chroma (a temporary
directory) with the project's own embedder -> top-4 similarity -> the top chunk's text is the
answer and that chunk is the only citation. It never abstains. It exposes the same surface as
`assistant.service.Assistant` for the harness (`ask`, `ask_batch`, `search`, `close`), and its
answers use the same `Answer` model, so `assistant.evaluation` scores both with the same code.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

from assistant.schemas import Answer, Citation, SearchHit
from ingest.vntext import nfc

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
SUFFIXES = (".txt", ".md")


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in Path(corpus_dir).iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())


def split_corpus(files: Iterable[Path], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list:
    """LangChain `Document`s, one per chunk, carrying `document` (file name) and `chunk` (index)."""
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    docs = []
    for path in files:
        text = nfc(path.read_text(encoding="utf-8"))
        for i, piece in enumerate(splitter.split_text(text)):
            docs.append(Document(page_content=piece, metadata={"document": path.name, "chunk": i}))
    return docs


class BaselineRAG:
    """Naive RAG over raw files. `build()` embeds the corpus (slow with a real model)."""

    def __init__(self, corpus_dir: Path, embedder, k: int = TOP_K,
                 chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.embedder = embedder
        self.k = k
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._dir: str | None = None
        self._store = None
        self._last: tuple[str, list] | None = None
        self.chunks = 0

    def build(self) -> "BaselineRAG":
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        docs = split_corpus(corpus_files(self.corpus_dir), self.chunk_size, self.chunk_overlap)
        self._dir = tempfile.mkdtemp(prefix="cchc_baseline_")
        client = chromadb.PersistentClient(path=self._dir, settings=ChromaSettings(anonymized_telemetry=False))
        self._store = Chroma(client=client, collection_name=f"baseline_{uuid.uuid4().hex[:8]}",
                             embedding_function=self.embedder, collection_metadata={"hnsw:space": "cosine"})
        if docs:
            self._store.add_documents(docs, ids=[f"{d.metadata['document']}#{d.metadata['chunk']}" for d in docs])
        self.chunks = len(docs)
        return self

    def _similar(self, question: str, k: int) -> list[tuple]:
        """Top-k (document, distance); the last question's top-10 is reused so `ask` then
        `search` on the same question embeds it once (the top-4 of a top-10 is the top-4)."""
        if self._store is None:
            self.build()
        if not self.chunks:
            return []
        depth = max(k, 10)
        if self._last is None or self._last[0] != question or len(self._last[1]) < min(depth, self.chunks):
            self._last = (question, self._store.similarity_search_with_score(question, k=min(depth, self.chunks)))
        return self._last[1][:k]

    def search(self, question: str, commune: str | None = None, k: int = 10) -> list[SearchHit]:
        return [
            SearchHit(chunk_id=f"{doc.metadata['document']}#{doc.metadata['chunk']}", document=doc.metadata["document"],
                      text=doc.page_content, score=1.0 - float(distance), kind="baseline")
            for doc, distance in self._similar(question, k)
        ]

    def ask(self, question: str, commune: str | None = None) -> Answer:
        top = self._similar(question, self.k)
        if not top:
            return Answer(answer="", intent="general")
        doc, _ = top[0]
        citation = Citation(document=doc.metadata["document"], text=doc.page_content,
                            chunk_id=f"{doc.metadata['document']}#{doc.metadata['chunk']}")
        return Answer(answer=doc.page_content, abstained=False, intent="general", citations=[citation])

    def ask_batch(self, questions: Iterable[str], commune: str | None = None) -> list[Answer]:
        return [self.ask(q, commune=commune) for q in questions]

    def close(self) -> None:
        self._store = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
