"""Copies of a card in many chats: the webmasters group, and buttons retired after a decision.

Telegram can edit a sent message, so every copy of a decided card loses its buttons there and
says who decided, how and when (an outbox row whose Outgoing has edit_of; the worker calls
editMessageText). LINE cannot edit: a later tap on a LINE copy is answered with the same words.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from core.events import Outgoing
from locales import using_locale
from models.enums import Channel, OutboxStatus
from models.messaging import OutboxMessage
from models.people import GroupChat, Person
from notices.outbox import locale_of, write_row

WEBMASTERS = "webmasters"
LIVE = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)
# What a decided card says it came to, made in the current locale.
Words = Callable[[], Awaitable[str] | str]


async def webmaster_group(org_id: int) -> GroupChat | None:
    """The registered webmasters group chat of an organization, if any."""
    return (
        await GroupChat.filter(org_id=org_id, purpose=WEBMASTERS, active=True)
        .order_by("-id")
        .first()
    )


def _verbs(row: OutboxMessage) -> set[str]:
    return {b["action"].partition(":")[0] for b in row.payload.get("buttons") or ()}


async def card_copies(request_id: int, verbs: set[str]) -> list[OutboxMessage]:
    """Telegram messages about a request that still show a button with one of these verbs."""
    rows = (
        await OutboxMessage.filter(request_id=request_id, channel=Channel.TELEGRAM, status__in=LIVE)
        .order_by("id")
        .all()
    )
    retired = {r.payload.get("edit_of") for r in rows if r.payload.get("edit_of")}
    return [r for r in rows if r.id not in retired and _verbs(r) & verbs]


async def retire_buttons(
    request_id: int,
    verbs: set[str],
    *,
    words: Words | None = None,
    default_locale: str = "th",
) -> int:
    """Take the buttons off every Telegram copy; with `words`, each copy is edited to say them.

    The words (who decided, how and when) are made in each copy's reader's language.
    """
    copies = await card_copies(request_id, verbs)
    for row in copies:
        edit = Outgoing(text="", edit_of=row.id)
        if words is not None:
            person = await Person.get_or_none(id=row.person_id) if row.person_id else None
            locale = await locale_of(person, default_locale) if person else default_locale
            with using_locale(locale):
                said = words()
                if inspect.isawaitable(said):
                    said = await said
            sent = Outgoing.from_dict(row.payload)
            edit = replace(sent, buttons=(), date_picker=None, files=(), edit_of=row.id)
            if sent.card is not None:
                edit = replace(edit, card=replace(sent.card, footer=said))
            else:
                edit = replace(edit, text=f"{sent.text}\n\n{said}")
        await _to_chat_of(row, edit, kind="edit")
    return len(copies)


async def _to_chat_of(copy: OutboxMessage, message: Outgoing, *, kind: str) -> None:
    """A message to the chat a copy of a card went to, about the same request."""
    await write_row(
        person_id=copy.person_id,
        request_id=copy.request_id,
        kind=kind,
        channel=copy.channel,
        chat_id=copy.chat_id,
        payload=message.to_dict(),
        retry_key=str(uuid.uuid4()),
    )
