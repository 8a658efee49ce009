"""The outbox worker: delivers rows in order per chat, with retries, backoff and rate limits."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.channels import AttachmentSource, Channel, Delivery
from bot.health import Health
from bot.loop import drain_forever
from bot.metrics import Metrics
from core.events import SECRET, Outgoing
from core.runtime import Runtime
from models.enums import Channel as Platform
from models.enums import OutboxStatus
from models.messaging import OutboxMessage
from models.people import Identity
from notices.dead import report_dead

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5  # seconds; doubles per failure, with jitter
BACKOFF_CAP = 300.0  # seconds: through a long outage a message is tried every 5 minutes
RETRY_WINDOW = timedelta(hours=24)  # without an org file; org.toml [delivery] retry_hours
LINE_BATCH = 5  # LINE: messages per reply/push call
REPORT_CHECK = timedelta(minutes=1)  # how often the worker looks for deaths to report
MAYBE_SENT = "may have been sent: no answer was recorded before the process stopped"


class RateLimiter:
    """A token bucket: at most `rate` sends per second, in bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = asyncio.get_running_loop().time()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


def backoff(failures: int) -> float:
    """Exponential backoff with jitter (between half and all of the step), at most 5 minutes."""
    step = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, failures - 1))
    return random.uniform(step / 2, step)


class OutboxWorker:
    """Sends what the outbox holds; any instance may run one, rows are claimed conditionally."""

    def __init__(
        self,
        channels: dict[str, Channel],
        files: AttachmentSource,
        metrics: Metrics | None = None,
        concurrency: int = 16,
        send_timeout: float = 20.0,
        *,
        rt: Runtime | None = None,
        health: Health | None = None,
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
        self.wakeup = asyncio.Event()
        self.concurrency = asyncio.Semaphore(concurrency)
        self.send_timeout = send_timeout
        # Telegram: about 30 messages a second to different chats (Bots FAQ); LINE: 2,000 req/s.
        self.limits = {"telegram": RateLimiter(30, 30), "line": RateLimiter(500, 100)}

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
            async with in_transaction():
                await report_dead(self.rt, now)
        return sum(len(b) for b in batches)

    async def _send_and_settle(self, batch: list[OutboxMessage], now: datetime) -> None:
        result = await self._send(batch)
        async with in_transaction():
            await self._settle(batch, result, now)

    async def _claim(self, now: datetime) -> list[list[OutboxMessage]]:
        async with in_transaction() as connection:
            if connection.capabilities.dialect == "postgres":
                # Claimers on several instances take turns; SQLite's BEGIN IMMEDIATE already does.
                await connection.execute_query("SELECT pg_advisory_xact_lock(7340401)")
            # Rows left sending by a process that stopped: sent again (LINE pushes carry
            # their retry key; Telegram has none, so the row says it may have been sent).
            stale = now - timedelta(seconds=2 * self.send_timeout)
            await OutboxMessage.filter(
                status=OutboxStatus.SENDING, next_attempt_at__lt=stale, channel=Platform.TELEGRAM
            ).update(status=OutboxStatus.PENDING, maybe_sent=True, last_error=MAYBE_SENT)
            await OutboxMessage.filter(
                status=OutboxStatus.SENDING, next_attempt_at__lt=stale
            ).update(status=OutboxStatus.PENDING)
            rows = (
                await OutboxMessage.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
                .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                .order_by("id")
                .limit(500)
            )
            chats: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
            for row in rows:
                chats[(row.channel.value, row.chat_id)].append(row)
            batches = []
            for (channel, _chat), queue in chats.items():
                head = queue[0]
                if head.status == OutboxStatus.SENDING:
                    continue  # an earlier message of this chat is on its way: keep the order
                if head.next_attempt_at is not None and head.next_attempt_at > now:
                    continue
                batch = self._batch(channel, queue, now)
                await OutboxMessage.filter(id__in=[r.id for r in batch]).update(
                    status=OutboxStatus.SENDING,
                    attempts=F("attempts") + 1,
                    next_attempt_at=now,
                    retry_key=head.retry_key,
                    reply_token=head.reply_token,
                )
                batches.append(batch)
        return batches

    @staticmethod
    def _batch(channel: str, queue: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
        """Rows of one chat that go out in one LINE call (one reply, or one push that costs one).

        A push batch is fixed by its retry key: every row in it carries the head's key, so a retry
        resends exactly the same body and LINE's 409 means all of them were delivered.
        """
        head = queue[0]
        if channel != "line":
            return [head]
        for row in queue:
            if row.reply_token and row.reply_until and row.reply_until < now:
                row.reply_token = None  # too old to use: it becomes a push
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

    async def _send(self, batch: list[OutboxMessage]) -> Delivery:
        channel = self.channels.get(batch[0].channel.value)
        if channel is None:
            return Delivery(ok=True)  # sandbox and platforms switched off: nothing to send
        async with self.concurrency:
            await self.limits.get(channel.name, self.limits["line"]).take()
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

    async def _settle(self, batch: list[OutboxMessage], result: Delivery, now: datetime) -> None:
        ids = [r.id for r in batch]
        head = batch[0]
        if self.metrics is not None:
            self.metrics.delivery(head.channel.value, result)
        if result.ok:
            await OutboxMessage.filter(id=head.id).update(
                status=OutboxStatus.SENT,
                sent_at=now,
                platform_message_id=result.message_id,
                used_push=result.used_push,
                last_error="",
            )
            await OutboxMessage.filter(id__in=ids[1:]).update(
                status=OutboxStatus.SENT, sent_at=now, used_push=result.used_push
            )
            await _forget_codes(batch)
            return
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


CODE_WIPED = "(a one-time code was sent here; it is not kept after delivery)"


async def _forget_codes(batch: list[OutboxMessage]) -> None:
    """Once delivered (or given up), a message with a one-time code keeps no trace of the code."""
    for row in batch:
        if row.payload.get("extra", {}).get(SECRET):
            wiped = Outgoing(text=CODE_WIPED).to_dict()
            await OutboxMessage.filter(id=row.id).update(payload=wiped, reply_token=None)
