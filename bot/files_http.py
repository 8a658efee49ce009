"""GET /files/{id}: a request's file behind a signed, expiring link (LINE cannot attach files)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp import web

from bot.attachments import verify
from bot.keys import RUNTIME
from intake.files import file_path
from models.request import Attachment
from records.form import record_download


async def download(request: web.Request) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    attachment_id = int(request.match_info["attachment_id"])
    expires, signature = request.query.get("e", ""), request.query.get("s", "")
    if not verify(rt.secret_key, attachment_id, expires, signature):
        raise web.HTTPForbidden(text="This link is not valid or has expired.")
    row = await Attachment.get_or_none(id=attachment_id)
    path = file_path(rt.data_dir, row.sha256) if row else None
    if row is None or path is None or not path.exists():
        raise web.HTTPNotFound(text="File not found.")
    # File links are not personal (one link serves a whole card), so the record says from where.
    await record_download(
        rt,
        row.request_id,
        "file",
        datetime.now(UTC),
        via=request.remote or "link",
        attachment_id=row.id,
    )
    return web.FileResponse(
        path,
        headers={
            "Content-Type": row.mime_type or "application/octet-stream",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.original_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )
