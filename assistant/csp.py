"""Security headers on every response (page and API): a Content-Security-Policy that lets the page
load only its own scripts, styles, fonts and images, so text from a plan can never make a visitor's
browser contact another host (an image "beacon", a remote script, a web font).

Gradio's page needs inline scripts (its config is an inline <script>) and inline styles, and its
plots evaluate Vega expressions, hence 'unsafe-inline' / 'unsafe-eval'; what matters here is that
every source is 'self' (or data:/blob: URLs the page makes itself), never a remote host.
"""

from __future__ import annotations

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
))

HEADERS = (
    (b"content-security-policy", POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)


class SecurityHeaders:
    """Pure ASGI middleware (streams untouched): adds HEADERS unless a response already set one."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
