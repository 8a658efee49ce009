"""Writing messages to the outbox and minting the tokens their buttons carry."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from models.directory import push_address
from models.enums import Channel
from models.events import Button, Outgoing
from models.messaging import ButtonToken, OutboxMessage
from models.people import Person

TOKEN_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"
TOKEN_LENGTH = 10  # "approve:" + 10 characters stays far under Telegram's 64-byte callback data
LINE_REPLY_WINDOW = timedelta(seconds=50)  # LINE: reply tokens are good for about one minute


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


async def enqueue_reply(
    channel: str,
    chat_id: str,
    message: Outgoing,
    *,
    reply_token: str | None = None,
    person_id: int | None = None,
    request_id: int | None = None,
    kind: str = "reply",
) -> OutboxMessage:
    """An answer in the conversation, on the reply token while it lasts."""
    return await OutboxMessage.create(
        person_id=person_id,
        request_id=request_id,
        kind=kind,
        channel=Channel(channel),
        chat_id=chat_id,
        payload=message.to_dict(),
        reply_token=reply_token,
        reply_until=datetime.now(UTC) + LINE_REPLY_WINDOW if reply_token else None,
        retry_key=str(uuid.uuid4()),
    )


async def enqueue_push(
    person: Person,
    message: Outgoing,
    *,
    request_id: int | None = None,
    kind: str = "notice",
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """A notification to a person on their push address; None when they have no chat yet."""
    address = await push_address(person)
    if address is None:
        return None
    return await OutboxMessage.create(
        person_id=person.id,
        request_id=request_id,
        kind=kind,
        channel=address.channel,
        chat_id=address.chat_id,
        payload=message.to_dict(),
        not_before=not_before,
        retry_key=str(uuid.uuid4()),
    )
