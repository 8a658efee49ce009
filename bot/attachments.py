"""A request's files for the renderers: bytes for Telegram uploads, signed links for LINE."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time

from core.runtime import Runtime
from intake.files import file_path
from models.request import Attachment

LINK_TTL_SECONDS = 7 * 24 * 3600  # a download link in an approver's card works for a week


def sign(secret: bytes, attachment_id: int, expires: int) -> str:
    digest = hmac.new(secret, f"{attachment_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def signed_url(rt: Runtime, attachment_id: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + LINK_TTL_SECONDS)
    return f"{rt.public_url}/files/{attachment_id}?e={expires}&s={sign(rt.secret_key, attachment_id, expires)}"


def verify(secret: bytes, attachment_id: int, expires: str, signature: str) -> bool:
    """A link is good when its signature matches and it has not expired."""
    try:
        when = int(expires)
    except ValueError:
        return False
    expected = sign(secret, attachment_id, when)
    return hmac.compare_digest(expected, signature) and when >= time.time()


class StoredAttachments:
    """The AttachmentSource over the content-addressed store under the data directory."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def read(self, attachment_id: int) -> tuple[str, bytes] | None:
        row = await Attachment.get_or_none(id=attachment_id)
        if row is None:
            return None
        path = file_path(self.rt.data_dir, row.sha256)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None
        return row.original_name, data

    async def link(self, attachment_id: int) -> tuple[str, str] | None:
        row = await Attachment.get_or_none(id=attachment_id)
        if row is None:
            return None
        return row.original_name, signed_url(self.rt, attachment_id)
