"""Revising a request: a new draft that copies the old one, its files too, and links back."""

from __future__ import annotations

from models.db import atomic
from models.enums import Status
from models.request import Attachment, Request

# What a revision starts from; the owner certifies anew, and the reference comes at submit.
COPIED_FIELDS = (
    "org_id",
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
)
COPIED_FILE_FIELDS = (
    "original_name",
    "extension",
    "mime_type",
    "size",
    "sha256",
    "personal",
    "position",
)


async def start_revision(request_id: int) -> Request:
    """A draft revising a request (revision_of set, revision_no + 1), or the open one already made.

    Files are stored content-addressed, so copying an attachment row copies the file.
    """
    async with atomic():
        open_draft = (
            await Request.filter(revision_of_id=request_id, status=Status.DRAFT)
            .order_by("-id")
            .first()
        )
        if open_draft is not None:
            return open_draft
        original = await Request.get(id=request_id)
        draft = await Request.create(
            **{name: getattr(original, name) for name in COPIED_FIELDS},
            status=Status.DRAFT,
            certified=False,
            revision_of_id=original.id,
            revision_no=original.revision_no + 1,
        )
        for attachment in await Attachment.filter(request_id=original.id).order_by(
            "position", "id"
        ):
            await Attachment.create(
                request_id=draft.id,
                **{name: getattr(attachment, name) for name in COPIED_FILE_FIELDS},
            )
    return draft
