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
def _store(settings: Settings | None = None) -> Iterator:
    """The composition root with only its store open (cheap for ingest, documents, remove, tasks)."""
    from assistant.service import Assistant

    assistant = Assistant(settings or Settings()).open()
    try:
        yield assistant.store
    finally:
        assistant.close()


@contextlib.contextmanager
def _assistant(settings: Settings | None = None) -> Iterator:
    from assistant.service import Assistant

    assistant = Assistant(settings or Settings()).open()
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
    with _store(settings) as store:
        results = ingest_paths(store, paths, settings=settings, progress=progress, force=force)
    counts = {status: sum(r.status == status for r in results) for status in STATUS_LABELS}
    for r in results:
        if as_json:
            _out(r.to_dict())
        elif r.ok:
            detail = "" if r.status == "skipped" else \
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
    header = ("Văn bản", "Xã", "Tỉnh", "Năm", "Đoạn", "Nhiệm vụ", "Tiêu đề")
    rows = [(d.document, d.commune, d.province or "—", d.year or "—", str(d.chunks), str(d.tasks), d.title)
            for d in docs]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.rjust(w) if i in (4, 5) else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        typer.echo("  ".join(cells + [row[-1]]))


class TaskFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


class Role(str, Enum):
    lead = "lead"
    coordinator = "coordinator"
    any = "any"


@app.command()
def tasks(
    as_json: Annotated[bool, typer.Option("--json", help="Một dòng JSON cho mỗi nhiệm vụ.")] = False,
    commune: Annotated[Optional[str], typer.Option("--commune", help="Lọc theo xã (có dấu hay không).")] = None,
    agency: Annotated[Optional[str], typer.Option("--agency", help="Lọc theo cơ quan chủ trì.")] = None,
    due: Annotated[Optional[str], typer.Option("--due", help="Đến hạn trong: 2026-03, Quý I/2026, 2026...")] = None,
    query: Annotated[Optional[str], typer.Option("--query", help="Từ khóa trong nội dung nhiệm vụ.")] = None,
    document: Annotated[Optional[str], typer.Option("--document", help="Chỉ một văn bản.")] = None,
    role: Annotated[Role, typer.Option("--role", help="Vai trò của --agency: lead, coordinator, any.")] = Role.lead,
    ongoing: Annotated[bool, typer.Option("--ongoing", help="Với --due: in thêm nhiệm vụ thường xuyên (xếp sau).")] = False,
    fmt: Annotated[TaskFormat, typer.Option("--format", help="text, json hoặc csv.")] = TaskFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Ghi ra tệp thay vì stdout.")] = None,
) -> None:
    """Tra sổ nhiệm vụ: ai chủ trì, phối hợp, sản phẩm, thời hạn."""
    from assistant.export import source_label, task_to_out, write_tasks_csv

    with _assistant() as assistant:
        try:
            selection = assistant.task_selection(commune=commune, agency=agency, due=due, query=query,
                                                 document=document, role=role.value)
        except ValueError as exc:  # PeriodError: a `--due` period that cannot be read
            _err(str(exc))
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
def ask(
    question: Annotated[Optional[str], typer.Argument(help="Câu hỏi (có dấu hay không dấu).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Đối tượng trả lời dạng JSON.")] = False,
    commune: Annotated[Optional[str], typer.Option("--commune", help="Chỉ tìm trong kế hoạch của xã này.")] = None,
    batch: Annotated[Optional[Path], typer.Option("--batch", help="Tệp câu hỏi, mỗi dòng một câu hoặc một đối tượng JSON {question, history?, commune?} ('-' = stdin).")] = None,
) -> None:
    """Hỏi đáp có trích dẫn nguồn."""
    from assistant.service import Assistant

    if (question is None) == (batch is None):
        _err("Cần đúng một trong hai: CÂU HỎI hoặc --batch TỆP.")
        raise typer.Exit(2)
    if batch is not None:
        text = sys.stdin.read() if str(batch) == "-" else batch.read_text(encoding="utf-8-sig")
        try:
            requests = batch_requests(text, commune)
        except ValueError as exc:
            _err(str(exc))
            raise typer.Exit(2)
    else:
        requests = [{"question": question, "commune": commune, "history": []}]
    questions = [r["question"] for r in requests]
    assistant = Assistant(Settings())
    try:
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
                typer.echo(f"  [{i}] {where}")
                quoted = c.text.strip().replace("\n", "\n       ")
                typer.echo(f"      “{quoted}”")
        if len(questions) > 1:
            typer.echo("")


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

    if workers > 1:
        # Every worker process builds its own app and Assistant from the CCHC_* environment;
        # writes are serialised across them by the writer lock in $CCHC_HOME (assistant/locking.py).
        uvicorn.run("assistant.api:create_app", factory=True, host=host, port=port, workers=workers)
        return

    settings = Settings()
    params = inspect.signature(create_app).parameters
    app_ = create_app(settings=settings) if "settings" in params else create_app()
    uvicorn.run(app_, host=host, port=port)


@app.command(name="eval")
def evaluate(
    as_json: Annotated[bool, typer.Option("--json", help="Chỉ số dạng JSON.")] = False,
    question_set: Annotated[Optional[Path], typer.Option("--set", help="Tệp câu hỏi (JSONL).")] = None,
    baseline: Annotated[bool, typer.Option("--baseline", help="Chạy cả hệ cơ sở để so sánh.")] = False,
) -> None:
    """Chấm điểm trên bộ câu hỏi chuẩn của eval/."""
    from assistant.evaluation import main as eval_main

    code = eval_main(json_output=as_json, set_path=str(question_set) if question_set else None,
                     baseline=baseline)
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
