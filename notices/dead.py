"""Messages delivery gave up on: the admins are told, on another platform where they have one.

A dead message is never silent. The report is written in the transaction that marks the
messages reported; a report that dies itself is not reported again (it would loop).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Outgoing
from core.runtime import Runtime
from locales import _, ngettext, using_locale
from models.directory import people_with_role
from models.enums import Channel, OutboxStatus, Role
from models.messaging import OutboxMessage
from models.people import Identity, Person
from notices.outbox import enqueue_reply, locale_of

REPORT_KIND = "dead.report"
LISTED_MAX = 10  # dead messages named in one report; the rest are counted
EXCERPT_MAX = 80
# Messages whose loss stops the procedure; the digest lists them too.
CRITICAL_PREFIXES = {
    "submit.deciders": "approval",
    "pass.deciders": "approval",
    "reassign.approver": "approval",
    "verbal_approve.deciders": "verbal",
    "expire.": "takedown",
    "takedown.": "takedown",
    "revoke.takedown": "takedown",
    "scheduler.takedown": "takedown",
}
# Messages of one outage die within minutes of each other: one report for them all.
GATHER = timedelta(minutes=10)
DIGEST_LOOKBACK = timedelta(days=7)  # dead critical messages listed in digests this long


def critical_kind(kind: str) -> str | None:
    """'approval', 'takedown' or 'verbal' for a message the procedure cannot do without."""
    for prefix, what in CRITICAL_PREFIXES.items():
        if kind == prefix or (prefix.endswith(".") and kind.startswith(prefix)):
            return what
    return None


def what_it_was(kind: str) -> str:
    """The kind of a message in the reader's words."""
    what = critical_kind(kind)
    if what == "approval":
        return _("an approval card")
    if what == "takedown":
        return _("a takedown task")
    if what == "verbal":
        return _("a verbal approval to confirm")
    if kind == "reply":
        return _("an answer in a conversation")
    return _("a notice")


async def recipient_name(row: OutboxMessage) -> str:
    person = await Person.get_or_none(id=row.person_id) if row.person_id else None
    if person is not None:
        return person.name
    return _("group chat {chat}").format(chat=row.chat_id)


async def dead_line(row: OutboxMessage) -> str:
    """`• #42 to สมชาย on LINE, an approval card: “WP-2569-0042 …” (500 …)`."""
    text = " ".join(str((row.payload or {}).get("text", "")).split())
    if len(text) > EXCERPT_MAX:
        text = text[: EXCERPT_MAX - 1] + "…"
    return _("• #{id} to {name} on {channel}, {what}: “{text}” ({error})").format(
        id=row.id,
        name=await recipient_name(row),
        channel=row.channel.value,
        what=what_it_was(row.kind),
        text=text,
        error=row.last_error[:100],
    )


async def report_dead(rt: Runtime, now: datetime) -> int:
    """Tell every admin about the messages that died and were not reported yet, once the
    first of them has been dead for GATHER; call it in a transaction. Returns how many dead
    messages the reports cover."""
    if not await OutboxMessage.filter(
        status=OutboxStatus.DEAD, reported_at=None, died_at__lte=now - GATHER
    ).exists():
        return 0
    rows = (
        await OutboxMessage.filter(status=OutboxStatus.DEAD, reported_at=None)
        .order_by("id")
        .limit(500)
    )
    if not rows:
        return 0
    await OutboxMessage.filter(id__in=[r.id for r in rows]).update(reported_at=now)
    rows = [r for r in rows if r.kind != REPORT_KIND]
    if not rows:
        return 0
    platforms = {r.channel for r in rows}
    for admin in await people_with_role(rt.org_id, Role.ADMIN):
        identity = await _report_address(admin, platforms)
        if identity is None:
            continue
        with using_locale(await locale_of(admin, rt.default_locale)):
            lines = [await dead_line(r) for r in rows[:LISTED_MAX]]
            rest = len(rows) - len(lines)
            if rest > 0:
                lines.append(ngettext("…and {n} more", "…and {n} more", rest).format(n=rest))
            heading = ngettext(
                "{n} message could not be delivered and was given up:",
                "{n} messages could not be delivered and were given up:",
                len(rows),
            ).format(n=len(rows))
            footer = _(
                "`webpub outbox list --status dead` shows them; `webpub outbox retry --dead` "
                "sends them again."
            )
            message = Outgoing(text="\n".join([heading, *lines, footer]))
        await enqueue_reply(
            identity.channel.value,
            identity.chat_id,
            message,
            person_id=admin.id,
            kind=REPORT_KIND,
        )
    return len(rows)


async def _report_address(admin: Person, platforms: set[Channel]) -> Identity | None:
    """An admin's chat on a platform other than the failing ones, else their first."""
    identities = await Identity.filter(person_id=admin.id).order_by("id")
    for identity in identities:
        if identity.channel not in platforms:
            return identity
    return identities[0] if identities else None


async def dead_for(person_id: int, now: datetime) -> list[OutboxMessage]:
    """Critical messages to a person that died lately and were not sent again since."""
    rows = await OutboxMessage.filter(
        person_id=person_id, status=OutboxStatus.DEAD, died_at__gte=now - DIGEST_LOOKBACK
    ).order_by("id")
    return [r for r in rows if critical_kind(r.kind) is not None]
