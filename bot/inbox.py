"""The inbox: webhook events recorded once, then handled in lanes, runs of them per transaction."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import F

from bot.channels import Channel, RawEvent
from bot.delivery import OutboxWorker
from bot.health import Health
from bot.loop import Bell, GroupCommit, drain_forever
from bot.menus import set_person_menus
from bot.pacing import Gate
from core.events import Incoming, Outgoing
from core.runtime import Runtime
from handlers.base import Context, Upload
from handlers.router import handle
from handlers.routing import Router
from intake.files import FileRefused, inspect_file, refuse_declared_size, store_file
from locales import _, pick_locale, using_locale
from models.db import atomic
from models.enrol import looks_like_code
from models.enums import Channel as Platform
from models.enums import InboxStatus, OutboxStatus
from models.faults import is_transient, patience
from models.messaging import REPLY_PRIORITY, InboxEvent, OutboxMessage
from models.people import Identity, Person
from models.sql import as_model, columns, execute, execute_many, fetch, is_postgres, marks
from notices.buttons import buttons_together
from notices.outbox import LINE_REPLY_WINDOW, enqueue_reply, watching

log = logging.getLogger(__name__)

SLOW_STEP = 1.0  # seconds: a step slower than this shows the person that the bot is working
SLOW_SECONDS = 10  # how long the sign lasts for a slow step
FETCH_SECONDS = 20  # how long the sign lasts while a file is fetched (it ends at our answer)
# Faults that can pass (the database busy or away, the network) are waited out this long;
# an event that fails by its content is set aside at once.
INBOX_RETRY_WINDOW = timedelta(hours=2)
BACKOFF_FIRST = 1.0  # seconds
BACKOFF_CAP = 300.0  # seconds
LINE_SIGNS_PER_SECOND = 100  # LINE's rate for the loading animation
# Runs of events handled at once: on PostgreSQL each lane has a connection of its own; SQLite
# writes one transaction at a time, so a second lane only prepares while the first commits.
LANES = {"postgres": 4, "sqlite": 1}
BATCH = 50  # events handled in one transaction
PEEK = 200  # due events looked at per round
KEYS_SCAN = 2000  # waiting events of the same chats and senders looked at to keep their order

# The statements every event goes through, in plain SQL (models/sql.py says why).
RECORD_EVENTS = (
    'INSERT INTO "inbox_event" ("channel","event_id","payload","chat_key","user_key","status",'
    '"attempts","error","received_at") VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING'
)
PEEK_DUE = (
    'SELECT "id","chat_key","user_key" FROM "inbox_event" WHERE "status"=? '
    'AND ("next_attempt_at" IS NULL OR "next_attempt_at"<=?) '
    'ORDER BY CASE WHEN "channel"=? AND "received_at"<? THEN 1 ELSE 0 END, "id" LIMIT ?'
)


class InboxProcessor:
    """Takes recorded events oldest first and runs the conversation for each.

    Several lanes work at once. An event waits only for the earlier events of its own chat and
    its own sender: a lane takes a run of events whose keys no other lane holds and handles them
    in one transaction (one commit for many), in order. On PostgreSQL the rows are taken with
    FOR UPDATE SKIP LOCKED, so several instances share the work without waiting on each other.
    The replies the events cause are written already claimed and sent the moment the
    transaction commits, not on the outbox worker's next round.
    """

    def __init__(
        self,
        rt: Runtime,
        router: Router,
        channels: dict[str, Channel],
        outbox: OutboxWorker,
        health: Health | None = None,
        lanes: int | None = None,
    ) -> None:
        self.rt = rt
        self.router = router
        self.channels = channels
        self.outbox = outbox
        self.health = health or Health()
        self.lanes = lanes or LANES.get(connections.get("default").capabilities.dialect, 2)
        self.patience = 15.0  # seconds a handler's transaction waits for the database
        self.wakeup = Bell()  # rung for new events: one idle lane looks
        self._records: GroupCommit[list[tuple]] = GroupCommit(_store)
        self.slow_step = SLOW_STEP
        self._side_calls: set[asyncio.Task[object]] = set()
        self._busy: Counter[str] = Counter()  # chat and sender keys being handled here
        self._signs = Gate(LINE_SIGNS_PER_SECOND)
        self.handled = 0  # events this processor has handled (or set aside) since it started

    async def accept(self, channel: str, events: list[RawEvent]) -> None:
        """Record verified events durably before the webhook is answered.

        Concurrent webhooks share one transaction (group commit): one fsync for many events.
        A repeated event id is ignored by the unique index, so a redelivery is stored once.
        """
        now = datetime.now(UTC)
        await self._records.add([_recorded(channel, e, now) for e in events])
        self.wakeup.set()

    async def run(self) -> None:
        """Work until cancelled; wakes on new events and looks again every second regardless."""
        try:
            await asyncio.gather(
                *(
                    drain_forever(
                        self.process_batch,
                        asyncio.Event(),
                        idle=1.0,
                        name="inbox",
                        on_fault=self.health.failed,
                        bell=self.wakeup,
                    )
                    for _lane in range(self.lanes)
                )
            )
        finally:
            for task in list(self._side_calls):
                task.cancel()

    async def idle(self) -> None:
        """Wait until the replies and side calls started so far are done (for tests)."""
        await self.outbox.sent()
        while self._side_calls:
            await asyncio.gather(*list(self._side_calls), return_exceptions=True)

    async def process_batch(self, limit: int = BATCH, now: datetime | None = None) -> int:
        """Handle a run of the oldest due events; returns how many were handled, set aside or
        put off.

        While the platforms' reply windows are open their events come first: under overload,
        an answer that can still be a free reply is not made to wait behind one that is
        already too late for it. Files are fetched before any transaction begins (network
        time holds no lock), each such event's chat apart from the rest.
        """
        now = now or datetime.now(UTC)
        rows = await self._take(now, limit)
        if not rows:
            return 0
        events = [(row, self._incoming(row)) for row in rows]
        fast, slow = _split_slow(events)
        if slow:
            self._background(self._apart(slow, now))
        try:
            handled = await self._handle_together(fast, now) if fast else 0
        finally:
            self._release([row for row, _incoming in fast])
        return handled + len(slow)

    async def _take(self, now: datetime, limit: int) -> list[InboxEvent]:
        """The due events this lane may handle now, oldest first, their keys marked busy.

        Only ids and keys are read to choose; whole rows only for the events taken.
        """
        received = InboxStatus.RECEIVED
        due = await fetch(PEEK_DUE, received, now, Platform.LINE, now - LINE_REPLY_WINDOW, PEEK)
        if not due:
            return []
        chats, users = list({d[1] for d in due}), list({d[2] for d in due})
        waiting = [
            (row[0], row[1], row[2])
            for row in await fetch(
                'SELECT "id","chat_key","user_key" FROM "inbox_event" WHERE "status"=? AND "id"<=? '
                f'AND ("chat_key" IN ({marks(len(chats))}) OR "user_key" IN ({marks(len(users))})) '
                'ORDER BY "id" LIMIT ?',
                received,
                max(d[0] for d in due),
                *chats,
                *users,
                KEYS_SCAN,
            )
        ]
        taken = _runs(waiting, {d[0] for d in due}, set(self._busy), limit)
        if taken and len(taken) < len(due):
            self.wakeup.set()  # more is due than this lane takes: another lane may take it
        for _id, chat, user in waiting:
            if _id in taken:
                self._busy.update((chat, user))
        if not taken:
            return []
        rows = [
            as_model(InboxEvent, row)
            for row in await fetch(
                f'SELECT {columns(InboxEvent)} FROM "inbox_event" '
                f'WHERE "id" IN ({marks(len(taken))}) ORDER BY "id"',
                *taken,
            )
        ]
        gone = taken - {row.id for row in rows}  # purged meanwhile: nothing to hold for them
        self._release_keys([(c, u) for i, c, u in waiting if i in gone])
        return rows

    def _release(self, rows: list[InboxEvent]) -> None:
        self._release_keys([(row.chat_key, row.user_key) for row in rows])

    def _release_keys(self, keys: list[tuple[str, str]]) -> None:
        for chat, user in keys:
            self._busy.subtract((chat, user))
        self._busy = +self._busy  # drop the keys at zero

    def _incoming(self, row: InboxEvent) -> Incoming | None:
        channel = self.channels.get(row.channel.value)
        return channel.to_incoming(row.payload) if channel is not None else None

    async def _apart(self, events: list[tuple[InboxEvent, Incoming | None]], now: datetime) -> None:
        """Events that fetch a file first, handled beside the lane, their keys held till done."""
        try:
            await self._one_by_one(events, now)
        finally:
            self._release([row for row, _incoming in events])
            self.wakeup.set()

    async def _handle_together(
        self, events: list[tuple[InboxEvent, Incoming | None]], now: datetime
    ) -> int:
        """Events of different chats (and runs of one chat's) in one transaction; when any of
        them fails, the transaction is undone and each is handled on its own."""
        slow = asyncio.get_running_loop().call_later(
            self.slow_step, self._show_working_all, events, SLOW_SECONDS
        )
        try:
            with patience(self.patience), watching() as written:
                async with atomic():
                    done, contexts = await self._handle_owned(events)
        except Exception as exc:
            log.info("a run of %d events failed together (%s); each on its own", len(events), exc)
            return await self._one_by_one(events, now)
        finally:
            slow.cancel()
        self.health.wrote()
        self.handled += len(done)
        await self._after_commit(done, contexts, written)
        return len(events)

    async def _one_by_one(
        self, events: list[tuple[InboxEvent, Incoming | None]], now: datetime
    ) -> int:
        """Events each in a transaction of their own, in order; an event put off keeps the
        later events of its chat and sender back."""
        held: set[str] = set()
        for row, incoming in events:
            if row.chat_key in held or row.user_key in held:
                continue
            if not await self._process(row, incoming, now):
                held.update((row.chat_key, row.user_key))
        return len(events)

    async def _handle_owned(
        self, events: list[tuple[InboxEvent, Incoming | None]]
    ) -> tuple[list[tuple[InboxEvent, Incoming | None]], list[Context | None]]:
        """Inside the transaction: lock what is still ours, run each flow, mark them done."""
        ids = [row.id for row, _incoming in events]
        locked = await fetch(
            f'SELECT "id" FROM "inbox_event" WHERE "id" IN ({marks(len(ids))}) AND "status"=?'
            + (" FOR UPDATE SKIP LOCKED" if is_postgres() else ""),
            *ids,
            InboxStatus.RECEIVED,
        )
        owned = {row[0] for row in locked}
        done = _owned_runs(events, owned)
        chats = {incoming.chat for _row, incoming in done if incoming is not None}
        unsent = await self._unsent_replies(chats)
        contexts: list[Context | None] = []
        for row, incoming in done:
            if incoming is None:
                contexts.append(None)
                continue
            claim = (incoming.channel, incoming.chat) not in unsent
            contexts.append(await self._run_flow(row, incoming, None, claim=claim))
        if done:
            await execute(
                'UPDATE "inbox_event" SET "status"=?,"processed_at"=?,"attempts"="attempts"+1 '
                f'WHERE "id" IN ({marks(len(done))})',
                InboxStatus.DONE,
                datetime.now(UTC),
                *(row.id for row, _incoming in done),
            )
        return done, contexts

    async def _unsent_replies(self, chats: set[str]) -> set[tuple[str, str]]:
        """Chats with replies still waiting that this process is not sending itself: new
        replies there queue behind them instead of being sent at once."""
        if not chats:
            return set()
        rows = await fetch(
            'SELECT "id","channel","chat_id" FROM "outbox_message" WHERE "status" IN (?,?) '
            f'AND "priority"=? AND "chat_id" IN ({marks(len(chats))})',
            OutboxStatus.PENDING,
            OutboxStatus.SENDING,
            REPLY_PRIORITY,
            *chats,
        )
        return {
            (str(channel), chat) for id_, channel, chat in rows if id_ not in self.outbox.in_flight
        }

    async def _after_commit(
        self,
        done: list[tuple[InboxEvent, Incoming | None]],
        contexts: list[Context | None],
        written: list[OutboxMessage],
    ) -> None:
        """The transaction is in: send its replies, wake the worker for the rest, answer taps."""
        claimed = [row for row in written if row.status == OutboxStatus.SENDING]
        if claimed:
            self.outbox.send_claimed(claimed)
        if len(claimed) < len(written):
            self.outbox.wakeup.set()
        taps = []
        for (row, incoming), ctx in zip(done, contexts, strict=True):
            if ctx is None or incoming is None:
                continue
            if ctx.menus:  # in the background: a slow Telegram must not hold up the inbox
                self._background(set_person_menus(self.rt, self.channels, ctx.menus))
            channel = self.channels.get(row.channel.value)
            if incoming.kind == "button" and channel is not None:
                taps.append(channel.acknowledge(incoming, ctx.notice))
        if taps:
            await asyncio.gather(*taps, return_exceptions=True)

    async def _process(self, row: InboxEvent, incoming: Incoming | None, now: datetime) -> bool:
        """One event, start to end; False when it was put off to try again later."""
        try:
            row, channel, incoming, upload = await self._prepare(row, incoming)
            if channel is None or incoming is None:
                await InboxEvent.filter(id=row.id).update(status=InboxStatus.DONE, processed_at=now)
                return True
            slow = None
            if upload is None:  # a file showed the sign already, before it was fetched
                slow = asyncio.get_running_loop().call_later(
                    self.slow_step, self._show_working, channel, incoming, SLOW_SECONDS
                )
            try:
                with patience(self.patience), watching() as written:
                    async with atomic():
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
        if ctx is not None:
            self.handled += 1
            await self._after_commit([(row, incoming)], [ctx], written)
        return True

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
        self, row: InboxEvent, incoming: Incoming | None
    ) -> tuple[InboxEvent, Channel | None, Incoming | None, Upload | None]:
        """Read the profile language of someone enrolling, and fetch a file an enrolled
        person sent."""
        channel = self.channels.get(row.channel.value)
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

    def _show_working_all(
        self, events: list[tuple[InboxEvent, Incoming | None]], seconds: int
    ) -> None:
        """The run's transaction is slow: everyone waiting in it sees the sign."""
        for row, incoming in events:
            channel = self.channels.get(row.channel.value)
            if channel is not None and incoming is not None:
                self._show_working(channel, incoming, seconds)

    def _show_working(self, channel: Channel, incoming: Incoming, seconds: int) -> None:
        """The slow-step timer fired: show the sign without waiting for it (LINE takes 100 of
        these a second; past that the sign is left out)."""
        if channel.name != "line" or self._signs.try_take():
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
        """Claim one event and run its flow (inside the caller's transaction)."""
        claimed = await InboxEvent.filter(id=row.id, status=InboxStatus.RECEIVED).update(
            status=InboxStatus.DONE, processed_at=datetime.now(UTC), attempts=F("attempts") + 1
        )
        if not claimed:
            return None  # another worker handled it first
        unsent = await self._unsent_replies({incoming.chat})
        claim = (incoming.channel, incoming.chat) not in unsent
        return await self._run_flow(row, incoming, upload, claim=claim)

    async def _run_flow(
        self, row: InboxEvent, incoming: Incoming, upload: Upload | None, *, claim: bool
    ) -> Context:
        """Run the flow for an event and write its replies (inside the caller's transaction)."""
        now = datetime.now(UTC)
        identity = await identity_of(incoming.channel, incoming.user)
        # Scoped to this organization: an account enrolled elsewhere is a stranger here.
        person = identity.person if identity and identity.person.org_id == self.rt.org_id else None
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
                async with buttons_together():
                    await handle(self.router, ctx)
        await write_replies(ctx, received_at=row.received_at, claim=claim)
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
        async with atomic():
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
        self.outbox.wakeup.set()


async def _store(batches: list[list[tuple]]) -> None:
    """The events of every webhook waiting, in one statement; a redelivered event id is skipped."""
    await execute_many(RECORD_EVENTS, [row for rows in batches for row in rows])


_PAYLOAD = InboxEvent._meta.fields_map["payload"]


def _recorded(channel: str, event: RawEvent, now: datetime) -> tuple:
    """The inbox row's values for a verified event, with the keys its order is kept by."""
    chat = f"{channel}:{event.chat}" if event.chat else f"{channel}#{event.event_id}"
    user = f"{channel}:{event.user}" if event.user else chat
    payload = _PAYLOAD.to_db_value(event.data, None)
    return (
        channel,
        event.event_id,
        payload,
        chat[:120],
        user[:120],
        InboxStatus.RECEIVED,
        0,
        "",
        now,
    )


async def identity_of(channel: str, user: str) -> Identity | None:
    """The account that sent an event, its person read with it (one query)."""
    rows = await fetch(
        f"SELECT {columns(Identity, prefix='i_')},{columns(Person, prefix='p_')} "
        'FROM "identity" JOIN "person" ON "person"."id"="identity"."person_id" '
        'WHERE "identity"."channel"=? AND "identity"."platform_user_id"=? LIMIT 1',
        channel,
        user,
    )
    if not rows:
        return None
    identity = as_model(Identity, rows[0], "i_")
    identity._person = as_model(Person, rows[0], "p_")  # as select_related("person") sets it
    return identity


def _runs(
    waiting: list[tuple[int, str, str]], due: set[int], blocked: set[str], limit: int
) -> set[int]:
    """Which waiting events may be handled now: due, and no earlier event of the same chat or
    sender left behind (not due, or held by another lane). `waiting` is in order of arrival."""
    taken: set[int] = set()
    blocked = set(blocked)
    for id_, chat, user in waiting:
        if len(taken) >= limit:
            break
        if id_ in due and chat not in blocked and user not in blocked:
            taken.add(id_)
        else:
            blocked.update((chat, user))
    return taken


def _owned_runs(
    events: list[tuple[InboxEvent, Incoming | None]], owned: set[int]
) -> list[tuple[InboxEvent, Incoming | None]]:
    """The events locked for us, each chat's and sender's only up to the first one another
    instance holds."""
    blocked: set[str] = set()
    kept = []
    for row, incoming in events:
        if row.id in owned and row.chat_key not in blocked and row.user_key not in blocked:
            kept.append((row, incoming))
        else:
            blocked.update((row.chat_key, row.user_key))
    return kept


def _split_slow(
    events: list[tuple[InboxEvent, Incoming | None]],
) -> tuple[list[tuple[InboxEvent, Incoming | None]], list[tuple[InboxEvent, Incoming | None]]]:
    """Events that need the network before their transaction (a file, an enrolling code's
    language), with every later event of their chats and senders, apart from the rest."""
    fast, slow = [], []
    keys: set[str] = set()
    for row, incoming in events:
        needs = incoming is not None and (incoming.file is not None or _enrols(incoming))
        if needs or row.chat_key in keys or row.user_key in keys:
            slow.append((row, incoming))
            keys.update((row.chat_key, row.user_key))
        else:
            fast.append((row, incoming))
    return fast, slow


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


async def write_replies(ctx: Context, *, received_at: datetime, claim: bool) -> None:
    """The flow's answers go to the outbox in the flow's own transaction; `claim`ed, the inbox
    sends them itself once it commits."""
    for message in ctx.replies:
        await enqueue_reply(
            ctx.incoming.channel,
            ctx.incoming.chat,
            message,
            reply_token=ctx.incoming.reply_token,
            person_id=ctx.person.id if ctx.person else None,
            received_at=received_at,
            claimed=claim,
        )
