"""Input limits and access checks shared by the REST API, the chat page and the CLI: text
cleaning (lone surrogates, undecodable bytes), the staff-token rules and check, and a per-client
sliding-window limiter (questions per minute, failed staff logins per minute).

(Request-body caps use FastAPI's own `max_body_size`, set per router in `assistant.api`.)"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable

from ingest.errors import InvalidInput
from ingest.vntext import nfc

MIN_TOKEN_CHARS = 24
MIN_TOKEN_DISTINCT = 8
MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class InvalidQuestion(InvalidInput):
    """A question refused before it reaches the answerer; the message is user-facing."""


class WeakAdminToken(InvalidInput):
    """CCHC_ADMIN_TOKEN is set but too short or too regular to resist guessing."""


def clean_text(text: str | None) -> str:
    """NFC text without lone surrogates (JSON "\\udcff", undecodable bytes smuggled in by the OS as
    surrogate escapes), replacement characters or control characters (made spaces)."""
    kept = []
    for ch in text or "":
        category = unicodedata.category(ch)
        if category == "Cs" or ch == "\ufffd":
            continue
        kept.append(" " if category == "Cc" else ch)
    return nfc("".join(kept))


def decode_lines(data: bytes) -> tuple[list[str], list[int]]:
    """Lines of UTF-8 text a user gave (BOM dropped), each cleaned by `clean_text`, and the 1-based
    numbers of the lines that held bytes which are not UTF-8 (those bytes are dropped)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines, damaged = [], []
    for number, raw in enumerate(data.splitlines(), 1):
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" in text and "\ufffd".encode() not in raw:
            damaged.append(number)
        lines.append(clean_text(text))
    return lines, damaged


def clean_question(text: str | None, max_chars: int) -> str:
    """NFC, trimmed question text, or `InvalidQuestion` when empty or longer than `max_chars`."""
    question = clean_text(text).strip()
    if not question:
        raise InvalidQuestion("Câu hỏi trống: vui lòng nhập nội dung cần hỏi.")
    if len(question) > max_chars:
        raise InvalidQuestion(f"Câu hỏi quá dài ({len(question)} ký tự); tối đa {max_chars} ký tự.")
    return question


def clean_optional(text: str | None) -> str | None:
    """NFC, trimmed filter value; None when blank."""
    value = clean_text(text).strip()
    return value or None


def user_message(exc: BaseException, fallback: str) -> str:
    """The message to show for a refused input: its own when it is a user-facing `InvalidInput`,
    else `fallback` (a library's English text such as "month must be in 1..12" never leaks)."""
    return str(exc) if isinstance(exc, InvalidInput) and str(exc) else fallback


def due_message(due: str, exc: ValueError) -> str:
    """The 400 / stderr message for a `due` period that could not be read."""
    return user_message(exc, f"Không hiểu thời hạn «{due}»: cần một khoảng thời gian có thật. Ví dụ hợp lệ: "
                             "2026, quý II/2026, 2026-06, tháng 6/2026, 30/6/2026.")


def check_admin_token(token: str) -> None:
    """Refuse a configured staff token that could be guessed. Empty means "no staff access"."""
    if not token:
        return
    if len(token) < MIN_TOKEN_CHARS or len(set(token)) < MIN_TOKEN_DISTINCT:
        raise WeakAdminToken(
            f"CCHC_ADMIN_TOKEN quá ngắn hoặc dễ đoán ({len(token)} ký tự): cần ít nhất {MIN_TOKEN_CHARS} ký tự "
            f"ngẫu nhiên. Tạo một mã bằng: {MAKE_TOKEN}")


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time staff-token check. An unconfigured (empty) token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class RateLimiter:
    """Sliding one-minute window per client key. `limit_per_minute <= 0` disables it."""

    def __init__(self, limit_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit_per_minute
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str) -> tuple[bool, int]:
        """Record one request for `key`. Returns (allowed, seconds to wait when refused)."""
        return self._check(key, record=True)

    def blocked(self, key: str) -> int:
        """Seconds `key` must wait (0 = may go on), without recording anything: for failed logins,
        checked before the token is compared and recorded only when it was wrong."""
        return self._check(key, record=False)[1]

    def record(self, key: str) -> None:
        """Count one event (a failed login) for `key`, even past the limit."""
        if self.enabled:
            with self._lock:
                now = self._clock()
                self._window(key, now).append(now)

    def _window(self, key: str, now: float) -> deque[float]:
        window = self._hits.setdefault(key, deque())
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
            for stale in [k for k, w in self._hits.items() if k != key and (not w or now - w[-1] >= 60.0)]:
                del self._hits[stale]
        return window

    def _check(self, key: str, record: bool) -> tuple[bool, int]:
        if not self.enabled:
            return True, 0
        now = self._clock()
        with self._lock:
            window = self._window(key, now)
            if len(window) >= self.limit:
                return False, max(1, math.ceil(60.0 - (now - window[-self.limit])))
            if record:
                window.append(now)
            return True, 0


class DeclaredBodyLimit:
    """Pure ASGI guard: refuses a request whose declared Content-Length is above the cap for its
    path with a JSON 413 before any of the body is read. Bodies without a Content-Length (chunked)
    are still capped while streaming by FastAPI's `max_body_size` on the routers."""

    def __init__(self, app, limit_for: Callable[[str, str], int | None],
                 message_for: Callable[[str, str], str]) -> None:
        self.app = app
        self.limit_for = limit_for
        self.message_for = message_for

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            limit = self.limit_for(method, path)
            declared = _declared_length(scope)
            if limit is not None and declared is not None and declared > limit:
                body = json.dumps({"detail": self.message_for(method, path)}, ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
