"""A local stand-in for the two WeChat API calls the channel makes, for tests and offline demos.

    GET  /cgi-bin/token?grant_type=client_credential&appid=…&secret=…   → {"access_token": …, "expires_in": 7200}
    POST /cgi-bin/message/custom/send?access_token=…                    → records the customer-service message

Point the channel at it with WECHAT_API_BASE_URL=http://127.0.0.1:<port>/cgi-bin/ (or `api_base_url` in
credentials). It checks the app id/secret and the access token the way WeChat does (errcode 40001 / 40013).
Runs in a thread on 127.0.0.1 only.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlparse


class WeChatApiStub:
    def __init__(self, app_id: str, app_secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.messages: List[Dict[str, Any]] = []
        self.token_requests = 0
        self.issued_tokens: List[str] = []
        self._lock = threading.Condition()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, payload: Dict[str, Any]) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path.endswith("/token"):
                    if query.get("appid") != stub.app_id:
                        return self._json({"errcode": 40013, "errmsg": "invalid appid"})
                    if query.get("secret") != stub.app_secret:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    with stub._lock:
                        stub.token_requests += 1
                        token = f"stub-token-{stub.token_requests}"
                        stub.issued_tokens.append(token)
                    return self._json({"access_token": token, "expires_in": 7200})
                self.send_error(404)

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length).decode("utf-8") or "{}")
                if url.path.endswith("/message/custom/send"):
                    if query.get("access_token") not in stub.issued_tokens:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
                    with stub._lock:
                        stub.messages.append(payload)
                        stub._lock.notify_all()
                    return self._json({"errcode": 0, "errmsg": "ok"})
                self.send_error(404)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="wechat-api-stub", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/cgi-bin/"

    def start(self) -> "WeChatApiStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def messages_to(self, openid: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("touser") == openid]

    def wait_for_messages(self, openid: str, count: int = 1, timeout: float = 30.0) -> List[Dict[str, Any]]:
        """The customer-service messages sent to `openid`, once there are `count` (or at the timeout)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if m.get("touser") == openid]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._lock.wait(remaining)

    def __enter__(self) -> "WeChatApiStub":
        return self.start()

    def __exit__(self, *exc: Optional[Any]) -> None:
        self.stop()
