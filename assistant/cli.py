"""`cchc` command line. Contract: ../shared/DESIGN.md ("CLI and JSON contract").

JSON output is one object per line on stdout; progress and diagnostics go to stderr.
Every command reads its settings (and so $CCHC_HOME) from the environment.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import sys
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Sổ tay CCHC: hỏi đáp kế hoạch cải cách hành chính cấp xã (chạy ngoại tuyến).")

REPO = Path(__file__).resolve().parents[1]


def _out(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")


def _shown(text: str) -> str:
    """Text safe to print on a terminal: control characters (escape sequences) made visible."""
    return "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" for ch in text)


@contextlib.contextmanager
def _storage_errors(settings: Settings, what: str = "") -> Iterator[None]:
    """A full disk or a read-only home ends the command with its real cause and exit 1
    (`what` names what could not be done, e.g. the files of an ingest)."""
    from assistant.failures import storage_failure

    try:
        yield
    except Exception as exc:
        failure = storage_failure(exc, settings.home)
        if failure is None:
            raise
        _err(f"LỖI: {what}: {failure.message}" if what else f"LỖI: {failure.message}")
        raise typer.Exit(1) from None


@contextlib.contextmanager
def _store(settings: Settings | None = None, what: str = "") -> Iterator:
    """The composition root with only its store open (cheap for ingest, documents, remove, tasks)."""
    with _assistant(settings, what) as assistant:
        yield assistant.store


@contextlib.contextmanager
def _assistant(settings: Settings | None = None, what: str = "") -> Iterator:
    """The composition root (its store opened); a full disk or read-only home exits 1 with the cause."""
    from assistant.service import Assistant

    settings = settings or Settings()
    with _storage_errors(settings, what):
        settings.home.mkdir(parents=True, exist_ok=True)
        assistant = Assistant(settings).open()
        try:
            yield assistant
        finally:
            assistant.close()


# -- write path ---------------------------------------------------------------------------------

@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Tệp (.txt .md .pdf .docx) hoặc thư mục.")],
    as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi tệp.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Phân tích lại cả tệp không đổi.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Thanh tiến trình (stderr).")] = True,
) -> None:
    """Nạp tệp hoặc thư mục vào kho. Nạp lại tệp không đổi thì không tốn công."""
    from assistant.ingestion import STATUS_LABELS, ingest_paths

    settings = Settings()
    started = time.perf_counter()
    what = "không nạp được " + ", ".join(_shown(str(p)) for p in paths)
    with _store(settings, what) as store:
        results = ingest_paths(store, paths, settings=settings, progress=progress, force=force)
    counts = {status: sum(r.status == status for r in results) for status in STATUS_LABELS}
    for r in results:
        if as_json:
            _out(r.to_dict())
        elif r.ok:
            detail = "" if r.status == "skipped" else \
                f" ({r.chunks} đoạn, {r.procedures} thủ tục, {r.seconds:.1f} s)" if r.procedures else \
                f" ({r.chunks} đoạn, {r.tasks} nhiệm vụ, {r.targets} chỉ tiêu, {r.seconds:.1f} s)"
            note = f": {r.message}" if r.message else ""
            typer.echo(f"{STATUS_LABELS[r.status]:<12} {_shown(r.file)}{detail}{note}")
        if not r.ok:
            _err(f"LỖI  {_shown(r.file)}: {r.message}")
    files = sum(counts[s] for s in ("added", "updated", "unchanged", "error"))
    _err(f"{files} tệp: {counts['added']} thêm mới, {counts['updated']} cập nhật, "
         f"{counts['unchanged']} không đổi, {counts['error']} lỗi "
         f"({time.perf_counter() - started:.1f} s, kho: {settings.home})")
    if counts["error"]:
        raise typer.Exit(1)


@app.command()
def remove(document: Annotated[str, typer.Argument(help="Tên văn bản, như trong `cchc documents`.")]) -> None:
    """Xóa một văn bản và mọi dữ liệu suy ra từ nó (đoạn, vector, nhiệm vụ, chỉ tiêu)."""
    from assistant.security import clean_text

    document = clean_text(document).strip()
    with _store() as store:
        name = document if store.document(document) else Path(document).name
        if not store.remove(name):
            _err(f"Không có văn bản '{document}' trong kho. Xem danh sách: cchc documents")
            raise typer.Exit(1)
    typer.echo(f"Đã xóa {name}")


@app.command()
def reindex() -> None:
    """Dựng lại chỉ mục vector từ SQLite (chỉ mục cũ vẫn dùng được cho đến khi chỉ mục mới xong)."""
    started = time.perf_counter()
    with _store() as store:
        count = store.reindex()
    _err(f"Đã dựng lại chỉ mục vector: {count} đoạn ({time.perf_counter() - started:.1f} s)")


# -- read path ----------------------------------------------------------------------------------

@app.command()
def documents(as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi văn bản.")] = False) -> None:
    """Liệt kê các văn bản đã nạp."""
    with _store() as store:
        docs = store.documents()
    if as_json:
        for doc in docs:
            _out(doc.model_dump())
        return
    if not docs:
        _err("Kho chưa có văn bản nào. Nạp bằng: cchc ingest data/plans")
        return
    header = ("Văn bản", "Xã", "Tỉnh", "Năm", "Đoạn", "Nhiệm vụ", "Chất lượng", "Nguồn chữ", "Tiêu đề")
    rows = [(d.document, d.commune, d.province or "—", d.year or "—", str(d.chunks), str(d.tasks),
             f"{d.text_quality:.2f}" if d.text_quality is not None else "—", _text_source(d), d.title)
            for d in docs]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.rjust(w) if i in (4, 5, 6) else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        typer.echo("  ".join(cells + [row[-1]]))


def _text_source(doc) -> str:
    """Where a document's text came from: "OCR 91%" for a scan (mean word confidence), else the extractor."""
    if doc.ocr:
        return f"OCR {doc.ocr_confidence:.0f}%" if doc.ocr_confidence is not None else "OCR"
    return doc.extractor or "—"


@app.command()
def feedback(
    as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi góp ý.")] = False,
    rating: Annotated[Optional[str], typer.Option("--rating", help="Chỉ lấy 'up' (hữu ích) hoặc 'down' (chưa đúng).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Số góp ý mới nhất.")] = 500,
) -> None:
    """Đánh giá «Hữu ích»/«Chưa đúng» của người dùng về câu trả lời (mới nhất trước)."""
    from assistant.feedback import RATING_LABELS, FeedbackStore

    if rating not in (None, "up", "down"):
        _err(f"--rating phải là 'up' hoặc 'down', không phải «{_shown(rating)}».")
        raise typer.Exit(1)
    items = FeedbackStore(Settings().db_path).list(rating=rating, limit=limit)
    if as_json:
        for item in items:
            _out(item.model_dump())
        return
    if not items:
        _err("Chưa có góp ý nào.")
        return
    for item in items:
        typer.echo(f"#{item.id}  {item.created}  {RATING_LABELS[item.rating]}  {_shown(item.question)}")
        if item.comment:
            typer.echo(f"    Góp ý: {_shown(item.comment)}")


class TaskFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


class Role(str, Enum):
    lead = "lead"
    coordinator = "coordinator"
    monitor = "monitor"
    any = "any"


@app.command()
def tasks(
    as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi nhiệm vụ.")] = False,
    commune: Annotated[Optional[str], typer.Option("--commune", help="Lọc theo xã (có dấu hay không).")] = None,
    agency: Annotated[Optional[str], typer.Option("--agency", help="Lọc theo cơ quan chủ trì.")] = None,
    due: Annotated[Optional[str], typer.Option("--due", help="Đến hạn trong: 2026-03, Quý I/2026, 2026...")] = None,
    query: Annotated[Optional[str], typer.Option("--query", help="Từ khóa trong nội dung nhiệm vụ.")] = None,
    document: Annotated[Optional[str], typer.Option("--document", help="Chỉ một văn bản.")] = None,
    role: Annotated[Role, typer.Option("--role", help="Vai trò của --agency: lead, coordinator, monitor, any.")] = Role.lead,
    ongoing: Annotated[bool, typer.Option("--ongoing", help="Với --due: in thêm nhiệm vụ thường xuyên (xếp sau).")] = False,
    fmt: Annotated[TaskFormat, typer.Option("--format", help="text, json hoặc csv.")] = TaskFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Ghi ra tệp thay vì stdout.")] = None,
) -> None:
    """Tra sổ nhiệm vụ: ai chủ trì, phối hợp, sản phẩm, thời hạn."""
    from assistant.export import source_label, task_to_out, write_tasks_csv
    from assistant.security import clean_optional, due_message

    # undecodable bytes in arguments reach us as lone surrogates: dropped before any lookup
    commune, agency, due, query, document = map(clean_optional, (commune, agency, due, query, document))
    with _assistant() as assistant:
        try:
            selection = assistant.task_selection(commune=commune, agency=agency, due=due, query=query,
                                                 document=document, role=role.value)
        except ValueError as exc:  # PeriodError: a `--due` period that cannot be read
            _err(due_message(due, exc) if due else str(exc))
            raise typer.Exit(2)
    status = "due" if due else ""
    records = selection.tasks + (selection.ongoing if ongoing else [])
    rows = [task_to_out(t, status) for t in selection.tasks] + \
        ([task_to_out(t, "ongoing") for t in selection.ongoing] if ongoing else [])
    if as_json:
        fmt = TaskFormat.json
    with (output.open("w", encoding="utf-8-sig" if fmt is TaskFormat.csv else "utf-8", newline="")
          if output else contextlib.nullcontext(sys.stdout)) as stream:
        if fmt is TaskFormat.csv:
            write_tasks_csv(rows, stream)
        elif fmt is TaskFormat.json:
            for row in rows:
                stream.write(json.dumps(row.model_dump(), ensure_ascii=False) + "\n")
        else:
            for n, (row, record) in enumerate(zip(rows, records)):
                if n == len(selection.tasks):
                    stream.write("\nThường xuyên (không tính là đến hạn):\n")
                number = f"{row.number}. " if row.number else ""
                stream.write(f"[{row.commune or row.document}] {number}{row.task}\n")
                for label, value in (("Chủ trì", row.lead), ("Phối hợp", row.coordinators),
                                     ("Sản phẩm", row.product), ("Thời hạn", row.deadline),
                                     ("Nguồn", f"{row.document} › {source_label(record.source)}")):
                    if value:
                        stream.write(f"    {label}: {value}\n")
    summary = f"{len(selection.tasks)} nhiệm vụ"
    if due:
        summary += f" đến hạn; thường xuyên: {len(selection.ongoing)}" + ("" if ongoing else " (xem: --ongoing)")
    _err(summary)


def batch_requests(text: str, commune: str | None = None) -> list[dict]:
    """The requests of a `--batch` file: a plain line is a question; a line starting with `{` is
    a JSON object `{"question", "history"?, "commune"?}` (a turn of a conversation)."""
    from assistant.conversation import HistoryError, clean_history

    requests = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("{"):
            requests.append({"question": line, "commune": commune, "history": []})
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError("thiếu trường “question”")
            history = clean_history(item.get("history"))
        except (ValueError, HistoryError) as exc:
            raise ValueError(f"Dòng {number} của tệp câu hỏi không đọc được: {exc}") from None
        requests.append({"question": item["question"], "commune": item.get("commune") or commune,
                         "history": [{"question": t.question, "answer": t.answer} for t in history]})
    return requests


@app.command()
def procedures(
    as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi thủ tục.")] = False,
    field: Annotated[Optional[str], typer.Option("--field", help="Lọc theo lĩnh vực (có dấu hay không).")] = None,
    query: Annotated[Optional[str], typer.Option("--query", help="Tìm theo tên thủ tục, cách gọi thường ngày.")] = None,
) -> None:
    """Danh mục thủ tục hành chính đã nạp (bản ghi của Cổng Dịch vụ công quốc gia)."""
    from assistant.procedure_views import procedure_to_dict

    with _assistant() as assistant:
        found = assistant.procedures(query=query, field=field)
    for procedure in found:
        if as_json:
            _out(procedure_to_dict(procedure))
        else:
            typer.echo(f"{procedure.code:<10} {_shown(procedure.name)}  [{_shown(procedure.field) or '—'}]")
    _err(f"{len(found)} thủ tục")


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="Câu hỏi (có dấu hay không dấu).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Đối tượng trả lời dạng JSON.")] = False,
    commune: Annotated[Optional[str], typer.Option("--commune", help="Chỉ tìm trong kế hoạch của xã này.")] = None,
    batch: Annotated[Optional[Path], typer.Option("--batch", help="Tệp câu hỏi, mỗi dòng một câu hoặc một đối tượng JSON {question, history?, commune?} ('-' = stdin).")] = None,
) -> None:
    """Hỏi đáp có trích dẫn nguồn."""
    from assistant.security import InvalidQuestion, clean_optional, clean_question
    from assistant.service import Assistant

    if (question is None) == (batch is None):
        _err("Cần đúng một trong hai: CÂU HỎI hoặc --batch TỆP.")
        raise typer.Exit(2)
    settings = Settings()
    if batch is not None:
        try:
            requests = batch_requests(_batch_text(batch), clean_optional(commune))
        except ValueError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None
    else:
        try:  # bytes the terminal could not decode reach us as lone surrogates: dropped here
            requests = [{"question": clean_question(question, settings.max_question_chars),
                         "commune": clean_optional(commune), "history": []}]
        except InvalidQuestion as exc:
            _err(f"LỖI: {exc}")
            raise typer.Exit(1) from None
    questions = [r["question"] for r in requests]
    assistant = Assistant(settings)
    try:
        with _storage_errors(settings):
            answers = assistant.ask_requests(requests)
    finally:
        assistant.close()
    for q, answer in zip(questions, answers):
        if as_json:
            _out(answer.model_dump())
            continue
        if len(questions) > 1:
            typer.echo(f"? {q}")
        typer.echo(answer.answer)
        if answer.citations:
            typer.echo("\nNguồn:")
            for i, c in enumerate(answer.citations, 1):
                where = " › ".join(x for x in (c.document, c.section) if x)
                typer.echo(f"  [{i}] {where}" + (f" {c.note}" if c.note else ""))
                quoted = c.text.strip().replace("\n", "\n       ")
                typer.echo(f"      “{quoted}”")
        if len(questions) > 1:
            typer.echo("")


def _batch_text(batch: Path) -> str:
    """The text of a --batch file or stdin (one request per line); bytes that are not UTF-8 are
    dropped with a note naming the lines, never a traceback."""
    from assistant.security import decode_lines

    try:
        data = sys.stdin.buffer.read() if str(batch) == "-" else batch.read_bytes()
    except OSError as exc:
        _err(f"LỖI  {_shown(str(batch))}: không đọc được tệp câu hỏi: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    lines, damaged = decode_lines(data)
    if damaged:
        _err(f"Chú ý: {_shown(str(batch))} có byte không phải UTF-8 ở dòng "
             f"{', '.join(map(str, damaged[:10]))}; đã bỏ các byte đó.")
    return "\n".join(lines)


# -- services and tools -------------------------------------------------------------------------

@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Cổng.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1,
                                         help="Số tiến trình phục vụ dùng chung một kho dữ liệu.")] = 1,
) -> None:
    """Chạy API (/api/...) và trang hỏi đáp (/)."""
    import uvicorn

    from assistant.api import create_app
    from assistant.security import WeakAdminToken, check_admin_token

    if workers > 1:
        # Every worker process builds its own app and Assistant from the CCHC_* environment;
        # writes are serialised across them by the writer lock in $CCHC_HOME (assistant/locking.py).
        uvicorn.run("assistant.api:create_app", factory=True, host=host, port=port, workers=workers)
        return

    settings = Settings()
    try:
        check_admin_token(settings.admin_token)
    except WeakAdminToken as exc:
        _err(f"LỖI: {exc}")
        raise typer.Exit(1) from None
    params = inspect.signature(create_app).parameters
    app_ = create_app(settings=settings) if "settings" in params else create_app()
    uvicorn.run(app_, host=host, port=port)


@app.command(name="eval")
def evaluate(
    as_json: Annotated[bool, typer.Option("--json", help="Chỉ số dạng JSON.")] = False,
    question_set: Annotated[Optional[Path], typer.Option("--set", help="Tệp câu hỏi (JSONL).")] = None,
    baseline: Annotated[bool, typer.Option("--baseline", help="Chạy cả hệ cơ sở để so sánh.")] = False,
    corpus: Annotated[Optional[list[Path]], typer.Option(
        "--corpus", help="Chấm trên các kế hoạch này (tệp hoặc thư mục; ví dụ bản .docx/.pdf) thay vì data/plans; "
                         "lặp lại được; dùng CCHC_HOME mới.")] = None,
    procedure_set: Annotated[Optional[Path], typer.Option(
        "--procedure-set", help="Chỉ chấm bộ câu hỏi thủ tục này (JSONL, như eval/questions_procedures.jsonl).")] = None,
) -> None:
    """Chấm điểm trên bộ câu hỏi chuẩn của eval/."""
    from assistant.evaluation import main as eval_main

    if procedure_set is not None:
        from assistant.evaluation import procedure_set_main

        raise typer.Exit(int(procedure_set_main(str(procedure_set), json_output=as_json) or 0))
    missing = [str(p) for p in corpus or () if not p.exists()]
    if missing:
        _err(f"LỖI: không tìm thấy {', '.join(missing)}")
        raise typer.Exit(2)
    code = eval_main(json_output=as_json, set_path=str(question_set) if question_set else None,
                     baseline=baseline, corpus=corpus or None)
    raise typer.Exit(int(code or 0))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, add_help_option=False)
def bench(ctx: typer.Context) -> None:
    """Đo tốc độ nạp và truy vấn (eval/bench.py); mọi tham số được chuyển tiếp."""
    script = REPO / "eval" / "bench.py"
    if not script.exists():
        _err(f"Chưa có công cụ đo: không tìm thấy {script}")
        raise typer.Exit(1)
    spec = importlib.util.spec_from_file_location("cchc_bench", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(list(ctx.args))
    raise typer.Exit(int(code or 0))


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")
    app()


if __name__ == "__main__":
    main()
