"""Staff sign-in: scrypt password hashes and signed session tokens (JWT), all configured from the environment.

STAFF_USERS   comma-separated `name:hash` pairs, hashes made by `python -m bot staff hash-password`
STAFF_SECRET  the key that signs session tokens (required in production; without it tokens die with the process)
STAFF_API_TOKEN  optional bearer token for a contact-centre system calling the JSON API
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from typing import Dict, Optional

import jwt

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_SECONDS = 8 * 3600  # one working shift


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt)}${encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        decode = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))  # noqa: E731
        actual = hashlib.scrypt(password.encode(), salt=decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
        return hmac.compare_digest(actual, decode(digest))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class StaffAuth:
    users: Dict[str, str]  # name → password hash
    secret: str
    api_token: Optional[str] = None

    @classmethod
    def from_env(cls) -> "StaffAuth":
        users = {}
        for entry in filter(None, (e.strip() for e in os.environ.get("STAFF_USERS", "").split(","))):
            name, _, hashed = entry.partition(":")
            if name and hashed:
                users[name] = hashed
        secret = os.environ.get("STAFF_SECRET") or secrets.token_urlsafe(32)
        return cls(users=users, secret=secret, api_token=os.environ.get("STAFF_API_TOKEN") or None)

    def login(self, name: str, password: str) -> Optional[str]:
        """A session token for valid credentials; None otherwise (same time either way)."""
        stored = self.users.get(name)
        ok = verify_password(password, stored or hash_password("timing-equaliser"))
        if not (stored and ok):
            return None
        now = int(time.time())
        return jwt.encode({"sub": name, "iat": now, "exp": now + SESSION_SECONDS}, self.secret, algorithm="HS256")

    def agent_for(self, token: Optional[str]) -> Optional[str]:
        """The staff name a session token or the API token stands for."""
        if not token:
            return None
        if self.api_token and hmac.compare_digest(token, self.api_token):
            return "api"
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        return claims.get("sub") if claims.get("sub") in self.users else None
