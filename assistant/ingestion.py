"""Write path: files and folders -> parsed plans (or procedure records) -> store, one result per file.

Plans are .txt .md .pdf .docx; files of the national portal's procedure records are .json/.jsonl
(`ingest.procedures.looks_like_procedure_file`) and go to `Store.upsert_procedures`.

Unchanged files are recognised by content hash before any parsing, so a re-run costs one read
and one hash per file. One bad file never stops the others and never touches stored documents.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.failures import storage_failure
from assistant.locking import StoreBusy
from assistant.names import find_lookalike, lookalike_message
from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_EXTENSIONS

SUPPORTED_SUFFIXES = SUPPORTED_EXTENSIONS  # the loaders' list: one list of formats
PROCEDURE_SUFFIXES = (".json", ".jsonl")     # portal procedure records (ingest.procedures)
ACCEPTED_SUFFIXES = SUPPORTED_SUFFIXES + PROCEDURE_SUFFIXES

Status = Literal["added", "updated", "unchanged", "skipped", "error"]

STATUS_LABELS = {
    "added": "đã thêm",
    "updated": "đã cập nhật",
    "unchanged": "không đổi",
    "skipped": "bỏ qua",
    "error": "lỗi",
}


@dataclass
class IngestResult:
    file: str
    document: str = ""
    status: Status = "error"
    message: str = ""
    chunks: int = 0
    tasks: int = 0
    targets: int = 0
    procedures: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "error"

    def to_dict(self) -> dict:
        return {"file": self.file, "document": self.document, "status": self.status, "ok": self.ok,
                "message": self.message, "chunks": self.chunks, "tasks": self.tasks,
                "targets": self.targets, "procedures": self.procedures, "seconds": round(self.seconds, 3), "warnings": self.warnings}


def document_id(path: Path) -> str:
    """A document's id in the store: its file name (NFC, control characters removed)."""
    from ingest.loaders import document_name

    return document_name(path)


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[IngestResult]]:
    """Files to ingest (folders expanded recursively, sorted) and results for what is refused."""
    files: list[Path] = []
    notes: list[IngestResult] = []
    seen: set[Path] = set()

    def add(file: Path) -> None:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            files.append(file)

    from ingest.procedures import looks_like_procedure_file

    accepted = " ".join(ACCEPTED_SUFFIXES)
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = False
            skipped: list[str] = []
            children = sorted(p for p in path.rglob("*") if p.is_file())
            # A folder holding portal records is a catalogue: its other files (a note of the
            # records' source, say) are not plans.
            catalogues = {c.parent for c in children
                          if c.suffix.lower() in PROCEDURE_SUFFIXES and looks_like_procedure_file(c)}
            for child in children:
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue  # hidden files and folders (.DS_Store, .git)
                if child.parent in catalogues and not looks_like_procedure_file(child):
                    notes.append(IngestResult(file=str(child), status="skipped",
                                              message="không phải bản ghi thủ tục (thư mục danh mục thủ tục)"))
                    continue
                if child.suffix.lower() in SUPPORTED_SUFFIXES and not child.name.startswith("~$"):
                    add(child)
                    found = True
                elif child.parent in catalogues:
                    add(child)
                    found = True
                else:
                    skipped.append(str(rel))
                    notes.append(IngestResult(file=str(child), status="skipped",
                                              message=f"định dạng không hỗ trợ (chỉ nhận {accepted})"))
            if not found:
                listed = ", ".join(skipped[:10]) + (f" và {len(skipped) - 10} tệp khác" if len(skipped) > 10 else "")
                notes.append(IngestResult(
                    file=str(path), status="error",
                    message=f"thư mục không có tệp {accepted} nào"
                            + (f"; đã bỏ qua: {listed}" if skipped else "")))
        elif path.is_file():
            if path.suffix.lower() in ACCEPTED_SUFFIXES:
                add(path)
            else:
                notes.append(IngestResult(
                    file=str(path), status="error",
                    message=f"định dạng không hỗ trợ: '{path.suffix or '(không có đuôi)'}' "
                            f"(chỉ nhận {accepted})"))
        else:
            notes.append(IngestResult(file=str(path), status="error", message="không tìm thấy tệp hoặc thư mục"))
    return files, notes


def _parse(path: Path, settings=None, progress: bool = False):
    """The one parse of a file on the write path: a plan (`ParsedPlan`, within the settings'
    document limits and, in the main thread, its parse time limit `ingest_job_seconds`) or, for
    .json/.jsonl, a file of procedure records (`ParsedProcedures`)."""
    if path.suffix.lower() in PROCEDURE_SUFFIXES:
        from ingest.procedures import parse_procedure_file

        return parse_procedure_file(path)
    from ingest.limits import DEFAULT_LIMITS
    from ingest.pipeline import parse_file

    from assistant.parsing import time_limit

    limits = getattr(settings, "document_limits", None) or DEFAULT_LIMITS
    pages = _PageBar(document_id(path)) if progress else None
    try:
        with time_limit(document_id(path), float(getattr(settings, "ingest_job_seconds", 0) or 0)):
            return parse_file(path, limits, progress=pages)
    finally:
        if pages is not None:
            pages.close()


class _PageBar:
    """A progress bar over the pages of a scan being recognised (OCR), opened on first report."""

    def __init__(self, name: str) -> None:
        self.name, self.bar = name, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"Nhận dạng chữ (OCR) {self.name}", unit="trang",
                            file=sys.stderr, dynamic_ncols=True)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_procedures(parsed) -> bool:
    return hasattr(parsed, "procedures")


def ingest_paths(store, paths: Sequence[Path], settings=None, progress: bool = False,
                 force: bool = False, parse: Callable[[Path], object] | None = None) -> list[IngestResult]:
    """Ingest files/folders into `store`: refused paths first, then one result per file in order.

    `force` re-parses files even when their bytes are unchanged (vectors still come from the cache).
    `parse(path) -> ParsedPlan` replaces the in-process parse (the upload queue parses in a child
    process with a time limit, `assistant.jobs`); it raises `IngestError` for a refused file.
    """
    max_bytes = int(float(getattr(settings, "max_file_mb", 20.0)) * 1024 * 1024)
    home = getattr(settings, "home", None)
    files, notes = expand_paths(paths)
    results: list[IngestResult] = list(notes)
    pending: list[tuple[IngestResult, object, float]] = []  # (result, plan, seconds spent so far)
    owners: dict[str, str] = {}  # document id -> file that claimed it in this run
    hashes: dict[str, str] = {}  # content hash -> document id that claimed it in this run
    stored_names: list[str] | None = None  # read once, when a new name must be checked

    # Phase 1: hash, skip unchanged, parse. Pure work: nothing is written yet.
    for path in files:
        started = time.perf_counter()
        result = IngestResult(file=str(path), document=document_id(path))
        results.append(result)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                result.message = (f"tệp quá lớn: {size / 1024 / 1024:.1f} MB, vượt giới hạn "
                                  f"{max_bytes / 1024 / 1024:g} MB (CCHC_MAX_FILE_MB)")
                continue
            if size == 0:
                result.message = "tệp rỗng"
                continue
            content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
            if not force and store.has_hash(result.document, content_hash):
                result.status = "unchanged"
                _count_stored(store, result)
                result.seconds = time.perf_counter() - started
                continue
            twin = store.document_with_hash(content_hash, exclude=result.document) or hashes.get(content_hash)
            if twin and twin != result.document:
                result.message = (f"trùng nội dung với văn bản «{twin}» đã có; không lưu bản thứ hai "
                                  f"(muốn đổi tên thì xóa «{twin}» trước: cchc remove)")
                continue
            if store.document(result.document) is None:  # a new name: refuse a look-alike of another
                if stored_names is None:
                    stored_names = [doc.document for doc in store.documents()]
                lookalike = find_lookalike(result.document, [*stored_names, *owners])
                if lookalike is not None:
                    result.message = lookalike_message(result.document, lookalike)
                    continue
            hashes[content_hash] = result.document
            plan = parse(path) if parse is not None else _parse(path, settings, progress=progress)
            if not plan.content_hash:
                plan.content_hash = content_hash
            result.document = plan.document
            result.warnings = list(plan.warnings)
            if not plan.chunks:
                result.message = "không trích xuất được nội dung văn bản nào từ tệp"
                continue
            if plan.document in owners:
                result.message = f"trùng tên văn bản với tệp {owners[plan.document]} trong cùng lượt nạp"
                continue
            owners[plan.document] = str(path)
            pending.append((result, plan, time.perf_counter() - started))
        except IngestError as exc:
            result.message = _reason(exc)
        except OSError as exc:
            failure = storage_failure(exc, home)
            result.message = failure.message if failure else f"không đọc được tệp: {exc.strerror or exc}"
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            result.message = f"lỗi không mong đợi khi đọc tệp: {type(exc).__name__}: {exc}"
        finally:
            if result.status == "error":
                result.seconds = time.perf_counter() - started

    # Phase 2: embed (cached vectors are reused) and store, one transaction per document.
    total = sum(store.missing_vectors(plan) for _, plan, _ in pending) if pending else 0
    bar = _progress_bar(total, enabled=progress and total > 0)
    try:
        for result, plan, spent in pending:
            started = time.perf_counter()
            try:
                if _is_procedures(plan):
                    result.status = store.upsert_procedures(plan, on_embedded=bar.update, force=force)
                    result.chunks, result.procedures = len(plan.chunks), len(plan.procedures)
                else:
                    result.status = store.upsert_plan(plan, on_embedded=bar.update, force=force)
                    result.chunks, result.tasks, result.targets = len(plan.chunks), len(plan.tasks), len(plan.targets)
            except StoreBusy as exc:  # another process held the writer lock past the timeout
                result.status = "error"
                result.message = f"không lưu được vào kho: {exc}"
            except Exception as exc:  # noqa: BLE001 - the store rolled back; keep going
                result.status = "error"
                failure = storage_failure(exc, home)  # the real cause, even when a rollback error hides it
                result.message = (f"không lưu được vào kho: {failure.message}" if failure else
                                  f"không lưu được vào kho: {type(exc).__name__}: {exc}")
            result.seconds = spent + time.perf_counter() - started
    finally:
        bar.close()
    return results


def _reason(exc: BaseException) -> str:
    """The reason alone (the CLI prints the file name itself)."""
    reason = getattr(exc, "reason_vi", "")
    if reason:
        english = getattr(exc, "reason_en", "")
        return f"{reason} ({english})" if english else reason
    return str(exc) or type(exc).__name__


def _count_stored(store, result: IngestResult) -> None:
    info = store.document(result.document)
    if info is not None:
        result.chunks, result.tasks, result.targets = info.chunks, info.tasks, info.targets
        if Path(result.document).suffix.lower() in PROCEDURE_SUFFIXES:
            result.procedures = store.procedure_count(result.document)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="Tạo vector", unit="đoạn", file=sys.stderr, dynamic_ncols=True)
