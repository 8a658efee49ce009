"""Buttons: an opaque token in the button, the action and its target kept on the server."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from core.events import Button
from locales import _
from models.messaging import ButtonToken

TOKEN_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
TOKEN_LENGTH = 10  # "approve:" + 10 characters stays far under Telegram's 64-byte callback data


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
    token = new_token()
    await ButtonToken.create(
        token=token,
        action=action,
        request_id=request_id,
        task_id=task_id,
        person_id=person_id,
        data=data or {},
        expires_at=datetime.now(UTC) + ttl if ttl else None,
    )
    return Button(label=label, action=f"{action}:{token}", style=style)


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
