"""Abuse limits for the page: per-client throttling of wrong staff tokens (no sleeping inside an
event, so nobody else waits), a gate on Gradio's upload endpoint, and the page's `lang`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import unquote

from assistant.security import token_matches

STAFF_COOKIE = "cchc_staff"


class LoginThrottle:
    """After `max_failures` wrong tokens within `window` seconds a client is refused for `lockout`
    seconds. The check is a dictionary look-up: refused clients cost nothing and wait in no queue."""

    def __init__(self, max_failures: int = 5, window: float = 300, lockout: float = 60,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.lockout, self.clock = max_failures, window, lockout, clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds this client must still wait (0: may try)."""
        with self._lock:
            until = self._locked_until.get(client, 0.0)
            left = until - self.clock()
            if left <= 0:
                self._locked_until.pop(client, None)
                return 0
            return int(left) + 1

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.window] + [now]
            if len(recent) >= self.max_failures:
                self._locked_until[client] = now + self.lockout
                recent = []
            self._failures[client] = recent
            if len(self._failures) > 10_000:  # forget the oldest clients rather than grow without bound
                for key in list(self._failures)[:5_000]:
                    self._failures.pop(key, None)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def check(self, expected: str, given: str | None, client: str) -> tuple[bool, str]:
        """(accepted, Vietnamese message)."""
        wait = self.retry_after(client)
        if wait:
            return False, f"Nhập sai mã quản trị quá nhiều lần; vui lòng thử lại sau {wait} giây."
        if expected and token_matches(expected, given):
            self.succeeded(client)
            return True, "Đã xác nhận mã quản trị."
        self.failed(client)
        return False, "Mã quản trị không đúng."


def _client(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class StaffUploadGate:
    """Gradio's `/gradio_api/upload` accepts files from anyone; here it takes them only with the staff
    token in the `cchc_staff` cookie (set by the page when staff type the token). Upload-like Gradio
    endpoints the page never uses are closed outright."""

    CLOSED = ("/gradio_api/process_recording", "/gradio_api/vibe", "/gradio_api/undo-vibe")

    def __init__(self, app, admin_token: str, throttle: LoginThrottle) -> None:
        self.app, self.admin_token, self.throttle = app, admin_token, throttle

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(self.CLOSED):
            await _refuse(send, 403, "Chức năng này bị tắt.")
            return
        if path.rstrip("/") == "/gradio_api/upload" and scope.get("method") == "POST":
            client = _client(scope)
            accepted, message = self.throttle.check(self.admin_token, self._cookie_token(scope), client)
            if not accepted:
                await _refuse(send, 429 if "thử lại sau" in message else 403,
                              "Tải tệp lên chỉ dành cho cán bộ đã nhập đúng mã quản trị. " + message)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _cookie_token(scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    return None
                if STAFF_COOKIE in jar:
                    return unquote(jar[STAFF_COOKIE].value)
        return None


class VietnamesePageLang:
    """Gradio's page template says `<html lang="en">`; the page is Vietnamese, so say so in the HTML
    itself (screen readers and spell checkers read it before any script runs)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in ("/", ""):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                headers = list(start.get("headers", []))
                names = {n.lower(): v for n, v in headers}
                body = b"".join(chunks)
                if b"text/html" in names.get(b"content-type", b"") and b"content-encoding" not in names:
                    body = body.replace(b'lang="en"', b'lang="vi"', 1)
                    headers = [(n, v) for n, v in headers if n.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, capture)
