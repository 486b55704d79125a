"""A small stand-in for MinIO's admin API (`/minio/admin/v3/...`), for the calls Polise makes.

No MinIO server can be installed on these machines, and moto (which serves the S3 side in
the tests) has no MinIO admin API. This fake checks every request the way MinIO documents
and implements them (madmin-go, the admin API's reference client, and MinIO's
cmd/admin-router.go):

- the path is `/minio/admin/v3/<command>` with the HTTP method MinIO routes it with;
- the query carries the parameters the command requires;
- the request is signed with AWS Signature V4 by the admin's access key, for service `s3` and
  the configured region, and `x-amz-content-sha256` is the hash of the body; the signature is
  recomputed here, independently of the client's signer;
- bodies MinIO expects encrypted (add-user) are sealed with the admin's secret key in madmin's
  format (Argon2id key, AES-GCM or ChaCha20-Poly1305 stream); they are opened and read here;
- a canned policy is an IAM-style document: Version, and Statements with Effect, Action and
  Resource.

Anything else is recorded in `violations`, which the fixture turns into a test failure. The
state (`users`, `policies`) lets tests check what Polise set up.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from minio.crypto import decrypt

# command -> (method, required query parameters, body: "encrypted" | "json" | None)
COMMANDS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "add-user": ("PUT", ("accessKey",), "encrypted"),
    "remove-user": ("DELETE", ("accessKey",), None),
    "user-info": ("GET", ("accessKey",), None),
    "add-canned-policy": ("PUT", ("name",), "json"),
    "remove-canned-policy": ("DELETE", ("name",), None),
    "info-canned-policy": ("GET", ("name",), None),
    "set-user-or-group-policy": ("PUT", ("policyName", "userOrGroup", "isGroup"), None),
}


@dataclass
class MinioAdminFake:
    access_key: str = "polise-admin"
    secret_key: str = "polise-admin-secret-key"
    region: str = "us-east-1"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer with, in order
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.users.clear()
            self.policies.clear()
            self.requests.clear()
            self.violations.clear()
            self.fail_next.clear()

    # --- checks ---------------------------------------------------------------------------------

    def check_signature(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> str | None:
        auth = headers.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return "not signed with AWS Signature V4"
        fields = dict(
            part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(",")
        )
        try:
            access_key, date, region, service, terminal = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            return f"malformed Authorization header {auth!r}"
        if access_key != self.access_key:
            return f"signed by {access_key!r}, not the admin's access key"
        if (region, service, terminal) != (self.region, "s3", "aws4_request"):
            return f"credential scope {region}/{service}/{terminal} is not {self.region}/s3"
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-amz-content-sha256") != payload_hash:
            return "x-amz-content-sha256 is not the SHA-256 of the body"
        if "host" not in signed or "x-amz-date" not in signed:
            return "the host and x-amz-date headers must be signed"
        canonical_query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, v in sorted(parse_qsl(query, keep_blank_values=True))
        )
        canonical_headers = "".join(
            f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed
        )
        canonical = "\n".join(
            [
                method,
                quote(path, safe="/-_.~"),
                canonical_query,
                canonical_headers,
                ";".join(signed),
                payload_hash,
            ]
        )
        amz_date = headers["x-amz-date"]
        scope = f"{date}/{region}/s3/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = ("AWS4" + self.secret_key).encode()
        for part in (date, region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "signature does not match (wrong secret key, or headers changed after signing)"
        return None

    def _open(self, body: bytes) -> Any:
        class Sealed(io.BytesIO):
            def release_conn(self) -> None:
                pass

        return json.loads(decrypt(Sealed(body), self.secret_key))  # type: ignore[arg-type]

    @staticmethod
    def check_policy(policy: Any) -> str | None:
        if not isinstance(policy, dict) or policy.get("Version") != "2012-10-17":
            return "a policy needs Version 2012-10-17"
        statements = policy.get("Statement")
        if not isinstance(statements, list) or not statements:
            return "a policy needs a list of Statements"
        for statement in statements:
            if statement.get("Effect") not in ("Allow", "Deny"):
                return "each Statement needs Effect Allow or Deny"
            for key in ("Action", "Resource"):
                if not isinstance(statement.get(key), list) or not statement[key]:
                    return f"each Statement needs a list of {key}"
            if any(not a.startswith(("s3:", "admin:")) for a in statement["Action"]):
                return f"unknown actions in {statement['Action']}"
            if any(not r.startswith("arn:aws:s3:::") for r in statement["Resource"]):
                return f"resources must be S3 ARNs: {statement['Resource']}"
        return None

    # --- the API --------------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        prefix = "/minio/admin/v3/"
        command = parts.path[len(prefix) :] if parts.path.startswith(prefix) else None
        with self.lock:
            self.requests.append((method, raw_path))
            if command not in COMMANDS:
                return self._violation(404, f"{method} {parts.path}: not an admin API command")
            want_method, required, body_kind = COMMANDS[command]
            if method != want_method:
                return self._violation(405, f"{command}: MinIO routes it as {want_method}")
            missing = [name for name in required if not query.get(name)]
            if missing:
                return self._violation(400, f"{command}: missing query {', '.join(missing)}")
            problem = self.check_signature(method, parts.path, parts.query, headers, body)
            if problem:
                return self._violation(403, f"{command}: {problem}", "SignatureDoesNotMatch")
            if self.fail_next:
                return self.fail_next.pop(0), _error("XMinioServerNotInitialized", "try later")
            try:
                data = (
                    self._open(body)
                    if body_kind == "encrypted"
                    else json.loads(body)
                    if body_kind == "json"
                    else None
                )
            except Exception as exc:
                return self._violation(400, f"{command}: body cannot be read as MinIO does: {exc}")
            return getattr(self, "_" + command.replace("-", "_"))(query, data)

    def _violation(
        self, status: int, detail: str, code: str = "XMinioAdminInvalidRequest"
    ) -> tuple[int, dict[str, Any]]:
        self.violations.append(detail)
        return status, _error(code, detail)

    def _add_user(self, query: dict[str, str], data: Any) -> tuple[int, None]:
        if not isinstance(data, dict) or not data.get("secretKey"):
            return self._violation(400, "add-user: the body needs secretKey")  # type: ignore[return-value]
        user = self.users.setdefault(query["accessKey"], {"policy": None})
        user.update(secret_key=data["secretKey"], status=data.get("status", "enabled"))
        return 200, None

    def _remove_user(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        if self.users.pop(query["accessKey"], None) is None:
            return 404, _error("XMinioAdminNoSuchUser", "The specified user does not exist.")
        return 200, None

    def _user_info(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        user = self.users.get(query["accessKey"])
        if user is None:
            return 404, _error("XMinioAdminNoSuchUser", "The specified user does not exist.")
        return 200, {"status": user["status"], "policyName": user["policy"] or ""}

    def _add_canned_policy(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        problem = self.check_policy(data)
        if problem:
            return self._violation(400, f"add-canned-policy: {problem}", "XMinioMalformedJSON")
        self.policies[query["name"]] = data
        return 200, None

    def _remove_canned_policy(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        self.policies.pop(query["name"], None)
        return 200, None

    def _info_canned_policy(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        policy = self.policies.get(query["name"])
        if policy is None:
            return 404, _error("XMinioAdminNoSuchPolicy", "The canned policy does not exist.")
        return 200, policy

    def _set_user_or_group_policy(self, query: dict[str, str], data: Any) -> tuple[int, Any]:
        if query["isGroup"] not in ("true", "false"):
            return self._violation(400, "set-user-or-group-policy: isGroup is true or false")
        if query["isGroup"] == "true":
            return self._violation(400, "set-user-or-group-policy: Polise sets user policies")
        if query["policyName"] not in self.policies:
            return 404, _error("XMinioAdminNoSuchPolicy", "The canned policy does not exist.")
        user = self.users.get(query["userOrGroup"])
        if user is None:
            return 404, _error("XMinioAdminNoSuchUser", "The specified user does not exist.")
        user["policy"] = query["policyName"]
        return 200, None

    # --- serving --------------------------------------------------------------------------------

    def start(self) -> tuple[ThreadingHTTPServer, threading.Thread]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = fake.handle(self.command, self.path, headers, body)
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return server, thread


def _error(code: str, message: str) -> dict[str, Any]:
    # MinIO's APIErrorResponse, as the admin API sends it.
    return {"Code": code, "Message": message, "Resource": "/minio/admin/v3", "RequestId": "fake"}
