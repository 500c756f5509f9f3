"""Input limits and access checks shared by the REST API and the chat page: question
cleaning, the staff-token check and a per-client rate limiter.

(Request-body caps use FastAPI's own `max_body_size`, set per router in `assistant.api`.)"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from ingest.vntext import nfc


class InvalidQuestion(ValueError):
    """A question refused before it reaches the answerer; the message is user-facing."""


def clean_question(text: str | None, max_chars: int) -> str:
    """NFC, trimmed question text, or `InvalidQuestion` when empty or longer than `max_chars`."""
    question = nfc(text or "").strip()
    if not question:
        raise InvalidQuestion("Câu hỏi trống: vui lòng nhập nội dung cần hỏi.")
    if len(question) > max_chars:
        raise InvalidQuestion(f"Câu hỏi quá dài ({len(question)} ký tự); tối đa {max_chars} ký tự.")
    return question


def clean_optional(text: str | None) -> str | None:
    """NFC, trimmed filter value; None when blank."""
    value = nfc(text or "").strip()
    return value or None


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
        if not self.enabled:
            return True, 0
        now = self._clock()
        with self._lock:
            window = self._hits.setdefault(key, deque())
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= self.limit:
                return False, max(1, math.ceil(60.0 - (now - window[0])))
            window.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for stale in [k for k, w in self._hits.items() if not w or now - w[-1] >= 60.0]:
                    del self._hits[stale]
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
