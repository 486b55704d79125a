"""A small stand-in for GitHub's OAuth web flow and the one API call allauth makes: enough for
"sign in with GitHub" tests without the network. It checks what GitHub checks (client id and
secret, the code, the redirect URI, the token) and answers as GitHub documents."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


class FakeGitHubOAuth:
    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.user = {"id": 4242, "login": "Octo-Dev", "name": "Octo Dev", "email": None}
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.tokens: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/login/oauth/authorize":
                    if query.get("client_id") != fake.client_id:
                        return self._json(404, {"error": "not found"})
                    code = secrets.token_hex(10)
                    fake.codes[code] = query["redirect_uri"]
                    self.send_response(302)
                    target = {"code": code, "state": query.get("state", "")}
                    self.send_header("Location", f"{query['redirect_uri']}?{urlencode(target)}")
                    self.end_headers()
                    return None
                if url.path == "/api/v3/user":
                    token = self.headers.get("Authorization", "").removeprefix("token ")
                    if token not in fake.tokens:
                        return self._json(401, {"message": "Bad credentials"})
                    return self._json(200, fake.user)
                return self._json(404, {"message": "Not Found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/login/oauth/access_token":
                    return self._json(404, {"message": "Not Found"})
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.headers.get("Authorization", "").startswith("Basic "):
                    import base64

                    raw = base64.b64decode(self.headers["Authorization"][6:]).decode()
                    form.setdefault("client_id", raw.split(":", 1)[0])
                    form.setdefault("client_secret", raw.split(":", 1)[1])
                redirect_uri = fake.codes.pop(form.get("code", ""), None)
                if (
                    form.get("client_id") != fake.client_id
                    or form.get("client_secret") != fake.client_secret
                    or redirect_uri is None
                    or form.get("redirect_uri", redirect_uri) != redirect_uri
                ):
                    # GitHub answers 200 with an error body for a bad code.
                    return self._json(200, {"error": "bad_verification_code"})
                token = "gho_" + secrets.token_hex(16)
                fake.tokens.add(token)
                return self._json(200, {"access_token": token, "token_type": "bearer"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
