"""Writing messages to the outbox, each in its recipient's language.

The outbox is the only way out: a row written in the transaction of the change that caused
it, delivered later by the worker (bot/delivery.py) at least once.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from core.events import Outgoing
from locales import pick_locale, using_locale
from models.directory import push_address
from models.enums import Channel, OutboxStatus
from models.messaging import REPLY_PRIORITY, OutboxMessage
from models.people import GroupChat, Identity, Person

LINE_REPLY_WINDOW = timedelta(seconds=50)  # LINE: reply tokens are good for about one minute

# The rows written in the current context, when someone watches (see `watching`).
_written: ContextVar[list[OutboxMessage] | None] = ContextVar("outbox_written", default=None)

# What a notice says, built in the recipient's locale (which it is given).
Build = Callable[[str], Outgoing | Awaitable[Outgoing | None] | None]


@contextmanager
def watching() -> Iterator[list[OutboxMessage]]:
    """Collect the outbox rows written inside: the inbox sends its claimed replies itself and
    wakes the worker only for the rest."""
    rows: list[OutboxMessage] = []
    token = _written.set(rows)
    try:
        yield rows
    finally:
        _written.reset(token)


async def write_row(**fields: Any) -> OutboxMessage:
    row = await OutboxMessage.create(**fields)
    watched = _written.get()
    if watched is not None:
        watched.append(row)
    return row


async def locale_of(person: Person, default: str) -> str:
    """The language a person reads: their choice, else their platform's, else the org's."""
    identity = await Identity.filter(person_id=person.id).order_by("id").first()
    return pick_locale(person.locale, identity.language_code if identity else None, default)


async def notify(
    person: Person,
    build: Build,
    *,
    default_locale: str,
    request_id: int | None = None,
    kind: str = "notice",
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """One notice to a person, built in their language; None when they have no chat or nothing to say."""
    if not person.active or await push_address(person) is None:
        return None
    locale = await locale_of(person, default_locale)
    with using_locale(locale):
        message = build(locale)
        if inspect.isawaitable(message):
            message = await message
    if message is None:
        return None
    return await enqueue_push(
        person, message, request_id=request_id, kind=kind, not_before=not_before
    )


async def enqueue_reply(
    channel: str,
    chat_id: str,
    message: Outgoing,
    *,
    reply_token: str | None = None,
    person_id: int | None = None,
    request_id: int | None = None,
    kind: str = "reply",
    received_at: datetime | None = None,
    claimed: bool = False,
) -> OutboxMessage:
    """An answer in the conversation, on the reply token while it lasts.

    The token's window counts from when the webhook arrived (`received_at`). A `claimed` row
    is written already being sent: the inbox sends it itself once its transaction commits.
    """
    now = datetime.now(UTC)
    return await write_row(
        person_id=person_id,
        request_id=request_id,
        kind=kind,
        priority=REPLY_PRIORITY,
        channel=Channel(channel),
        chat_id=chat_id,
        payload=message.to_dict(),
        reply_token=reply_token,
        reply_until=(received_at or now) + LINE_REPLY_WINDOW if reply_token else None,
        retry_key=str(uuid.uuid4()),
        **(
            {"status": OutboxStatus.SENDING, "attempts": 1, "next_attempt_at": now}
            if claimed
            else {}
        ),
    )


async def enqueue_push(
    person: Person,
    message: Outgoing,
    *,
    request_id: int | None = None,
    kind: str = "notice",
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """A notification to a person on their push address; None when they have no chat yet, or
    are deactivated (they act no more, so they are told nothing more)."""
    if not person.active:
        return None
    address = await push_address(person)
    if address is None:
        return None
    return await write_row(
        person_id=person.id,
        request_id=request_id,
        kind=kind,
        channel=address.channel,
        chat_id=address.chat_id,
        payload=message.to_dict(),
        not_before=not_before,
        retry_key=str(uuid.uuid4()),
    )


async def enqueue_group(
    group: GroupChat, message: Outgoing, *, request_id: int | None, kind: str
) -> OutboxMessage:
    """One message to a group chat (on LINE a group push counts once per member)."""
    return await write_row(
        person_id=None,
        request_id=request_id,
        kind=kind,
        channel=group.channel,
        chat_id=group.chat_id,
        payload=message.to_dict(),
        retry_key=str(uuid.uuid4()),
    )


async def enqueue_to_identity(
    identity: Identity, message: Outgoing, *, kind: str = "notice"
) -> OutboxMessage:
    """A notification to one platform account of a person, whatever their push address."""
    return await write_row(
        person_id=identity.person_id,
        kind=kind,
        channel=identity.channel,
        chat_id=identity.chat_id,
        payload=message.to_dict(),
        retry_key=str(uuid.uuid4()),
    )
