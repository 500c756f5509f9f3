"""REST API (FastAPI) with the Gradio chat page mounted at "/".

One `Assistant` per app: it warms up once in a background thread at start-up (so /healthz
answers at once and /readyz says 503 until the index is loaded) and is shared by every request.
Read endpoints are public; write endpoints need `Authorization: Bearer <CCHC_ADMIN_TOKEN>` and
are refused outright (403) when no token is configured.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.config import Settings, get_settings
from assistant.conversation import MAX_HISTORY_ITEMS, HistoryError, clean_history
from assistant.csp import SecurityHeaders
from assistant.export import tasks_csv_text
from assistant.failures import storage_failure
from assistant.jobs import IngestQueue, Job, UploadRejected, worker_count
from assistant.locking import StoreBusy, store_write
from assistant.schemas import Answer, DocumentInfo, SearchHit, TaskOut
from assistant.security import (
    DeclaredBodyLimit,
    InvalidQuestion,
    RateLimiter,
    check_admin_token,
    clean_optional,
    clean_question,
    due_message,
    token_matches,
)
from assistant.service import Assistant
from ingest.errors import InvalidInput
from ingest.vntext import nfc

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD = 256 * 1024  # form boundaries and headers around the file itself
# -- request / response models --------------------------------------------

class HistoryTurn(BaseModel):
    question: str = Field(description="Câu hỏi của lượt trước")
    answer: str = Field("", description="Câu trả lời của lượt trước")


class AskRequest(BaseModel):
    question: str = Field(description="Câu hỏi, có dấu hoặc không dấu",
                          examples=["ai chu tri doi thoai voi nguoi dan o Di Linh"])
    commune: str | None = Field(None, description="Chỉ tìm trong kế hoạch của xã này", examples=["Di Linh"])
    history: list[HistoryTurn] | None = Field(
        None, max_length=MAX_HISTORY_ITEMS,
        description="Các lượt hỏi – đáp trước (gần nhất sau cùng); máy chủ không lưu phiên",
        examples=[[{"question": "Ai chủ trì việc rà soát TTHC ở Năm Dẫn?", "answer": "…"}]])


class ErrorOut(BaseModel):
    detail: str


class SearchResponse(BaseModel):
    query: str
    commune: str | None = None
    hits: list[SearchHit]


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: Literal["ready", "starting", "error"]
    documents: int = 0
    detail: str | None = Field(None, description="why the index could not be loaded (status error only)")


class RemovedOut(BaseModel):
    document: str
    removed: bool = True


def _errors(*codes: int) -> dict[int | str, dict]:
    return {code: {"model": ErrorOut} for code in codes}


# -- dependencies ----------------------------------------------------------

def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_ready_assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    if request.app.state.warmup_error:
        raise HTTPException(503, warmup_reason(request.app), headers={"Retry-After": "30"})
    if not assistant.ready:
        raise HTTPException(503, "Hệ thống đang khởi động, vui lòng thử lại sau giây lát.",
                            headers={"Retry-After": "5"})
    return assistant


AssistantDep = Annotated[Assistant, Depends(get_ready_assistant)]


def get_jobs(request: Request) -> IngestQueue:
    return request.app.state.jobs


JobsDep = Annotated[IngestQueue, Depends(get_jobs)]

_bearer = HTTPBearer(auto_error=False, description="Mã quản trị CCHC_ADMIN_TOKEN")


def require_admin(request: Request, settings: SettingsDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    if not settings.admin_token:
        raise HTTPException(403, "uploads disabled: máy chủ chưa cấu hình CCHC_ADMIN_TOKEN nên chức năng "
                                 "tải lên, xoá tài liệu bị tắt.")
    # Failed guesses are counted per client and refused without any sleep, so a guessing client
    # is stopped while every other client goes on at full speed.
    throttle: RateLimiter = request.app.state.login_throttle
    client = request.client.host if request.client else "unknown"
    wait = throttle.blocked(client)
    if wait:
        raise HTTPException(429, f"Nhập sai mã quản trị quá nhiều lần; vui lòng thử lại sau {wait} giây.",
                            headers={"Retry-After": str(wait)})
    if credentials is None or not token_matches(settings.admin_token, credentials.credentials):
        if credentials is not None:
            throttle.record(client)
        raise HTTPException(401, "Mã quản trị không đúng hoặc bị thiếu (Authorization: Bearer <mã>).",
                            headers={"WWW-Authenticate": "Bearer"})


AdminDep = Annotated[None, Depends(require_admin)]


def limit_rate(request: Request) -> None:
    limiter: RateLimiter = request.app.state.limiter
    client = request.client.host if request.client else "unknown"
    allowed, retry_after = limiter.hit(client)
    if not allowed:
        raise HTTPException(429, "Quá nhiều câu hỏi trong một phút, vui lòng thử lại sau.",
                            headers={"Retry-After": str(retry_after)})


RateLimitDep = Annotated[None, Depends(limit_rate)]


# -- helpers ---------------------------------------------------------------

def warmup_reason(app: FastAPI) -> str:
    """Why the index could not be loaded, in Vietnamese (the real cause when it is a storage one)."""
    error = app.state.warmup_error
    failure = storage_failure(error, app.state.settings.home) if isinstance(error, BaseException) else None
    cause = failure.message if failure is not None else "xem nhật ký máy chủ."
    return f"Hệ thống không mở được kho dữ liệu: {cause} Sửa xong thì khởi động lại máy chủ."


def question_or_400(text: str, settings: Settings) -> str:
    try:
        return clean_question(text, settings.max_question_chars)
    except InvalidQuestion as exc:
        raise HTTPException(400, str(exc)) from None


# -- routes ----------------------------------------------------------------

read_router = APIRouter(prefix="/api", tags=["hỏi đáp"])
write_router = APIRouter(prefix="/api", tags=["quản trị"])
upload_router = APIRouter(prefix="/api", tags=["quản trị"])
health_router = APIRouter(tags=["hệ thống"])


@read_router.post("/ask", response_model=Answer, summary="Hỏi đáp về kế hoạch CCHC",
                  responses=_errors(400, 413, 429, 503))
def ask(body: AskRequest, assistant: AssistantDep, settings: SettingsDep, _: RateLimitDep) -> Answer:
    question = question_or_400(body.question, settings)
    try:
        history = clean_history([t.model_dump() for t in body.history or []])
    except HistoryError as exc:
        raise HTTPException(400, str(exc)) from None
    return assistant.ask(question, commune=clean_optional(body.commune),
                         history=[{"question": t.question, "answer": t.answer} for t in history])


@read_router.get("/search", response_model=SearchResponse, summary="Tìm đoạn văn liên quan (có điểm số)",
                 responses=_errors(400, 503))
def search(assistant: AssistantDep, settings: SettingsDep,
           q: Annotated[str, Query(description="Nội dung cần tìm")],
           commune: Annotated[str | None, Query(description="Lọc theo xã")] = None,
           k: Annotated[int, Query(ge=1, le=50, description="Số đoạn trả về")] = 10) -> SearchResponse:
    query = question_or_400(q, settings)
    commune = clean_optional(commune)
    return SearchResponse(query=query, commune=commune, hits=assistant.search(query, commune=commune, k=k))


@read_router.get("/tasks", response_model=list[TaskOut], summary="Danh mục nhiệm vụ (lọc như `cchc tasks`)",
                 responses={200: {"content": {"text/csv": {}}}, **_errors(400, 503)})
def tasks(assistant: AssistantDep,
          commune: Annotated[str | None, Query(description="Xã")] = None,
          agency: Annotated[str | None, Query(description="Cơ quan chủ trì hoặc phối hợp")] = None,
          due: Annotated[str | None, Query(description="Thời hạn: 2026, quý II/2026, 2026-06, 30/6/2026")] = None,
          query: Annotated[str | None, Query(description="Từ khoá trong nội dung nhiệm vụ")] = None,
          ongoing: Annotated[bool, Query(description="Với `due`: thêm các nhiệm vụ thường xuyên "
                                                     "(due_status=ongoing) sau các nhiệm vụ đến hạn")] = False,
          format: Annotated[Literal["json", "csv"], Query(description="json hoặc csv")] = "json"):
    due = clean_optional(due)
    try:
        found = assistant.tasks(commune=clean_optional(commune), agency=clean_optional(agency), due=due,
                                query=clean_optional(query), include_ongoing=ongoing)
    except ValueError as exc:  # a `due` period the parser does not understand (PeriodError)
        if due is None:
            raise
        raise HTTPException(400, due_message(due, exc)) from None
    if format == "csv":
        return Response(tasks_csv_text(found), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="nhiem-vu.csv"'})
    return found


@read_router.get("/documents", response_model=list[DocumentInfo], summary="Tài liệu đã nạp",
                 responses=_errors(503))
def documents(assistant: AssistantDep) -> list[DocumentInfo]:
    return assistant.documents()


@read_router.get("/procedures", response_model=list[dict[str, Any]],
                 summary="Danh mục thủ tục hành chính (lọc như `cchc procedures`)", responses=_errors(400, 503))
def procedures(assistant: AssistantDep, settings: SettingsDep,
               q: Annotated[str | None, Query(description="Tên thủ tục hoặc cách gọi thường ngày")] = None,
               field: Annotated[str | None, Query(description="Lĩnh vực (có dấu hay không)")] = None,
               limit: Annotated[int, Query(ge=1, le=1000, description="Số thủ tục trả về")] = 500) -> list[dict]:
    from assistant.procedure_views import procedure_to_dict

    query = clean_optional(q)
    if query:
        query = question_or_400(query, settings)
    found = assistant.procedures(query=query, field=clean_optional(field), limit=limit)
    return [procedure_to_dict(p) for p in found]


@read_router.get("/procedures/{code}", response_model=dict[str, Any], summary="Một thủ tục, đầy đủ",
                 responses=_errors(404, 503))
def procedure(code: str, assistant: AssistantDep) -> dict:
    from assistant.procedure_views import procedure_to_dict

    found = assistant.procedure(nfc(code).strip())
    if found is None:
        raise HTTPException(404, f"Không có thủ tục mã «{nfc(code).strip()}» trong danh mục.")
    return procedure_to_dict(found, full=True)


@read_router.get("/jobs/{job_id}", response_model=Job, summary="Trạng thái xử lý một tệp tải lên",
                 responses=_errors(404))
def job_state(job_id: str, jobs: JobsDep) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"Không có công việc «{job_id}».")
    return job


_REJECT_STATUS = {"bad_name": 400, "empty": 400, "unsupported": 415, "too_large": 413, "unreadable": 422,
                  "duplicate": 409, "name_taken": 409, "lookalike": 409, "queue_full": 503,
                  "disk_full": 507, "read_only": 503}


@upload_router.post("/documents", status_code=202, response_model=Job,
                    summary="Tải lên kế hoạch (.txt .md .pdf .docx), xử lý nền",
                    responses=_errors(400, 401, 403, 409, 413, 415, 503))
def upload_document(file: UploadFile, response: Response, _: AdminDep, jobs: JobsDep,
                    settings: SettingsDep,
                    replace: Annotated[bool, Query(description="Thay văn bản cùng tên đã có (nội dung khác)")]
                    = False) -> Job:
    max_bytes = int(settings.max_file_mb * 1_048_576)
    data = file.file.read(max_bytes + 1)
    try:
        job = jobs.submit(file.filename or "", data, replace=replace)
    except UploadRejected as exc:
        headers = {"Retry-After": "10"} if exc.reason == "queue_full" else None
        raise HTTPException(_REJECT_STATUS[exc.reason], exc.message, headers=headers) from None
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job


@write_router.delete("/documents/{name}", response_model=RemovedOut, summary="Xoá một tài liệu",
                     responses=_errors(401, 403, 404, 503))
def delete_document(name: str, _: AdminDep, assistant: AssistantDep, jobs: JobsDep) -> RemovedOut:
    document = nfc(name).strip()
    try:
        with store_write(assistant.settings):   # one writer across worker processes
            removed = assistant.remove(document)
    except StoreBusy as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "10"}) from None
    if not removed:
        raise HTTPException(404, f"Không có tài liệu «{document}».")
    jobs.discard_upload(document)
    return RemovedOut(document=document)


@health_router.get("/healthz", response_model=HealthOut, summary="Tiến trình còn chạy")
def healthz() -> HealthOut:
    return HealthOut(status="ok")


@health_router.get("/readyz", response_model=ReadyOut, summary="Chỉ mục đã nạp, sẵn sàng trả lời",
                   responses={503: {"model": ReadyOut}}, response_model_exclude_none=True)
def readyz(request: Request):
    assistant: Assistant = request.app.state.assistant
    if request.app.state.warmup_error:
        return JSONResponse(ReadyOut(status="error", detail=warmup_reason(request.app)).model_dump(exclude_none=True),
                            status_code=503)
    if not assistant.ready:
        return JSONResponse(ReadyOut(status="starting").model_dump(exclude_none=True), status_code=503,
                            headers={"Retry-After": "5"})
    return ReadyOut(status="ready", documents=len(assistant.documents()))


# -- error handlers --------------------------------------------------------

def _is_upload(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/") == "/api/documents"


def _body_cap(settings: Settings, method: str, path: str) -> int | None:
    """Request-body cap in bytes for a REST path (None for the Gradio page, which has its own)."""
    if _is_upload(method, path):
        return int(settings.max_file_mb * 1_048_576) + MULTIPART_OVERHEAD
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return settings.max_body_kb * 1024
    return None


def _too_large_message(settings: Settings, method: str, path: str) -> str:
    limit = f"{settings.max_file_mb:g} MB" if _is_upload(method, path) else f"{settings.max_body_kb} KB"
    return f"Nội dung gửi lên quá lớn (tối đa {limit})."


async def _http_error(request: Request, exc: StarletteHTTPException):
    if exc.status_code == 413 and exc.detail == "Content Too Large":  # Starlette's streaming body cap
        message = _too_large_message(request.app.state.settings, request.method, request.url.path)
        exc = StarletteHTTPException(413, message, exc.headers)
    return await http_exception_handler(request, exc)


async def _invalid_input(request: Request, exc: InvalidInput):
    return JSONResponse({"detail": str(exc)}, status_code=400)


async def _server_error(request: Request, exc: Exception):
    failure = storage_failure(exc, request.app.state.settings.home)
    if failure is not None:  # a full disk or read-only home: say so, with a status that means it
        log.error("storage failure on %s %s: %s (%r)", request.method, request.url.path, failure.kind, exc)
        return JSONResponse({"detail": failure.message}, status_code=failure.status,
                            headers={"Retry-After": "60"} if failure.status == 503 else None)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Lỗi máy chủ nội bộ, vui lòng thử lại sau."}, status_code=500)


# -- the app ---------------------------------------------------------------

def create_app(assistant: Assistant | None = None, settings: Settings | None = None) -> FastAPI:
    """The API + chat page. Without arguments it reads settings from the environment (CCHC_*)
    and owns (warms up, later closes) its Assistant; a given assistant is shared, not closed.
    Called without arguments it is the app factory of `cchc serve --workers N`
    (`uvicorn --factory assistant.api:create_app`): one Assistant per worker process."""
    settings = settings or (assistant.settings if assistant is not None else get_settings())
    check_admin_token(settings.admin_token)  # refuse to start with a guessable staff token
    owns_assistant = assistant is None
    assistant = assistant if assistant is not None else Assistant(settings)
    max_upload_bytes = int(settings.max_file_mb * 1_048_576)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        def warm() -> None:
            try:
                assistant.warm_up()
            except Exception as exc:
                log.exception("warm-up failed")
                app.state.warmup_error = exc

        threading.Thread(target=warm, name="cchc-warmup", daemon=True).start()
        app.state.jobs.start()
        try:
            yield
        finally:
            app.state.jobs.stop()
            if owns_assistant:
                assistant.close()

    app = FastAPI(
        title="Sổ tay CCHC",
        summary="Hỏi đáp về kế hoạch cải cách hành chính của các xã, có trích dẫn nguồn.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.warmup_error = None
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.login_throttle = RateLimiter(settings.login_failures_per_minute)
    app.state.jobs = IngestQueue(assistant, settings.uploads_path, max_queued=settings.ingest_queue_size,
                                 max_bytes=max_upload_bytes, workers=worker_count(settings.ingest_workers),
                                 job_seconds=settings.ingest_job_seconds, limits=settings.document_limits)

    body_cap = settings.max_body_kb * 1024
    app.include_router(read_router, max_body_size=body_cap)
    app.include_router(write_router, max_body_size=body_cap)
    app.include_router(upload_router, max_body_size=max_upload_bytes + MULTIPART_OVERHEAD)
    app.include_router(health_router, max_body_size=body_cap)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(Exception, _server_error)
    app.add_middleware(DeclaredBodyLimit, limit_for=lambda method, path: _body_cap(settings, method, path),
                       message_for=lambda method, path: _too_large_message(settings, method, path))
    # Always installed: with no configured origins it allows none, and its presence also stops
    # Gradio from adding its own permissive CORS headers to the mounted page.
    app.add_middleware(SecurityHeaders)  # CSP: the page may load nothing from another host
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_methods=["GET", "POST", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"])

    from assistant.ui import mount_ui

    return mount_ui(app, assistant=assistant, settings=settings, jobs=app.state.jobs,
                    limiter=app.state.limiter)
