"""Upload intake and the background ingest queue shared by the REST API and the staff tab.

`IngestQueue.submit(filename, data)` checks an upload cheaply and synchronously (name, type,
size, duplicate content, a different document already under that name or a look-alike of it,
queue room, and a bounded probe: text decoded and counted, a PDF opened and its page count read,
`ingest.limits.probe_file`) and raises `UploadRejected` with a Vietnamese message. Heavy parsing
never runs inside the request: an accepted file is staged under
`<uploads>/.staging/<pid>/<job id>/<name>` and ingested by one of `workers` worker threads. Each
parses in a child process killed after `job_seconds` (`assistant.parsing`), so several files
parse at once and one huge file blocks no other; writes then go one at a time (this process's
threads in turn, other processes through the writer lock), and the file is moved to
`<uploads>/<name>`. A file whose ingest fails never reaches `<uploads>`, its staging folder is
removed on every path, and the documents already stored stay as they were.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import queue
import shutil
import threading
import time
import uuid
import zipfile
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ingest.loaders import SUPPORTED_EXTENSIONS
from ingest.signatures import has_signature
from assistant.failures import storage_failure
from assistant.names import BadName, find_lookalike, lookalike_message, stored_name

if TYPE_CHECKING:
    from assistant.service import Assistant
    from ingest.limits import DocumentLimits

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = SUPPORTED_EXTENSIONS  # the loaders' list: one list of formats
STAGING_DIR = ".staging"
QUEUE_FULL = "Hàng đợi xử lý tài liệu đang đầy, vui lòng thử lại sau."

RejectReason = Literal["bad_name", "unsupported", "empty", "too_large", "unreadable", "duplicate", "name_taken",
                       "lookalike", "queue_full", "disk_full", "read_only"]
JobState = Literal["queued", "running", "done", "failed"]


class UploadRejected(Exception):
    """An upload refused before it was queued. `reason` maps to an HTTP status in the API."""

    def __init__(self, reason: RejectReason, message: str, existing: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.existing = existing


class Job(BaseModel):
    """State of one background ingest."""

    id: str
    document: str = Field(description="file name under which the document is stored")
    state: JobState = "queued"
    status: str = Field("", description="ingest outcome when finished: added | updated | unchanged | error")
    message: str = ""
    size: int = 0
    sha256: str = ""
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


# -- pure checks -----------------------------------------------------------

def sanitize_filename(name: str) -> str:
    """The stored name of an upload (`assistant.names.stored_name`: last path component, NFC,
    bounded in bytes). Raises `UploadRejected("bad_name")` if nothing usable is left."""
    try:
        return stored_name(name)
    except BadName as exc:
        raise UploadRejected("bad_name", str(exc)) from None


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Cheap checks on the bytes of an upload, before anything is written to disk."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRejected(
            "unsupported",
            f"Tệp «{name}»: định dạng không được hỗ trợ; chỉ nhận {', '.join(ALLOWED_SUFFIXES)}.",
        )
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large",
            f"Tệp «{name}» quá lớn ({_mb(len(data))} MB); tối đa {_mb(max_bytes)} MB.",
        )
    if not data.strip():
        raise UploadRejected("empty", f"Tệp «{name}» rỗng.")
    if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
        raise UploadRejected("unsupported", f"Tệp «{name}» không phải là tệp PDF hợp lệ.")
    if suffix == ".docx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_docx = "word/document.xml" in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            is_docx = False
        if not is_docx:
            raise UploadRejected("unsupported", f"Tệp «{name}» không phải là tệp Word (.docx) hợp lệ.")
    if not has_signature(suffix, data[:16]):
        kind = "tệp Word 97-2003 (.doc)" if suffix == ".doc" else f"tệp ảnh {suffix}"
        raise UploadRejected("unsupported", f"Tệp «{name}» không phải là {kind} hợp lệ.")


def check_readable(path: Path, name: str, limits: "DocumentLimits | None" = None) -> None:
    """A bounded look at the staged file (`ingest.limits.probe_file`: text decoded and counted, a
    PDF opened and its declared pages counted; nothing parsed), so that a file the ingest could
    never read (corrupt, locked, wrong code page) or that is over the limits is refused in the
    request; everything costlier is left to the worker."""
    from ingest.errors import IngestError
    from ingest.limits import DEFAULT_LIMITS, TooLong, probe_file

    try:
        probe_file(path, name, limits or DEFAULT_LIMITS)
    except TooLong as exc:
        raise UploadRejected("too_large", f"Tệp «{name}»: {exc.reason_vi}.") from None
    except IngestError as exc:
        raise UploadRejected("unreadable", f"Tệp «{name}»: {exc.reason_vi}.") from None
    except OSError:
        raise
    except Exception:  # noqa: BLE001 - a reader bug on odd bytes: still the file's fault for the user
        log.exception("probing upload %s failed", name)
        raise UploadRejected("unreadable", f"Tệp «{name}»: không đọc được nội dung tệp.") from None


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.3g}"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_dead_staging(staging: Path) -> None:
    """Staged uploads of processes that are gone. Each serving process stages under its pid, so
    a worker (re)starting beside others never deletes their queued files."""
    if not staging.is_dir():
        return
    for folder in staging.iterdir():
        if folder.name.isdigit() and int(folder.name) != os.getpid() and _alive(int(folder.name)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> datetime:
    return datetime.now(UTC)


# -- the queue ------------------------------------------------------------

def worker_count(setting: int) -> int:
    """Ingest workers: the setting, or with 0 one per core up to four (each parse is a process)."""
    if setting > 0:
        return setting
    return max(1, min(4, os.cpu_count() or 1))


class IngestQueue:
    """Bounded queue of uploads with `workers` background worker threads (parsing in child
    processes, `job_seconds` each at most; writing one at a time)."""

    def __init__(self, assistant: "Assistant", uploads_dir: Path, max_queued: int, max_bytes: int,
                 keep_jobs: int = 500, workers: int = 1, job_seconds: float = 0.0,
                 limits: "DocumentLimits | None" = None) -> None:
        from ingest.limits import DEFAULT_LIMITS

        self.assistant = assistant
        self.uploads_dir = Path(uploads_dir)
        self.max_bytes = max_bytes
        self.workers = max(1, workers)
        self.job_seconds = job_seconds
        self.limits = limits or DEFAULT_LIMITS
        self._queue: queue.Queue[tuple[Job, Path] | None] = queue.Queue(maxsize=max(1, max_queued))
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep_jobs
        self._lock = threading.Lock()
        self._write_turn = threading.Lock()   # this process's workers write one at a time, without timeout
        self._hash_cache: dict[Path, tuple[int, int, str]] = {}
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "IngestQueue":
        self._threads = [t for t in self._threads if t.is_alive()]
        if not self._threads:
            _remove_dead_staging(self.uploads_dir / STAGING_DIR)  # left by a crash
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._run, name=f"cchc-ingest-{len(self._threads) + 1}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)  # blocks only while the queue is full; the workers keep draining it
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- intake ------------------------------------------------------------
    def submit(self, filename: str, data: bytes, replace: bool = False) -> Job:
        """Validate, stage and queue one upload. Raises `UploadRejected`.

        A different document already stored (or queued) under the same name is replaced only with
        `replace=True`; otherwise the upload is refused naming it, as is a look-alike name."""
        name = sanitize_filename(filename)
        check_content(name, data, self.max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._check_room(name, digest, replace)  # cheap refusals before any file work
        job = Job(id=uuid.uuid4().hex, document=name, size=len(data), sha256=digest, created_at=_now())
        staged = self.uploads_dir / STAGING_DIR / str(os.getpid()) / job.id / name
        try:
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data)
            check_readable(staged, name, self.limits)
            with self._lock:
                self._check_room(name, digest, replace)  # again: another upload may have been queued meanwhile
                try:
                    self._queue.put_nowait((job, staged))
                except queue.Full:  # only this method puts jobs, under the lock; kept for safety
                    raise UploadRejected("queue_full", QUEUE_FULL) from None
                self._remember(job)
        except OSError as exc:
            shutil.rmtree(staged.parent, ignore_errors=True)
            raise self._storage_rejection(name, exc) from None
        except BaseException:
            shutil.rmtree(staged.parent, ignore_errors=True)
            raise
        return job.model_copy()

    def _storage_rejection(self, name: str, exc: OSError) -> Exception:
        failure = storage_failure(exc, self.uploads_dir)
        if failure is None:
            return exc
        reason = {"disk_full": "disk_full", "read_only": "read_only"}.get(failure.kind, "bad_name")
        return UploadRejected(reason, f"Tệp «{name}»: {failure.message}")

    def _check_room(self, name: str, digest: str, replace: bool = False) -> None:
        stored = {doc.document: doc for doc in self.assistant.documents()}
        existing = self._find_duplicate(digest, stored)
        if existing is not None:
            raise UploadRejected(
                "duplicate",
                f"Tệp «{name}» trùng nội dung với tài liệu «{existing}» đã có; không lưu thêm bản thứ hai.",
                existing=existing,
            )
        taken = [*stored, *(job.document for job in self._jobs.values() if not job.finished)]
        if name in taken and not replace:
            raise UploadRejected(
                "name_taken",
                f"Đã có văn bản «{name}» với nội dung khác; không thay thế khi chưa được yêu cầu rõ "
                f"(gửi lại với replace=true để thay, hoặc đổi tên tệp).",
                existing=name,
            )
        lookalike = find_lookalike(name, taken)
        if lookalike is not None:
            raise UploadRejected("lookalike", f"Tệp «{name}»: {lookalike_message(name, lookalike)}",
                                 existing=lookalike)
        if self._queue.full():
            raise UploadRejected("queue_full", QUEUE_FULL)


    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy() if job else None

    def wait(self, job_id: str, timeout: float = 120.0, poll: float = 0.2) -> Job | None:
        """Block until the job finishes (or `timeout`); used by the staff tab."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job is None or job.finished or time.monotonic() >= deadline:
                return job
            time.sleep(poll)

    def pending(self) -> int:
        return self._queue.qsize()

    def discard_upload(self, document: str) -> None:
        """Delete the stored copy of an uploaded file after its document was removed."""
        target = self.uploads_dir / sanitize_filename(document)
        if target.parent == self.uploads_dir and target.is_file():
            target.unlink(missing_ok=True)
            self._hash_cache.pop(target, None)

    # -- internals ---------------------------------------------------------
    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        while len(self._jobs) > self._keep:
            oldest_id = next(iter(self._jobs))
            if not self._jobs[oldest_id].finished:
                break
            self._jobs.popitem(last=False)

    def _find_duplicate(self, digest: str, stored: dict) -> str | None:
        """Name of a stored (`stored`: name -> DocumentInfo) or queued document with exactly these
        bytes, if any."""
        for job in self._jobs.values():
            if not job.finished and job.sha256 == digest:
                return job.document
        for name, doc in stored.items():
            if getattr(doc, "content_hash", "") == digest:
                return name
        if self.uploads_dir.is_dir():
            for path in self.uploads_dir.iterdir():
                if path.name in stored and path.is_file() and self._cached_hash(path) == digest:
                    return path.name
        return None

    def _cached_hash(self, path: Path) -> str:
        stat = path.stat()
        cached = self._hash_cache.get(path)
        if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            return cached[2]
        digest = _sha256_file(path)
        self._hash_cache[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = job.model_copy(update=changes)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, staged = item
            self._update(job.id, state="running", started_at=_now())
            try:
                self._ingest(job, staged)
            except Exception as exc:  # a worker must survive any single bad file
                failure = storage_failure(exc, self.uploads_dir)
                if failure is None:
                    log.exception("ingest job %s (%s) crashed", job.id, job.document)
                else:
                    log.error("ingest job %s (%s): %s (%r)", job.id, job.document, failure.kind, exc)
                reason = failure.message if failure else "lỗi khi xử lý tệp"
                self._update(job.id, state="failed", status="error", finished_at=_now(),
                             message=f"Tệp «{job.document}»: {reason}.")
            finally:
                shutil.rmtree(staged.parent, ignore_errors=True)

    def _parse(self, job: Job, staged: Path):
        """The staged file parsed in a child process within the job time limit; None when it
        failed (the job is then marked failed with the reason)."""
        from assistant.parsing import parse_with_time_limit
        from ingest.errors import IngestError

        try:
            return parse_with_time_limit(staged, self.limits, self.job_seconds)
        except IngestError as exc:
            reason = exc.reason_vi
        except RuntimeError as exc:
            log.error("parsing job %s (%s) failed: %s", job.id, job.document, exc)
            reason = "lỗi khi xử lý tệp"
        self._update(job.id, state="failed", status="error", finished_at=_now(),
                     message=f"Tệp «{job.document}»: {reason}.")
        return None

    def _ingest(self, job: Job, staged: Path) -> None:
        plan = self._parse(job, staged)           # outside every lock: workers parse side by side
        if plan is None:
            return
        # This process's jobs write in turn; the store takes the cross-process writer lock itself,
        # only for the rows and the vector-index sync, not while the chunks are embedded (a
        # delete or a CLI ingest beside the server must not wait minutes and time out).
        with self._write_turn:
            results = self.assistant.ingest([staged], parse=lambda path: plan)
        result = results[0] if results else None
        if result is None or not result.ok:
            message = (getattr(result, "message", "") or "").strip() or "không đọc được nội dung"
            self._update(job.id, state="failed", status=getattr(result, "status", "error") or "error",
                         finished_at=_now(), message=f"Tệp «{job.document}»: {message}")
            return
        target = self.uploads_dir / job.document
        with self._lock:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staged), target)
            self._hash_cache.pop(target, None)
        status = getattr(result, "status", "") or "added"
        done_message = {"added": "Đã thêm tài liệu.", "updated": "Đã cập nhật tài liệu.",
                        "unchanged": "Tài liệu không thay đổi."}.get(status, "Đã xử lý xong.")
        self._update(job.id, state="done", status=status, finished_at=_now(),
                     message=(getattr(result, "message", "") or "").strip() or done_message)
