"""Pydantic models of the public contract (CLI --json, REST API). Add fields freely, never remove."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

class Citation(BaseModel):
    document: str
    title: str = ""
    commune: str = ""
    section: str = ""
    text: str = Field(description="quoted source text, verbatim from the plan")
    line_start: int | None = None
    line_end: int | None = None
    page: int | None = None
    origin: Literal["table", "prose", "metadata", "procedure"] | None = None
    chunk_id: str | None = None
    url: str | None = None          # a procedure's portal page
    code: str | None = None         # a procedure's code (mã thủ tục)
    note: str | None = None         # "(bản quét, nhận dạng chữ)" when the document was read by OCR


class Answer(BaseModel):
    answer: str
    abstained: bool = False
    intent: str = "general"
    citations: list[Citation] = Field(default_factory=list)
    commune: str | None = None
    generator: Literal["extractive", "llm"] = "extractive"
    source_lacks: bool = Field(False, description="abstained because the source found does not record "
                                                  "this detail (a plan with no issuing date), not for "
                                                  "want of a source")
    context: dict[str, Any] = Field(default_factory=dict,
                                    description="what a follow-up carried over from the history "
                                                "(commune, task, agency, intent, period) or scope notes")


class DocumentInfo(BaseModel):
    document: str
    title: str = ""
    commune: str = ""
    province: str = ""
    district: str = ""
    year: str = ""
    chunks: int = 0
    tasks: int = 0
    targets: int = 0
    number: str = ""
    issue_date: str = ""
    issue_date_text: str = ""
    signer: str = ""
    signer_title: str = ""
    implements: str = ""
    content_hash: str = ""
    ocr: bool = Field(False, description="text recognised from page images (a scan or a photo)")
    ocr_confidence: float | None = Field(None, description="mean OCR word confidence, 0-100, when ocr")
    text_quality: float | None = Field(None, description="how plausibly Vietnamese the text reads, 0-1")
    extractor: str = Field("", description="what produced the text: txt, md, docx, pdfplumber, pypdf, "
                                           "pdftotext, tesseract")


class TaskOut(BaseModel):
    document: str
    commune: str
    origin: Literal["table", "prose"]
    area: str = ""
    number: str = ""
    task: str
    lead: str = ""
    coordinators: str = ""
    product: str = ""
    deadline: str = ""
    monitor: str = ""
    source: str = ""
    deadline_kind: str = ""
    deadline_start: str | None = None
    deadline_end: str | None = None
    flags: list[str] = Field(default_factory=list)
    due_status: str = Field("", description='with a `due` filter: "due" or "ongoing" (ingest.periods)')


class SearchHit(BaseModel):
    chunk_id: str
    document: str
    commune: str = ""
    title: str = ""
    section: str = ""
    text: str
    score: float
    kind: str = "prose"
    line_start: int | None = None
    line_end: int | None = None
