"""The outbox worker: delivers rows in order per chat, with retries, backoff and rate limits."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q

from bot.channels import AttachmentSource, Channel, Delivery
from bot.health import Health
from bot.loop import GroupCommit, drain_forever
from bot.metrics import Metrics
from bot.pacing import QUEUED, URGENT, ChatPacer, Gate
from core.events import SECRET, Outgoing
from core.runtime import Runtime
from models.db import atomic
from models.enums import Channel as Platform
from models.enums import OutboxStatus
from models.messaging import OutboxMessage, OutboxSender
from models.people import Identity
from models.sql import execute_many
from notices.dead import report_dead

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5  # seconds; doubles per failure, with jitter
BACKOFF_CAP = 300.0  # seconds: through a long outage a message is tried every 5 minutes
RETRY_WINDOW = timedelta(hours=24)  # without an org file; org.toml [delivery] retry_hours
LINE_BATCH = 5  # LINE: messages per reply/push call
REPLY_MARGIN = timedelta(seconds=3)  # a reply token this close to its end is not tried
# Telegram: about 30 messages a second to different chats and one a second to a chat
# (Bots FAQ), kept a little under; LINE: 2,000 requests a second for reply and push. Shared
# by the instances on one database; a round claims about one second's worth.
RATES = {"telegram": 29, "line": 2000}
SENDER_TTL = timedelta(seconds=30)  # a worker not seen this long has stopped
LINE_ROUND = 500
DIRECT_WAIT = 1.5  # seconds a reply may wait for its chat's pace before the worker takes it
REPORT_CHECK = timedelta(minutes=1)  # how often the worker looks for deaths to report
CHAT_PACE = timedelta(seconds=1)  # Telegram: about one message a second to one chat
STALE_CHECK = timedelta(seconds=10)  # how often it looks for rows left sending by a stop
MAYBE_SENT = "may have been sent: no answer was recorded before the process stopped"
# A delivered row, the outcome of nearly every send: written for many rows in one statement.
SETTLE_SENT = (
    'UPDATE "outbox_message" SET "status"=?,"sent_at"=?,"platform_message_id"=?,"used_push"=?,'
    '"last_error"=? WHERE "id"=?'
)

Outcome = Callable[[], Awaitable[None]] | list[tuple]  # a write, or SETTLE_SENT's values


def backoff(failures: int) -> float:
    """Exponential backoff with jitter (between half and all of the step), at most 5 minutes."""
    step = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, failures - 1))
    return random.uniform(step / 2, step)


class OutboxWorker:
    """Sends what the outbox holds; any instance may run one, rows are claimed conditionally.

    Two ways out, through the same gates, answers first: `send_claimed` sends the replies the
    inbox wrote already claimed, the moment their transaction commits; the worker's rounds
    send the rest (notifications, retries, whatever a stopped process left). Outcomes are
    recorded in shared transactions, one commit for many sends.
    """

    def __init__(
        self,
        channels: dict[str, Channel],
        files: AttachmentSource,
        metrics: Metrics | None = None,
        concurrency: int = 64,
        send_timeout: float = 20.0,
        *,
        rt: Runtime | None = None,
        health: Health | None = None,
        sender_id: str | None = None,
    ) -> None:
        self.channels = channels
        self.files = files
        self.metrics = metrics
        self.rt = rt
        self.health = health or Health()
        self.retry_window = (
            timedelta(hours=rt.org.delivery.retry_hours) if rt is not None else RETRY_WINDOW
        )
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._report_check: datetime | None = None  # next look for deaths to report
        self._stale_check: datetime | None = None  # next look for rows a stopped process left
        self.wakeup = asyncio.Event()
        self.concurrency = asyncio.Semaphore(concurrency)
        self.send_timeout = send_timeout
        self.limits = {name: Gate(rate) for name, rate in RATES.items()}
        # How the other instances count this one; `webpub serve` names it after its address, so
        # a restart knows the rows its previous life left sending.
        self.sender_id = sender_id or uuid.uuid4().hex
        self.senders = 1  # outbox workers on this database at the last look
        self._born = datetime.now(UTC)
        self._looked_for_orphans = False
        self.pacer = ChatPacer()
        self.in_flight: set[int] = set()  # rows this process is sending now
        self._chains: dict[tuple[str, str], asyncio.Task[bool]] = {}
        self._outcomes: GroupCommit[Outcome] = GroupCommit(_write_outcomes)

    async def run(self) -> None:
        """Work until cancelled; wakes on new rows and looks again twice a second regardless."""
        await drain_forever(
            self.deliver_due, self.wakeup, idle=0.5, name="outbox", on_fault=self.health.failed
        )

    async def deliver_due(self, now: datetime | None = None) -> int:
        """One round: claim the first due row of each chat (with the rows that can share its
        call) in one transaction, send them all, and record each outcome as soon as it is
        known (a crash between a send and its record is what can duplicate on Telegram)."""
        now = now or self.clock()
        batches = await self._claim(now)
        if batches:
            await asyncio.gather(*(self._send_and_settle(batch, now) for batch in batches))
        if self.rt is not None and (self._report_check is None or now >= self._report_check):
            self._report_check = now + REPORT_CHECK
            async with atomic():
                await report_dead(self.rt, now)
        return sum(len(b) for b in batches)

    async def _send_and_settle(self, batch: list[OutboxMessage], now: datetime) -> None:
        try:
            result = await self._send(batch, URGENT if batch[0].priority == 0 else QUEUED)
            await self._settle_soon(batch, result, now)
        finally:
            self.in_flight.difference_update(r.id for r in batch)

    # -- replies straight from the inbox ------------------------------------------------------

    def send_claimed(self, rows: list[OutboxMessage]) -> list[asyncio.Task[bool]]:
        """Send replies the inbox wrote claimed, now that their transaction has committed;
        each chat's go after whatever this process is still sending to that chat."""
        chats: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            chats[(row.channel.value, row.chat_id)].append(row)
            self.in_flight.add(row.id)
        tasks = []
        for key, queue in chats.items():
            task = asyncio.create_task(self._chain(self._chains.get(key), key, _calls(queue)))
            self._chains[key] = task
            task.add_done_callback(functools.partial(self._chain_done, key))
            tasks.append(task)
        return tasks

    def _chain_done(self, key: tuple[str, str], task: asyncio.Task[bool]) -> None:
        if self._chains.get(key) is task:
            del self._chains[key]

    async def sent(self) -> None:
        """Wait until every reply handed over by `send_claimed` has been sent or handed back."""
        while self._chains:
            await asyncio.gather(*list(self._chains.values()), return_exceptions=True)

    async def stop(self, grace: float = 5.0) -> None:
        """At shutdown: let the replies on their way finish for a moment, then stop them (a row
        left sending is sent again by the next process)."""
        try:
            await asyncio.wait_for(self.sent(), grace)
        except TimeoutError:
            for task in list(self._chains.values()):
                task.cancel()
        await self._outcomes.settled()
        try:  # the others take this worker's share at their next look
            await OutboxSender.filter(id=self.sender_id).delete()
        except Exception as exc:  # the database is away: the row expires after SENDER_TTL
            log.info("could not sign the outbox worker off: %s", exc)

    async def _chain(
        self,
        before: asyncio.Task[bool] | None,
        key: tuple[str, str],
        calls: list[list[OutboxMessage]],
    ) -> bool:
        """Send one chat's calls in order; once one is not delivered, the rest wait in the
        outbox behind it. True when all of them went out."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        delivered = True
        if before is not None:
            delivered = await asyncio.gather(before, return_exceptions=True) == [True]
        for batch in calls:
            try:
                wait = self.pacer.wait(key[1]) if key[0] == "telegram" else 0.0
                late = loop.time() + wait - started > self.send_timeout
                if not delivered or wait > DIRECT_WAIT or late:
                    await self._record(lambda b=batch, w=wait: self._hand_back(b, w))
                    delivered = False
                    continue
                if wait:
                    await asyncio.sleep(wait)
                result = await self._send(batch, URGENT)
                await self._settle_soon(batch, result, self.clock())
                delivered = result.ok
            except Exception:
                log.exception("sending replies %s failed", [r.id for r in batch])
                delivered = False
            finally:
                self.in_flight.difference_update(r.id for r in batch)
        return delivered

    async def _hand_back(self, batch: list[OutboxMessage], wait: float) -> None:
        """Replies not sent at once (an earlier one failed, or the chat must slow down) are left
        to the worker's rounds, which keep the chat's order."""
        await OutboxMessage.filter(
            id__in=[r.id for r in batch], status=OutboxStatus.SENDING
        ).update(
            status=OutboxStatus.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=self.clock() + timedelta(seconds=wait),
        )
        self.wakeup.set()

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write an outcome in a transaction shared with the outcomes arriving meanwhile."""
        await self._outcomes.add(write)

    async def _settle_soon(
        self, batch: list[OutboxMessage], result: Delivery, now: datetime
    ) -> None:
        """Record a send's outcome in the next shared transaction: every delivery in one
        UPDATE with the others', a failure by `_settle_failure`."""
        if self.metrics is not None:
            self.metrics.delivery(batch[0].channel.value, result)
        if not result.ok:
            await self._record(lambda: self._settle_failure(batch, result, now))
            return
        sent = [
            (
                OutboxStatus.SENT,
                now,
                result.message_id if n == 0 else None,
                result.used_push,
                "",
                row.id,
            )
            for n, row in enumerate(batch)
        ]
        if any(row.payload.get("extra", {}).get(SECRET) for row in batch):
            await self._record(lambda: _sent_forgetting_codes(sent, batch))
        else:
            await self._outcomes.add(sent)

    # -- the worker's rounds ------------------------------------------------------------------

    async def _claim(self, now: datetime) -> list[list[OutboxMessage]]:
        if self._stale_check is None or now >= self._stale_check:
            self._stale_check = now + STALE_CHECK
            async with atomic():
                await self._recover_stale(now)
                await self._share_limits(now)
        if not await _anything_due(now):
            return []  # the usual case between bursts: no write transaction at all
        async with atomic() as connection:
            if connection.capabilities.dialect == "postgres":
                # Claimers on several instances take turns; SQLite's BEGIN IMMEDIATE already does.
                await connection.execute_query("SELECT pg_advisory_xact_lock(7340401)")
            rows = (
                await OutboxMessage.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
                .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                .order_by("priority", "id")
                .limit(500)
            )
            chats: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
            for row in rows:
                chats[(row.channel.value, row.chat_id)].append(row)
            budget = {"telegram": self.limits["telegram"].rate}  # one second's worth
            paced = await self._sent_lately(chats, now) if self.senders > 1 else set()
            batches: list[list[OutboxMessage]] = []
            for (channel, chat), queue in chats.items():
                head = queue[0]
                if head.status == OutboxStatus.SENDING:
                    continue  # an earlier message of this chat is on its way: keep the order
                if head.next_attempt_at is not None and head.next_attempt_at > now:
                    continue
                if budget.get(channel, LINE_ROUND) <= 0:
                    continue  # the rest wait for the next round: no row sits claimed for long
                if channel == "telegram" and (chat in paced or self.pacer.wait(chat) > 0):
                    continue
                budget[channel] = budget.get(channel, LINE_ROUND) - 1
                batches.append(self._batch(channel, queue, now))
            await self._mark_sending(batches, now)
        return batches

    async def _recover_stale(self, now: datetime) -> None:
        """Rows left sending by a process that stopped: sent again (LINE pushes carry their
        retry key; Telegram has none, so the row says it may have been sent)."""
        before = now - timedelta(seconds=2 * self.send_timeout)
        if not self._looked_for_orphans:
            self._looked_for_orphans = True
            if not await _other_senders(self.sender_id, now):
                # Nobody else is sending: what was claimed before this worker began was left
                # by a process that stopped (this one's previous life, on a restart).
                before = max(before, self._born)
        stale = OutboxMessage.filter(status=OutboxStatus.SENDING, next_attempt_at__lt=before)
        if self.in_flight:
            stale = stale.exclude(id__in=list(self.in_flight))
        await stale.filter(channel=Platform.TELEGRAM).update(
            status=OutboxStatus.PENDING, maybe_sent=True, last_error=MAYBE_SENT
        )
        await stale.update(status=OutboxStatus.PENDING)

    async def _share_limits(self, now: datetime) -> None:
        """Say this worker is alive, count the workers seen lately and take an even share of
        each platform's overall limit (so two instances send 14 + 14 a second on Telegram)."""
        if not await OutboxSender.filter(id=self.sender_id).update(seen_at=now):
            await OutboxSender.create(id=self.sender_id, seen_at=now)
        await OutboxSender.filter(seen_at__lt=now - SENDER_TTL).delete()
        senders = max(1, await OutboxSender.filter(seen_at__gte=now - SENDER_TTL).count())
        self.senders = senders
        for gate in self.limits.values():
            gate.rate = max(1, gate.full_rate // senders)

    async def _sent_lately(
        self, chats: dict[tuple[str, str], list[OutboxMessage]], now: datetime
    ) -> set[str]:
        """Telegram chats that got a message in the last second, from any instance: with
        several, each one's own pacer sees only its own sends."""
        telegram = [chat for channel, chat in chats if channel == "telegram"]
        if not telegram:
            return set()
        rows = await OutboxMessage.filter(
            channel=Platform.TELEGRAM,
            status=OutboxStatus.SENT,
            sent_at__gt=now - CHAT_PACE,
            chat_id__in=telegram,
        ).values_list("chat_id", flat=True)
        return set(rows)

    async def _mark_sending(self, batches: list[list[OutboxMessage]], now: datetime) -> None:
        """One statement for all the single sends; a shared call takes its head's key and token."""
        singles = [b[0].id for b in batches if len(b) == 1]
        if singles:
            await OutboxMessage.filter(id__in=singles).update(
                status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now
            )
        for batch in batches:
            head = batch[0]
            if len(batch) > 1:
                await OutboxMessage.filter(id__in=[r.id for r in batch]).update(
                    status=OutboxStatus.SENDING,
                    attempts=F("attempts") + 1,
                    next_attempt_at=now,
                    retry_key=head.retry_key,
                    reply_token=head.reply_token,
                )
            self.in_flight.update(r.id for r in batch)

    @staticmethod
    def _batch(channel: str, queue: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
        """Rows of one chat that go out in one LINE call (one reply, or one push that costs one).

        A push batch is fixed by its retry key: every row in it carries the head's key, so a retry
        resends exactly the same body and LINE's 409 means all of them were delivered.
        """
        head = queue[0]
        if channel != "line":
            return [head]
        _drop_late_tokens(queue, now)
        batch = [head]
        for row in queue[1:LINE_BATCH]:
            if row.status != OutboxStatus.PENDING or row.reply_token != head.reply_token:
                break
            if (
                not head.reply_token
                and (head.attempts or row.attempts)
                and row.retry_key != head.retry_key
            ):
                break
            batch.append(row)
        return batch

    async def _send(self, batch: list[OutboxMessage], priority: int) -> Delivery:
        channel = self.channels.get(batch[0].channel.value)
        if channel is None:
            return Delivery(ok=True)  # sandbox and platforms switched off: nothing to send
        await self.limits.get(channel.name, self.limits["line"]).take(priority)
        if channel.name == "telegram":
            self.pacer.sent(batch[0].chat_id)
        async with self.concurrency:
            _drop_late_tokens(batch, self.clock())
            await self._resolve_edit(batch)
            try:
                return await asyncio.wait_for(
                    channel.deliver(batch, self.files), timeout=self.send_timeout
                )
            except TimeoutError:
                return Delivery(ok=False, error="timeout", maybe_sent=True)
            except Exception as exc:
                # Not a platform answer but a fault of ours or the network's: retried until
                # the retry window closes, so it can never loop forever.
                log.exception("delivering outbox %s failed", [r.id for r in batch])
                return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")

    async def _resolve_edit(self, batch: list[OutboxMessage]) -> None:
        """An edit names an outbox row; the platform needs that row's message id."""
        for row in batch:
            edit_of = row.payload.get("edit_of")
            if edit_of:
                target = await OutboxMessage.get_or_none(id=edit_of)
                message = Outgoing.from_dict(row.payload)
                message.extra["message_id"] = target.platform_message_id if target else None
                row.payload = message.to_dict()

    async def _settle_failure(
        self, batch: list[OutboxMessage], result: Delivery, now: datetime
    ) -> None:
        ids = [r.id for r in batch]
        head = batch[0]
        error = result.error[:2000]
        if result.reply_refused:
            # The reply token is spent or too old: the same message goes out as a push, once.
            await OutboxMessage.filter(id__in=ids).update(
                status=OutboxStatus.PENDING, reply_token=None, next_attempt_at=now, last_error=error
            )
            return
        if result.out_of_quota and await self._reroute_to_telegram(batch):
            return
        maybe = (
            {"maybe_sent": True} if result.maybe_sent and head.channel == Platform.TELEGRAM else {}
        )
        if result.rate_limited:
            # The platform asks us to slow down: a wait, not a failure, and no step to death.
            wait = result.retry_after if result.retry_after is not None else backoff(1)
            await OutboxMessage.filter(id__in=ids).update(
                status=OutboxStatus.PENDING,
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=error,
                **maybe,
            )
            await _forget_codes(batch)
            return
        give_up_at = head.give_up_at or now + self.retry_window
        if result.permanent or now >= give_up_at:
            log.warning("outbox %s dead after %s attempts: %s", ids, head.attempts + 1, error)
            await OutboxMessage.filter(id__in=ids).update(
                status=OutboxStatus.DEAD, died_at=now, last_error=error, **maybe
            )
            return
        failures = head.failures + 1
        wait = result.retry_after if result.retry_after is not None else backoff(failures)
        await OutboxMessage.filter(id__in=ids).update(
            status=OutboxStatus.PENDING,
            failures=failures,
            give_up_at=give_up_at,
            next_attempt_at=now + timedelta(seconds=wait),
            last_error=error,
            **maybe,
        )

    async def _reroute_to_telegram(self, batch: list[OutboxMessage]) -> bool:
        """LINE's monthly pushes are used up: people who also use Telegram get it there."""
        rerouted = False
        for row in batch:
            identity = (
                await Identity.filter(person_id=row.person_id, channel=Platform.TELEGRAM).first()
                if row.person_id
                else None
            )
            if identity is None or "telegram" not in self.channels:
                continue
            await OutboxMessage.filter(id=row.id).update(
                channel=Platform.TELEGRAM,
                chat_id=identity.chat_id,
                status=OutboxStatus.PENDING,
                reply_token=None,
                next_attempt_at=self.clock(),
                last_error="LINE quota used up",
            )
            rerouted = True
        return rerouted


async def _write_outcomes(outcomes: list[Outcome]) -> None:
    """Inside the shared transaction: every plain delivery in one statement, then the rest."""
    await execute_many(SETTLE_SENT, [row for o in outcomes if isinstance(o, list) for row in o])
    for outcome in outcomes:
        if not isinstance(outcome, list):
            await outcome()


async def _sent_forgetting_codes(sent: list[tuple], batch: list[OutboxMessage]) -> None:
    """A delivered message that carried a one-time code: marked sent, and the code wiped."""
    await execute_many(SETTLE_SENT, sent)
    await _forget_codes(batch)


async def _other_senders(sender_id: str, now: datetime) -> bool:
    """Whether another outbox worker on this database was seen lately."""
    lately = OutboxSender.filter(seen_at__gte=now - SENDER_TTL)
    return await lately.exclude(id=sender_id).exists()


async def _anything_due(now: datetime) -> bool:
    """Is any row waiting to be sent now? One read, outside any transaction."""
    return (
        await OutboxMessage.filter(status=OutboxStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exists()
    )


def _drop_late_tokens(rows: list[OutboxMessage], now: datetime) -> None:
    """A reply token that cannot make its window is never tried: the row goes as a push."""
    for row in rows:
        if row.reply_token and row.reply_until and row.reply_until < now + REPLY_MARGIN:
            row.reply_token = None


def _calls(queue: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """One chat's replies as platform calls: on LINE, the rows of one reply token together."""
    calls: list[list[OutboxMessage]] = []
    for row in queue:
        last = calls[-1] if calls else None
        if (
            last is not None
            and row.channel == Platform.LINE
            and row.reply_token
            and last[0].reply_token == row.reply_token
            and len(last) < LINE_BATCH
        ):
            last.append(row)
        else:
            calls.append([row])
    return calls


CODE_WIPED = "(a one-time code was sent here; it is not kept after delivery)"


async def _forget_codes(batch: list[OutboxMessage]) -> None:
    """Once delivered (or given up), a message with a one-time code keeps no trace of the code."""
    for row in batch:
        if row.payload.get("extra", {}).get(SECRET):
            wiped = Outgoing(text=CODE_WIPED).to_dict()
            await OutboxMessage.filter(id=row.id).update(payload=wiped, reply_token=None)
