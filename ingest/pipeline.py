"""The pure ingest pipeline: file or text -> `ParsedPlan` (no store or index I/O).

load -> normalise -> structure -> metadata -> records (tables, prose duties, targets)
-> chunks. A document over the page, paragraph or character limits (`ingest.limits`) is refused
before the work it would cost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from ingest.chunk import build_chunks
from ingest.errors import IngestError
from ingest.instructions import flag_instructions
from ingest.limits import DEFAULT_LIMITS, DocumentLimits, check_file, check_loaded
from ingest.loaders import MEDIA_TYPES, document_name, load, split_lines
from ingest.metadata import extract_metadata
from ingest.models import Block, LoadedDocument, ParsedPlan, PlanMetadata, Target, TaskRecord
from ingest.normalise import normalise_lines
from ingest.responsibilities import parse_responsibilities
from ingest.structure import parse_structure
from ingest.tables import parse_tables
from ingest.targets import extract_targets



def _parser_fingerprint() -> str:
    """A digest of the ingest package's own source: any parser change re-parses unchanged files.

    Derived rather than bumped by hand, because a forgotten bump leaves stale parses in every
    index (vectors still come from the cache, so a re-parse costs parsing time only)."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode("utf-8") + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


PIPELINE_VERSION = _parser_fingerprint()


def extract_records(blocks: Sequence[Block], metadata: PlanMetadata) -> tuple[list[TaskRecord], list[Target]]:
    """Appendix-table and prose-duty task records, and the plan's quantitative targets."""
    document, commune = metadata.document, metadata.commune
    years = {"plan_year_start": metadata.year_start, "plan_year_end": metadata.year_end}
    table_tasks = parse_tables(blocks, document, commune, **years)
    prose_tasks = parse_responsibilities(blocks, document, commune, **years)
    targets = extract_targets(blocks, document, commune, table_records=table_tasks)
    return table_tasks + prose_tasks, targets


def parse_document(loaded: LoadedDocument, content_hash: str,
                   limits: DocumentLimits = DEFAULT_LIMITS) -> ParsedPlan:
    """Everything after loading. Pure. Raises `IngestError` for a document over `limits`."""
    check_loaded(loaded, limits)
    document = loaded.document
    lines = normalise_lines(loaded.lines, True if loaded.from_pdf_text else None)
    if not lines:
        raise IngestError(document, "tệp không có nội dung văn bản", "file contains no text")
    blocks = parse_structure(lines)
    metadata = extract_metadata(document, blocks)
    tasks, targets = extract_records(blocks, metadata)
    chunks = build_chunks(document, blocks, tasks, metadata)

    warnings = []
    if loaded.ocr:
        warnings.append(f"Văn bản nhận dạng từ ảnh quét (OCR), độ tin cậy trung bình "
                        f"{loaded.ocr_confidence or 0:.0f}%: hãy đối chiếu với bản gốc.")
    if not any(b.kind == "heading" for b in blocks):
        warnings.append("Không nhận ra đề mục nào (I., 1., a)); văn bản được chia đoạn theo độ dài.")
    for label, value in (("tên xã", metadata.commune), ("năm/giai đoạn", metadata.period)):
        if not value:
            warnings.append(f"Không tìm thấy {label} trong văn bản.")
    plan = ParsedPlan(
        document=document,
        path=loaded.path,
        content_hash=content_hash,
        metadata=metadata,
        text="\n".join(line.text for line in lines),
        blocks=blocks,
        chunks=chunks,
        tasks=tasks,
        targets=targets,
        warnings=warnings,
        ocr=loaded.ocr,
        ocr_confidence=loaded.ocr_confidence,
        text_quality=loaded.text_quality,
        extractor=loaded.extractor,
    )
    flag_instructions(plan)
    return plan


def parse_file(path: str | Path, limits: DocumentLimits = DEFAULT_LIMITS, *,
               progress: Callable[[int, int], None] | None = None) -> ParsedPlan:
    """Load and parse one file. Raises `IngestError` for files that cannot be read or are over
    `limits` (a PDF's page count is checked before its text is read).
    `progress(done, pages)` follows the pages of a scan while they are recognised (OCR)."""
    path = Path(path)
    check_file(path, document_name(path), limits)
    loaded = load(path, progress=progress)
    return parse_document(loaded, hashlib.sha256(path.read_bytes()).hexdigest(), limits)


def parse_text(document: str, text: str, *, media_type: str | None = None,
               from_pdf_text: bool = False, path: str = "",
               limits: DocumentLimits = DEFAULT_LIMITS) -> ParsedPlan:
    """Parse in-memory text as if it were the file `document` (hash of its UTF-8 bytes)."""
    if media_type is None:
        media_type = MEDIA_TYPES.get(Path(document).suffix.lower(), "text/plain")
    loaded = LoadedDocument(
        document=document,
        path=path or document,
        media_type=media_type,
        lines=split_lines(text),
        from_pdf_text=from_pdf_text or "\f" in text,
    )
    return parse_document(loaded, hashlib.sha256(text.encode("utf-8")).hexdigest(), limits)
