"""The inbox: webhook events recorded once, then handled one by one in a transaction each."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.channels import Channel, RawEvent
from bot.health import Health
from bot.loop import drain_forever
from bot.menus import set_person_menus
from core.events import Incoming, Outgoing
from core.runtime import Runtime
from handlers.base import Context, Upload
from handlers.router import handle
from handlers.routing import Router
from intake.files import FileRefused, inspect_file, refuse_declared_size, store_file
from locales import _, pick_locale, using_locale
from models.enrol import looks_like_code
from models.enums import InboxStatus
from models.faults import is_transient, patience
from models.messaging import InboxEvent
from models.people import Identity, Person
from notices.outbox import enqueue_reply

log = logging.getLogger(__name__)

SLOW_STEP = 1.0  # seconds: a step slower than this shows the person that the bot is working
SLOW_SECONDS = 10  # how long the sign lasts for a slow step
FETCH_SECONDS = 20  # how long the sign lasts while a file is fetched (it ends at our answer)
# Faults that can pass (the database busy or away, the network) are waited out this long;
# an event that fails by its content is set aside at once.
INBOX_RETRY_WINDOW = timedelta(hours=2)
BACKOFF_FIRST = 1.0  # seconds
BACKOFF_CAP = 300.0  # seconds
WAITING_SCAN = 200  # put-off events looked at to keep each chat's order


class InboxProcessor:
    """Takes recorded events in order and runs the conversation for each."""

    def __init__(
        self,
        rt: Runtime,
        router: Router,
        channels: dict[str, Channel],
        on_replies: asyncio.Event,
        health: Health | None = None,
    ) -> None:
        self.rt = rt
        self.router = router
        self.channels = channels
        self.health = health or Health()
        self.patience = 15.0  # seconds a handler's transaction waits for the database
        self.wakeup = asyncio.Event()
        self.outbox_wakeup = on_replies
        self._waiting: list[tuple[list[InboxEvent], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.slow_step = SLOW_STEP
        self._side_calls: set[asyncio.Task[object]] = set()

    async def accept(self, channel: str, events: list[RawEvent]) -> None:
        """Record verified events durably before the webhook is answered.

        Concurrent webhooks share one transaction (group commit): one fsync for many events.
        A repeated event id is ignored by the unique index, so a redelivery is stored once.
        """
        rows = [InboxEvent(channel=channel, event_id=e.event_id, payload=e.data) for e in events]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done
        self.wakeup.set()

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with in_transaction():
                    await InboxEvent.bulk_create(
                        [r for rows, _f in batch for r in rows], ignore_conflicts=True
                    )
            except Exception as exc:
                for _rows, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _rows, done in batch:
                if not done.done():
                    done.set_result(None)

    async def run(self) -> None:
        """Work until cancelled; wakes on new events and looks again every second regardless."""
        try:
            await drain_forever(
                self.process_batch,
                self.wakeup,
                idle=1.0,
                name="inbox",
                on_fault=self.health.failed,
            )
        finally:
            for task in list(self._side_calls):
                task.cancel()

    async def process_batch(self, limit: int = 16, now: datetime | None = None) -> int:
        """Handle the oldest due events, each in a transaction of its own; returns how many
        were handled, set aside or put off.

        Short transactions keep the database free for webhooks being accepted meanwhile; files
        are fetched before the transaction begins, so network time holds no lock. An event
        put off after a fault holds back the later events of its chat, so a conversation's
        steps keep their order.
        """
        now = now or datetime.now(UTC)
        due = (
            await InboxEvent.filter(status=InboxStatus.RECEIVED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .limit(limit)
        )
        if not due:
            return 0
        held = (
            await InboxEvent.filter(
                status=InboxStatus.RECEIVED, next_attempt_at__gt=now, id__lt=due[-1].id
            )
            .order_by("id")
            .limit(WAITING_SCAN)
        )
        blocked: dict[tuple[str, str], int] = {}
        for row in held:
            blocked.setdefault(self._chat_key(row), row.id)
        worked = 0
        for row in due:
            key = self._chat_key(row)
            if blocked.get(key, row.id) < row.id:
                continue  # an earlier event of this chat waits for a fault to pass
            worked += 1
            if not await self._process(row, now):
                blocked.setdefault(key, row.id)
        return worked

    async def _process(self, row: InboxEvent, now: datetime) -> bool:
        """One event, start to end; False when it was put off to try again later."""
        incoming: Incoming | None = None
        try:
            row, channel, incoming, upload = await self._prepare(row)
            if channel is None or incoming is None:
                await InboxEvent.filter(id=row.id).update(status=InboxStatus.DONE, processed_at=now)
                return True
            slow = None
            if upload is None:  # a file showed the sign already, before it was fetched
                slow = asyncio.get_running_loop().call_later(
                    self.slow_step, self._show_working, channel, incoming, SLOW_SECONDS
                )
            try:
                with patience(self.patience):
                    async with in_transaction():
                        ctx = await self._handle(row, incoming, upload)
            finally:
                if slow is not None:
                    slow.cancel()
        except Exception as exc:
            if is_transient(exc):
                self.health.failed(exc)
                await self._put_off(row, incoming, exc, now)
                return False
            log.exception("%s event %s failed by its content; set aside", row.channel, row.event_id)
            await self._set_aside(row, incoming, _reason(exc))
            return True
        self.health.wrote()
        if ctx is None:
            return True
        if ctx.replies:
            self.outbox_wakeup.set()
        if ctx.menus:  # in the background: a slow Telegram must not hold up the inbox
            self._background(set_person_menus(self.rt, self.channels, ctx.menus))
        if incoming.kind == "button":
            await channel.acknowledge(incoming, ctx.notice)
        return True

    def _chat_key(self, row: InboxEvent) -> tuple[str, str]:
        """Which conversation an event belongs to (its own, when it cannot be read)."""
        channel = self.channels.get(row.channel.value)
        incoming = channel.to_incoming(row.payload) if channel is not None else None
        return (row.channel.value, incoming.chat if incoming else f"#{row.id}")

    async def _put_off(
        self, row: InboxEvent, incoming: Incoming | None, exc: BaseException, now: datetime
    ) -> None:
        """A fault that can pass: try again later, until the retry window is over."""
        attempts = row.attempts + 1
        if now - row.received_at >= INBOX_RETRY_WINDOW:
            reason = f"gave up after {attempts} attempts: {_reason(exc)}"
            log.warning("%s event %s: %s", row.channel, row.event_id, reason)
            await self._set_aside(row, incoming, reason)
            return
        wait = inbox_backoff(attempts)
        log.warning(
            "%s event %s put off %.1f s (attempt %s): %s",
            row.channel,
            row.event_id,
            wait,
            attempts,
            exc,
        )
        await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
            attempts=attempts,
            next_attempt_at=now + timedelta(seconds=wait),
            error=_reason(exc),
        )

    async def _prepare(
        self, row: InboxEvent
    ) -> tuple[InboxEvent, Channel | None, Incoming | None, Upload | None]:
        """Parse the stored event and fetch a file an enrolled person sent."""
        channel = self.channels.get(row.channel.value)
        incoming = channel.to_incoming(row.payload) if channel is not None else None
        upload = None
        if channel is not None and incoming is not None and _enrols(incoming):
            # A code from someone new: their account's language, read before the transaction.
            language = await channel.profile_language(incoming.user)
            if language:
                incoming = replace(incoming, language=language)
        if channel is not None and incoming is not None and incoming.file is not None:
            known = await Identity.filter(
                channel=incoming.channel,
                platform_user_id=incoming.user,
                person__active=True,
                person__org_id=self.rt.org_id,
            ).exists()
            if known:
                await show_working(channel, incoming, FETCH_SECONDS)
                try:
                    upload = await self._fetch(incoming, channel)
                except Exception:
                    log.exception(
                        "fetching %s file %s failed", incoming.channel, incoming.file.file_id
                    )
                    upload = Upload(
                        name=incoming.file.name,
                        refusal=_("That file could not be fetched. Please send it again."),
                    )
        return row, channel, incoming, upload

    def _show_working(self, channel: Channel, incoming: Incoming, seconds: int) -> None:
        """The slow-step timer fired: show the sign without waiting for it."""
        self._background(show_working(channel, incoming, seconds))

    def _background(self, work: Coroutine[Any, Any, object]) -> None:
        """Platform calls nobody waits for (their failures are logged where they happen)."""
        task = asyncio.create_task(work)
        self._side_calls.add(task)
        task.add_done_callback(self._side_call_done)

    def _side_call_done(self, task: asyncio.Task[object]) -> None:
        self._side_calls.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("a platform call beside the inbox failed: %r", task.exception())

    async def _handle(
        self, row: InboxEvent, incoming: Incoming, upload: Upload | None
    ) -> Context | None:
        """Run the flow, write its replies and mark the event done (inside the caller's transaction)."""
        now = datetime.now(UTC)
        claimed = await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
            status=InboxStatus.DONE, processed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            return None  # another worker handled it first
        identity = await Identity.get_or_none(
            channel=incoming.channel, platform_user_id=incoming.user
        )
        # Scoped to this organization: an account enrolled elsewhere is a stranger here.
        person = (
            await Person.get_or_none(id=identity.person_id, org_id=self.rt.org_id)
            if identity
            else None
        )
        locale = pick_locale(
            person.locale if person else None, incoming.language, self.rt.default_locale
        )
        ctx = Context(
            rt=self.rt,
            incoming=incoming,
            now=now,
            locale=locale,
            person=person,
            identity=identity,
            upload=upload,
        )
        with using_locale(locale):
            if person is not None and not person.active:
                refuse_deactivated(ctx)
            else:
                await handle(self.router, ctx)
        await write_replies(ctx)
        return ctx

    async def _fetch(self, incoming: Incoming, channel: Channel | None) -> Upload:
        """Download and check a file before the transaction (network time holds no lock)."""
        assert incoming.file is not None
        files = self.rt.org.files
        with using_locale(pick_locale(None, incoming.language, self.rt.default_locale)):
            if channel is None:
                return Upload(name=incoming.file.name, refusal=_("That file could not be fetched."))
            try:
                if incoming.file.size is not None:
                    refuse_declared_size(incoming.file.size, files)
            except FileRefused as exc:
                return Upload(name=incoming.file.name, refusal=str(exc))
            fetched = await channel.download(incoming.file)
            if fetched.data is None:
                return Upload(name=incoming.file.name, refusal=fetched.refusal)
            try:
                checked = await asyncio.to_thread(
                    inspect_file, fetched.data, incoming.file.name, files
                )
            except FileRefused as exc:
                return Upload(name=incoming.file.name, refusal=str(exc))
            await asyncio.to_thread(store_file, fetched.data, self.rt.data_dir)
            return Upload(
                name=checked.name,
                extension=checked.extension,
                mime_type=checked.mime_type,
                size=checked.size,
                sha256=checked.sha256,
                personal=checked.personal.as_dict() if checked.personal else {},
            )

    async def _set_aside(self, row: InboxEvent, incoming: Incoming | None, reason: str) -> None:
        """Keep the event as failed with its reason, and tell the sender, in one transaction."""
        async with in_transaction():
            changed = await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
                status=InboxStatus.FAILED, attempts=F("attempts") + 1, error=reason[:2000]
            )
            if not changed or incoming is None or incoming.kind in ("follow", "unfollow"):
                return
            with using_locale(pick_locale(None, incoming.language, self.rt.default_locale)):
                sorry = _(
                    "Sorry, something went wrong on our side. Please try again, or type /help."
                )
            await enqueue_reply(
                incoming.channel,
                incoming.chat,
                Outgoing(text=sorry),
                reply_token=incoming.reply_token,
            )
        self.outbox_wakeup.set()


def refuse_deactivated(ctx: Context) -> None:
    """A deactivated person's tap, command or message: a polite no, and nothing else happens."""
    incoming = ctx.incoming
    if incoming.kind not in ("button", "message"):
        return  # follows, leaves and the like need no answer
    text = _(
        "Your access to the website publishing service has ended, so this cannot be done. "
        "If that is a mistake, please contact the administrator."
    )
    if incoming.kind == "button":
        ctx.notice = text[:200]
    if incoming.kind == "button" or incoming.chat == incoming.user:
        ctx.reply(text)  # in a group, a message is not answered: the bot stays quiet there


def _enrols(incoming: Incoming) -> bool:
    """A message that may spend an invitation code, from a platform that sends no language."""
    words = (incoming.text or "").split()
    return (
        incoming.language is None
        and incoming.kind == "message"
        and 0 < len(words) <= 2
        and looks_like_code(words[-1])
    )


async def show_working(channel: Channel, incoming: Incoming, seconds: int) -> None:
    """The platform's sign of life (LINE's loading animation); a failure only costs the sign."""
    try:
        await channel.show_working(incoming, seconds)
    except Exception as exc:  # the platform refused or the network failed: go on without it
        log.info("%s working sign for %s failed: %s", incoming.channel, incoming.chat, exc)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def inbox_backoff(attempts: int) -> float:
    """Seconds before the next try: 1, 2, 4 … up to 5 minutes, with jitter."""
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.0)


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
