"""The inbox: webhook events recorded once, then handled one by one in a transaction each."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bot.channels import Channel
from handlers.base import Context, Upload
from handlers.router import handle
from locales import _, pick_locale, using_locale
from models.enums import InboxStatus
from models.events import Incoming, Outgoing
from models.files import FileRefused, inspect_file, store_file
from models.messaging import InboxEvent
from models.outbox import enqueue_reply
from models.people import Identity, Person
from models.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


async def record(incomings: list[Incoming]) -> int:
    """Store each event once (unique per channel and event id); returns how many were new."""
    new = 0
    for incoming in incomings:
        try:
            await InboxEvent.create(
                channel=incoming.channel,
                event_id=incoming.event_id[:100],
                payload=incoming.to_dict(),
            )
            new += 1
        except IntegrityError:
            log.info("duplicate %s event %s ignored", incoming.channel, incoming.event_id)
    return new


class InboxProcessor:
    """Takes recorded events in order and runs the conversation for each."""

    def __init__(
        self, rt: Runtime, channels: dict[str, Channel], on_replies: asyncio.Event
    ) -> None:
        self.rt = rt
        self.channels = channels
        self.wakeup = asyncio.Event()
        self.outbox_wakeup = on_replies

    async def run(self) -> None:
        """Work until cancelled; wakes on new events and looks again every second regardless."""
        while True:
            try:
                while await self.process_batch():
                    pass
            except Exception:
                log.exception("inbox batch failed")
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout=1.0)
            except TimeoutError:
                pass
            self.wakeup.clear()

    async def process_batch(self, limit: int = 50) -> int:
        rows = await InboxEvent.filter(status=InboxStatus.RECEIVED).order_by("id").limit(limit)
        for row in rows:
            await self.process(row)
        return len(rows)

    async def process(self, row: InboxEvent) -> None:
        incoming = Incoming.from_dict(row.payload)
        channel = self.channels.get(incoming.channel)
        try:
            identity = await Identity.get_or_none(
                channel=incoming.channel, platform_user_id=incoming.user
            )
            person = await Person.get_or_none(id=identity.person_id) if identity else None
            upload = await self._fetch(incoming, channel) if person and incoming.file else None
            ctx = await self._handle(row, incoming, person, identity, upload)
        except Exception:
            log.exception("handling %s event %s failed", incoming.channel, incoming.event_id)
            await self._failed(row, incoming)
            return
        if ctx is None:
            return
        if ctx.replies:
            self.outbox_wakeup.set()
        if channel is not None and incoming.kind == "button":
            await channel.acknowledge(incoming, ctx.notice)

    async def _handle(
        self,
        row: InboxEvent,
        incoming: Incoming,
        person: Person | None,
        identity: Identity | None,
        upload: Upload | None,
    ) -> Context | None:
        """Run the flow, write its replies and mark the event done, all in one transaction."""
        locale = pick_locale(
            person.locale if person else None, incoming.language, self.rt.default_locale
        )
        ctx = Context(
            rt=self.rt,
            incoming=incoming,
            now=datetime.now(UTC),
            locale=locale,
            person=person,
            identity=identity,
            upload=upload,
        )
        async with in_transaction():
            claimed = await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
                status=InboxStatus.DONE, processed_at=ctx.now, attempts=F("attempts") + 1
            )
            if not claimed:
                return None  # another worker handled it first
            with using_locale(locale):
                await handle(ctx)
            await write_replies(ctx)
        return ctx

    async def _fetch(self, incoming: Incoming, channel: Channel | None) -> Upload:
        """Download and check a file before the transaction (network time holds no lock)."""
        assert incoming.file is not None
        files = self.rt.org.files
        with using_locale(pick_locale(None, incoming.language, self.rt.default_locale)):
            if channel is None:
                return Upload(name=incoming.file.name, refusal=_("That file could not be fetched."))
            fetched = await channel.download(incoming.file)
            if fetched.data is None:
                return Upload(name=incoming.file.name, refusal=fetched.refusal)
            try:
                checked = inspect_file(fetched.data, incoming.file.name, files)
            except FileRefused as exc:
                return Upload(name=incoming.file.name, refusal=str(exc))
            await asyncio.to_thread(store_file, fetched.data, self.rt.data_dir)
            return Upload(
                name=checked.name,
                extension=checked.extension,
                mime_type=checked.mime_type,
                size=checked.size,
                sha256=checked.sha256,
            )

    async def _failed(self, row: InboxEvent, incoming: Incoming) -> None:
        await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
            attempts=F("attempts") + 1
        )
        fresh = await InboxEvent.get(id=row.id)
        if fresh.attempts < MAX_ATTEMPTS:
            return
        await InboxEvent.filter(id=row.id).update(status=InboxStatus.FAILED)
        with using_locale(pick_locale(None, incoming.language, self.rt.default_locale)):
            sorry = _("Sorry, something went wrong on our side. Please try again, or type /help.")
        await enqueue_reply(
            incoming.channel, incoming.chat, Outgoing(text=sorry), reply_token=incoming.reply_token
        )
        self.outbox_wakeup.set()


async def write_replies(ctx: Context) -> None:
    """The flow's answers go to the outbox in the flow's own transaction."""
    for message in ctx.replies:
        await enqueue_reply(
            ctx.incoming.channel,
            ctx.incoming.chat,
            message,
            reply_token=ctx.incoming.reply_token,
            person_id=ctx.person.id if ctx.person else None,
        )
