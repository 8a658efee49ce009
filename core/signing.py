"""Signed, expiring links to a document for one person: `?p=PERSON&e=EXPIRES&s=SIGNATURE`.

The signature (HMAC-SHA256 with the deployment's secret key) covers what the link opens, for
whom and until when, so a forwarded link still names who it was given to and a changed one fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

DOCUMENT_LINK_TTL = 7 * 24 * 3600  # seconds; as long as a file link in a card works


def sign_document(secret: bytes, kind: str, ident: str, person_id: int, expires: int) -> str:
    message = f"{kind}:{ident}:{person_id}:{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def document_link(
    public_url: str, secret: bytes, kind: str, ident: str, person_id: int, now: float | None = None
) -> str:
    """`{public_url}/{kind}s/{ident}?p=…&e=…&s=…`, e.g. /forms/42 or /reports/2569."""
    expires = int((now or time.time()) + DOCUMENT_LINK_TTL)
    query = urlencode(
        {"p": person_id, "e": expires, "s": sign_document(secret, kind, ident, person_id, expires)}
    )
    return f"{public_url}/{kind}s/{ident}?{query}"


def verify_document(
    secret: bytes, kind: str, ident: str, person: str, expires: str, signature: str
) -> int | None:
    """The person a good, unexpired link was given to; None for any other link."""
    try:
        person_id, when = int(person), int(expires)
    except ValueError:
        return None
    expected = sign_document(secret, kind, ident, person_id, when)
    if hmac.compare_digest(expected, signature) and when >= time.time():
        return person_id
    return None
