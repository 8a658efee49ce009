"""Buttons: an opaque token in the button, the action and its target kept on the server."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from core.events import Button
from locales import _
from models.messaging import ButtonToken

TOKEN_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
TOKEN_LENGTH = 10  # "approve:" + 10 characters stays far under Telegram's 64-byte callback data

_pending: ContextVar[list[ButtonToken] | None] = ContextVar("buttons_pending", default=None)


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


async def button(
    label: str,
    action: str,
    *,
    request_id: int | None = None,
    task_id: int | None = None,
    person_id: int | None = None,
    data: dict | None = None,
    ttl: timedelta | None = None,
    style: str = "secondary",
) -> Button:
    """A button whose payload is an opaque token; the action and target stay on the server."""
    row = ButtonToken(
        token=new_token(),
        action=action,
        request_id=request_id,
        task_id=task_id,
        person_id=person_id,
        data=data or {},
        expires_at=datetime.now(UTC) + ttl if ttl else None,
    )
    pending = _pending.get()
    if pending is None:
        await row.save(force_create=True)
    else:
        pending.append(row)
    return Button(label=label, action=f"{action}:{row.token}", style=style)


@asynccontextmanager
async def buttons_together() -> AsyncIterator[None]:
    """The buttons made inside are written at the end in one INSERT, not one each (a question
    with ten choices); nothing is written when the block fails."""
    pending: list[ButtonToken] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        await ButtonToken.bulk_create(pending)


async def approve_reject(
    request_id: int,
    *,
    approve: str = "approve",
    reject: str = "reject",
    data: dict | None = None,
    suffix: str = "",
) -> tuple[Button, Button]:
    """The approver's two buttons on a card, in the current locale (`suffix`: which request)."""
    return (
        await button(
            _("Approve") + suffix, approve, request_id=request_id, data=data, style="primary"
        ),
        await button(
            _("Reject") + suffix, reject, request_id=request_id, data=data, style="danger"
        ),
    )


async def find_token(token: str, org_id: int) -> ButtonToken | None:
    """The server side of a tapped button, only when what it points at is this organization's."""
    from models.people import Person
    from models.request import Request, Task

    row = await ButtonToken.get_or_none(token=token)
    if row is None:
        return None
    checks = (
        (row.request_id, Request.filter(id=row.request_id, org_id=org_id)),
        (row.task_id, Task.filter(id=row.task_id, request__org_id=org_id)),
        (row.person_id, Person.filter(id=row.person_id, org_id=org_id)),
    )
    for target, query in checks:
        if target is not None and not await query.exists():
            return None
    return row


async def form_button(req: Any) -> Button:
    """[Download form]: the filled request form of a decided request (handlers.records)."""
    return await button(_("Download form"), "form", request_id=req.id)
