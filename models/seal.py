"""The seal of a request's content: one hash of what was asked for and the SHA-256 of each file.

Submission, approval and publication write the seal into their audit events, so an edit of the
request's row or a swapped file after the fact no longer matches the chain (`webpub audit verify`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from models.request import Attachment, Request

# Actions whose audit event carries the seal: what the owner sent, what the approver approved,
# what the webmaster put online, and a moved end date.
SEALED_ACTIONS = frozenset(
    {"submit", "submit_for_check", "pass", "approve", "verbal_approve", "publish"}
)

# The request's own columns that make up what was asked for (not its state or timestamps).
CONTENT_FIELDS = (
    "ref",
    "owner_id",
    "owner_unit",
    "category_id",
    "title",
    "summary",
    "source",
    "data_from",
    "data_until",
    "publish_date",
    "end_date",
    "external_link",
    "remarks",
    "urgent",
    "urgent_reason",
    "certified",
)


def content_hash(req: Request, files: list[Attachment]) -> str:
    """SHA-256 of the request's content fields and its files' names, sizes and hashes."""
    content: dict[str, Any] = {name: getattr(req, name) for name in CONTENT_FIELDS}
    content["files"] = [[f.original_name, f.size, f.sha256] for f in files]
    text = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def request_files(request_id: int) -> list[Attachment]:
    return await Attachment.filter(request_id=request_id).order_by("position", "id")


async def content_seal(req: Request) -> dict[str, Any]:
    """What an audit event records of a request's content: `content` and `files` (SHA-256 each)."""
    files = await request_files(req.id)
    return {"content": content_hash(req, files), "files": [f.sha256 for f in files]}
