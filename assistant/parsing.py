"""Parsing an uploaded file in a child process, with a time limit.

The upload queue (`assistant.jobs`) never parses in the serving process: a hostile or merely
huge file would hold a core and the GIL for minutes, and a Python thread cannot be stopped. Each
job's parse (`ingest.pipeline.parse_file`, pure) runs in a process forked from a small, clean
fork server (`multiprocessing` "forkserver", `ingest.pipeline` preloaded), sends its `ParsedPlan`
back through a pipe, and is killed when it runs past `seconds`. Errors come back as the same
`IngestError` / `OSError` the in-process parse raises, so the write path reports them the same way.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.errors import IngestError
from ingest.limits import DocumentLimits
from ingest.loaders import document_name
from ingest.models import ParsedPlan

log = logging.getLogger(__name__)

_context = None
_context_lock = threading.Lock()


def _mp_context():
    global _context
    with _context_lock:
        if _context is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if context.get_start_method() == "forkserver":
                context.set_forkserver_preload(["ingest.pipeline", "assistant.parsing"])
            _context = context
        return _context


def _parse_in_child(conn, path: str, limits: DocumentLimits) -> None:
    """Child side: parse and send ("ok", plan) or the error as plain values (IngestError's
    constructor takes three fields, so it is rebuilt on the other side, not pickled)."""
    try:
        from ingest.pipeline import parse_file

        message: tuple = ("ok", parse_file(path, limits))
    except IngestError as exc:
        message = ("ingest_error", exc.document, exc.reason_vi, exc.reason_en)
    except OSError as exc:
        message = ("os_error", exc.errno, exc.strerror or str(exc), exc.filename)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the job
        message = ("error", type(exc).__name__, str(exc))
    try:
        conn.send(message)
    finally:
        conn.close()


def parse_with_time_limit(path: Path, limits: DocumentLimits, seconds: float) -> ParsedPlan:
    """`parse_file(path, limits)` in a child process killed after `seconds` (0: no limit).
    Raises `IngestError` (including for the time limit), `OSError`, or `RuntimeError`."""
    name = document_name(path)
    context = _mp_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_parse_in_child, args=(send, str(path), limits), name="cchc-parse")
    try:
        process.start()
    except Exception:  # noqa: BLE001 - e.g. a daemonic serving process may not have children
        receive.close()
        send.close()
        log.warning("cannot start a parse process; parsing %s in this process, without a time limit", name,
                    exc_info=True)
        from ingest.pipeline import parse_file

        return parse_file(path, limits)
    send.close()
    try:
        if not receive.poll(seconds if seconds and seconds > 0 else None):
            raise over_time(name, seconds)
        try:
            message = receive.recv()
        except EOFError:
            raise IngestError(name, "tiến trình xử lý tệp dừng bất thường (tệp có thể làm hỏng trình đọc)",
                              f"parser process died (exit code {process.exitcode})") from None
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(10)
    kind, *fields = message
    if kind == "ok":
        return fields[0]
    if kind == "ingest_error":
        raise IngestError(*fields)
    if kind == "os_error":
        number, text, filename = fields
        raise OSError(number, text, filename)
    raise RuntimeError(f"{fields[0]}: {fields[1]}")


def over_time(name: str, seconds: float) -> IngestError:
    """The one error for a parse that ran past its time limit (child process or in-process)."""
    return IngestError(name, f"xử lý tệp quá thời gian cho phép ({seconds:g} giây; đặt "
                             f"CCHC_INGEST_JOB_SECONDS để đổi)", f"parsing took over {seconds:g} s")


class _OverTime(BaseException):
    """Raised by the alarm; a BaseException so a parser's `except Exception` cannot swallow it."""


@contextmanager
def time_limit(name: str, seconds: float) -> Iterator[None]:
    """Stop an in-process parse (`cchc ingest`, which keeps its OCR progress bar) after `seconds`
    with `over_time`, by SIGALRM. Only in the main thread of a Unix process; elsewhere, and with
    0, no limit (the serving process parses in children instead: `parse_with_time_limit`)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "SIGALRM")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _OverTime

    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)   # someone else's alarm, kept running
    if outer_left and outer_left <= seconds:
        yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OverTime:
        raise over_time(name, seconds) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 0.001))
