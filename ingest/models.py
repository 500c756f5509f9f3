"""Typed data that crosses the boundary between `ingest` and `assistant`.

Everything here is plain data: parsing functions produce it, the store persists it.
Text fields keep the plan's own wording (NFC); folded search keys live beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

SectionPath = tuple[str, ...]

BlockKind = Literal[
    "heading",      # I. / 1. / 2.1. / a) headings, and PHỤ LỤC
    "paragraph",    # running prose
    "list_item",    # "- ..." / "+ ..." bullets
    "table_header", # a header row of an appendix table
    "table_row",    # any other row of a table (cells in `cells`)
    "preamble",     # national motto, number/date line, "Căn cứ ..." before the first heading
    "signature",    # Nơi nhận, KT. CHỦ TỊCH, signer name
]


@dataclass(frozen=True)
class SourceRef:
    """Where a piece of text came from: section path plus 1-based line range (and PDF page)."""

    document: str
    section_path: SectionPath = ()
    line_start: int = 0
    line_end: int = 0
    page: int | None = None

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)


@dataclass(frozen=True)
class LoadedLine:
    """One line of a loaded file, before normalisation. `page` is set for PDFs."""

    number: int
    text: str
    page: int | None = None


@dataclass
class LoadedDocument:
    """Output of a loader: the raw lines, with DOCX tables already rendered as tab-separated rows."""

    document: str          # file name, the document's id in the store
    path: str
    media_type: str        # "text/plain", "text/markdown", "application/pdf", "application/vnd...docx"
    lines: list[LoadedLine]
    from_pdf_text: bool = False  # hard-wrapped text (a PDF or text extracted from one)
    ocr: bool = False            # text recognised from page images (a scan or a photo)
    ocr_confidence: float | None = None  # mean Tesseract word confidence, 0-100, when `ocr`
    text_quality: float | None = None  # `ingest.quality` score of the text (None: not assessed)
    extractor: str = ""          # what produced the text: "txt", "md", "docx", "pdfplumber", "pdftotext", ...


@dataclass
class Block:
    """A structural unit of the plan body, with its place in the heading tree."""

    kind: BlockKind
    text: str
    section_path: SectionPath
    line_start: int
    line_end: int
    page: int | None = None
    level: int = 0                       # heading depth (1 = roman), 0 for non-headings
    cells: list[str] | None = None       # table rows only
    in_appendix: bool = False


@dataclass
class PlanMetadata:
    document: str
    title: str = ""
    commune: str = ""           # "Di Linh" (without the "xã" prefix)
    district: str = ""
    province: str = ""
    period: str = ""            # "2026" or "2026-2030"
    year_start: int | None = None
    year_end: int | None = None
    number: str = ""            # "09/QĐ-UBND", "/KH-UBND" when the number is blank
    issue_date: str = ""        # ISO date when the plan gives a full date, else ""
    issue_date_text: str = ""   # as written: "ngày 12 tháng 4 năm 2026"
    signer: str = ""
    signer_title: str = ""      # "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    implements: str = ""        # the higher-level plan/decision it implements, as written


DeadlineKind = Literal[
    "date",        # a specific day
    "month",       # a calendar month (or "trong tháng 12 hàng năm" with a year range)
    "quarter",
    "half_year",
    "year",
    "recurring",   # hàng tháng, định kỳ hàng quý, ngày 15 hàng tháng
    "relative",    # trước ngày 31/01 năm liền kề, sau 3 tháng kể từ ...
    "continuous",  # Thường xuyên
    "on_demand",   # Khi có yêu cầu
    "unknown",
]


@dataclass
class Deadline:
    text: str                       # verbatim
    kind: DeadlineKind = "unknown"
    start: date | None = None       # first day the deadline window covers
    end: date | None = None         # last day (the due date for date/month/quarter/year)
    recurrence: str = ""            # "monthly", "quarterly", "yearly", "weekly"
    day_of_period: int | None = None  # "ngày 15 hàng tháng" -> 15


@dataclass
class TaskRecord:
    document: str
    commune: str
    origin: Literal["table", "prose"]
    area: str                       # group row / section the task belongs to
    number: str                     # the STT cell as written ("" when none)
    task: str
    lead: str                       # verbatim
    coordinators: str = ""          # verbatim
    product: str = ""
    deadline: str = ""              # verbatim
    monitor: str = ""
    goal: str = ""                  # "Mục tiêu" column when the table has one
    source: SourceRef | None = None
    leads: list[str] = field(default_factory=list)          # lead split into agencies (display form)
    coordinator_list: list[str] = field(default_factory=list)
    deadline_norm: Deadline | None = None
    flags: list[str] = field(default_factory=list)          # e.g. "missing_cells", "merged_cells"
    chunk_id: str = ""                                      # the chunk that quotes this record

    @property
    def due_text(self) -> str:
        """When the task is due, in the words the due rule read: the deadline cell, or the
        plan's own words elsewhere in the row when the cell names no date ("Triển khai thực
        hiện sáng kiến …" beside "… báo cáo kết quả chậm nhất trong tháng 9/2026")."""
        read = self.deadline_norm.text if self.deadline_norm is not None else ""
        return read if read and read not in self.deadline else self.deadline


@dataclass
class Target:
    document: str
    commune: str
    subject: str                    # what is measured, verbatim
    comparator: str                 # ">=", ">", "<=", "=", "increase>=", "decrease>="
    value: float
    unit: str                       # "%", "cuộc", "bậc", "sáng kiến", ...
    text: str                       # the phrase as written: "tối thiểu 95%"
    area: str = ""
    sentence: str = ""              # the whole sentence/cell holding it
    source: SourceRef | None = None


ChunkKind = Literal["prose", "table_row", "metadata", "procedure"]


@dataclass
class Chunk:
    id: str                         # stable: f"{document}:{content hash prefix}:{ordinal}"
    document: str
    text: str                       # what is shown and quoted
    kind: ChunkKind
    section_path: SectionPath
    line_start: int
    line_end: int
    page: int | None = None
    embed_text: str = ""            # text sent to the embedder (section path + text) if different

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)


@dataclass
class ParsedPlan:
    document: str
    path: str
    content_hash: str               # sha256 of the raw file bytes
    metadata: PlanMetadata
    text: str                       # normalised full text
    blocks: list[Block]
    chunks: list[Chunk]
    tasks: list[TaskRecord] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ocr: bool = False                       # see LoadedDocument.ocr
    ocr_confidence: float | None = None
    text_quality: float | None = None  # from the loader: how plausibly Vietnamese the text reads
    extractor: str = ""                # from the loader: which extractor produced the text
    instruction_chunks: list[str] = field(default_factory=list)  # ids of chunks addressing the reader
