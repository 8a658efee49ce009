"""When the database takes no writes (read-only, disk full): say so, once, without the outbox.

The outbox lives in the database, so these few messages go straight to the platform; and
what has been said is kept in memory, the one place left while the database is shut.
"""

from __future__ import annotations

import logging
import uuid

from bot.channels import AttachmentSource, Channel, RawEvent
from core.events import Outgoing
from core.runtime import Runtime
from locales import _, pick_locale, using_locale
from models.directory import people_with_role, push_address
from models.enums import Channel as Platform
from models.enums import Role
from models.messaging import OutboxMessage

log = logging.getLogger(__name__)


class Degradation:
    """Tells each chat once per outage that nothing new can be taken, and the admins once."""

    def __init__(self, channels: dict[str, Channel], files: AttachmentSource) -> None:
        self.channels = channels
        self.files = files
        self.outage: float | None = None
        self.told: set[tuple[str, str]] = set()
        self.admins_told = False

    async def refused(
        self, rt: Runtime, name: str, events: list[RawEvent], kind: str, since: float
    ) -> None:
        """Webhook events the database could not take: answer their senders and the admins."""
        if self.outage != since:
            self.outage, self.told, self.admins_told = since, set(), False
        channel = self.channels[name]
        for event in events:
            try:
                incoming = channel.to_incoming(event.data)
            except Exception:  # a foreign payload: nobody to answer
                continue
            if incoming is None or incoming.kind in ("follow", "unfollow"):
                continue
            if (name, incoming.chat) in self.told:
                continue
            self.told.add((name, incoming.chat))
            with using_locale(pick_locale(None, incoming.language, rt.default_locale)):
                text = _(
                    "Sorry, the system cannot take new requests right now. Please try again "
                    "later; what you sent will be handled when it is back."
                )
            await self._send(name, incoming.chat, Outgoing(text=text), incoming.reply_token)
        if not self.admins_told:
            self.admins_told = True
            await self._tell_admins(rt, kind)

    async def _tell_admins(self, rt: Runtime, kind: str) -> None:
        try:
            admins = await people_with_role(rt.org_id, Role.ADMIN)
        except Exception:
            log.exception("the admins could not be read to tell them the database is %s", kind)
            return
        for admin in admins:
            address = await push_address(admin)
            if address is None or address.channel.value not in self.channels:
                continue
            with using_locale(pick_locale(admin.locale, address.language_code, rt.default_locale)):
                text = _(
                    "webpub cannot write to its database ({kind}): it takes no new requests "
                    "or decisions until that is fixed (free disk space, or check the database "
                    "file's permissions). It recovers by itself; the platforms send again what "
                    "was refused meanwhile."
                ).format(kind=kind)
            await self._send(address.channel.value, address.chat_id, Outgoing(text=text), None)

    async def _send(self, name: str, chat: str, message: Outgoing, reply_token: str | None) -> None:
        row = OutboxMessage(
            channel=Platform(name),
            chat_id=chat,
            payload=message.to_dict(),
            reply_token=reply_token,
            retry_key=str(uuid.uuid4()),
            attempts=0,
        )
        try:
            result = await self.channels[name].deliver([row], self.files)
        except Exception:
            log.exception("telling %s %s that the database is shut failed", name, chat)
            return
        if not result.ok:
            log.warning(
                "telling %s %s that the database is shut failed: %s", name, chat, result.error
            )
