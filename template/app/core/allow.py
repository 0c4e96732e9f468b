"""`Allow` tells every method a path accepts: an `OPTIONS` request is answered with it, and so
is a 405 (a path served by several routes, one per method, would otherwise name only the
methods of the first route it met).

CORS preflights never get here: `CORSMiddleware` answers them further out.
"""

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class AllowMiddleware:
    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # the app's own list: routes included later are seen too

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            allowed = self._allowed(scope["path"])
            if allowed:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", allowed.encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = self._allowed(scope["path"])
                if allowed:
                    headers = [item for item in message.get("headers", ()) if item[0] != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", allowed.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_allow)

    def _allowed(self, path: str) -> str:
        """`GET, DELETE, OPTIONS`: each method some route answers on `path` ("" if none).

        Asked of the routes themselves, as the router asks them, so routers included in
        routers (and their prefixes) are seen as they are served.
        """
        listed = [method for method in METHODS if self._answers(path, method)]
        return ", ".join([*listed, "OPTIONS"]) if listed else ""

    def _answers(self, path: str, method: str) -> bool:
        scope: Scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        for route in self.routes:
            if isinstance(route, Mount):  # static files: not an API resource
                continue
            match, _ = route.matches(dict(scope))
            if match == Match.FULL:
                return True
        return False
