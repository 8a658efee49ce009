"""Who hears what when a request changes, in their own language: outbox rows for a change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.events import Outgoing
from core.runtime import Runtime
from core.thaidate import format_date
from locales import _, using_locale
from models.directory import deciders_of, people_with_role
from models.enums import OutboxStatus, Role, Status, TaskStatus
from models.messaging import OutboxMessage
from models.people import GroupChat, Person
from models.request import Decision, Request
from notices.buttons import approve_reject, button, form_button
from notices.cards import attachment_ids, request_card
from notices.copies import webmaster_group
from notices.outbox import Build, enqueue_group, notify
from notices.wording import reason_text

if TYPE_CHECKING:
    from models.workflow import Change

# Who is told about each action. "deciders": the approver (or acting approver) of the day;
# "decider": whoever made the last approve/verbal decision; "takedown": webmasters, only when
# the change leaves a takedown due.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "submit": ("deciders",),
    "submit_for_check": ("checkers",),
    "discard": (),
    "pass": ("deciders",),
    "send_back": ("owner",),
    "approve": ("owner", "webmasters"),
    "reject": ("owner",),
    "withdraw": ("deciders",),
    "verbal_approve": ("deciders", "owner", "webmasters"),
    "publish": ("owner",),
    "return": ("owner", "decider"),
    "revoke": ("owner", "takedown"),
    "expire": ("owner", "webmasters"),
    "takedown": ("owner", "webmasters"),
    "remove": ("owner",),
    "replace": (),  # the owner hears of the revision's publication, which says it all
    "open_task": ("webmasters",),  # a task scheduled for its publish date, on that date
}


async def recipients(rt: Runtime, change: Change, now: datetime) -> list[tuple[str, Person]]:
    """(audience, person) pairs for a change, each person once."""
    req = change.request
    found: list[tuple[str, Person]] = []
    for audience in RECIPIENTS.get(change.action, ()):
        if audience == "owner":
            people = [await Person.get(id=req.owner_id)]
        elif audience == "deciders":
            people = await deciders_of(rt.org_id, rt.today(now), req.owner_id)
            if not people and change.action in NEED_A_DECIDER:
                audience, people = "no_one", await people_with_role(rt.org_id, Role.ADMIN)
        elif audience == "checkers":
            people = [
                p for p in await people_with_role(rt.org_id, Role.CHECKER) if p.id != req.owner_id
            ]
            if not people:
                audience, people = "no_one", await people_with_role(rt.org_id, Role.ADMIN)
        elif audience == "webmasters" and _scheduled(change):
            people = []  # told on the publish date (scheduler: open-tasks)
        elif audience == "webmasters" or (
            audience == "takedown" and change.after == Status.EXPIRED
        ):
            people = await people_with_role(rt.org_id, Role.WEBMASTER)
        elif audience == "decider":
            last = (
                await Decision.filter(request_id=req.id, action__in=["approve", "verbal_approve"])
                .order_by("-id")
                .first()
            )
            person = (
                await Person.get_or_none(id=last.person_id) if last and last.person_id else None
            )
            people = (
                [person] if person else await deciders_of(rt.org_id, rt.today(now), req.owner_id)
            )
        else:
            people = []
        for person in people:
            if all(p.id != person.id for _a, p in found):
                found.append((audience, person))
    return found


# Changes that leave a request waiting for someone to decide or check it.
NEED_A_DECIDER = ("submit", "pass")


Render = Callable[[Runtime, "Change", str, Person, str, datetime], Awaitable[Outgoing | None]]


async def _decision_card(
    rt: Runtime, change: Change, audience: str, person: Person, locale: str, now: datetime
) -> Outgoing:
    req = change.request
    card = await request_card(req, locale)
    if change.action == "verbal_approve":
        text = _("Request {ref} was approved verbally ({how}). Please confirm or revoke.").format(
            ref=req.ref, how=change.decision.verbal_by if change.decision else "-"
        )
        buttons = (
            await button(_("Confirm"), "confirm", request_id=req.id, style="primary"),
            await button(_("Revoke"), "revoke", request_id=req.id, style="danger"),
        )
    elif change.action == "submit_for_check":
        text = _("Request {ref} needs checking: {title}").format(ref=req.ref, title=req.title)
        buttons = (
            await button(_("Pass"), "pass", request_id=req.id, style="primary"),
            await button(_("Send back"), "send_back", request_id=req.id, style="danger"),
        )
    else:
        text = _("New request {ref} waits for your approval: {title}").format(
            ref=req.ref, title=req.title
        )
        buttons = await approve_reject(req.id)
    if req.urgent:
        text = _("URGENT") + " · " + text
    return Outgoing(
        text=text, card=card, buttons=buttons, files=await attachment_ids(req), quick=False
    )


async def _task_card(
    rt: Runtime, change: Change, audience: str, person: Person, locale: str, now: datetime
) -> Outgoing:
    req = change.request
    card = await request_card(req, locale)
    task = change.task
    if task is not None and task.kind == "takedown":
        text = _("Take down {ref} from the website: {title}").format(ref=req.ref, title=req.title)
        label, action = _("Taken down"), "taken_down"
    elif (replaced := await _published_predecessor(req)) is not None:
        text = _(
            "Publish {ref} on the website in place of {old}: {title}. Keep its page, "
            "{url}, and {old} is replaced; at another address, {old} will be taken down."
        ).format(ref=req.ref, old=replaced.ref, url=replaced.published_url, title=req.title)
        label, action = _("Claim"), "claim"
    else:
        text = _("Publish {ref} on the website: {title}").format(ref=req.ref, title=req.title)
        label, action = _("Claim"), "claim"
    if req.urgent:
        text = _("URGENT") + " · " + text
    buttons = (
        await button(
            label, action, request_id=req.id, task_id=task.id if task else None, style="primary"
        ),
        *([await form_button(req)] if action == "claim" else []),
    )
    return Outgoing(
        text=text, card=card, buttons=buttons, files=await attachment_ids(req), quick=False
    )


async def _published_predecessor(req: Request) -> Request | None:
    """The item on the website that a revision will replace, if any."""
    if not req.revision_of_id:
        return None
    return await Request.get_or_none(
        id=req.revision_of_id, status=Status.PUBLISHED, published_url__not=""
    )


async def _owner_notice(
    rt: Runtime, change: Change, audience: str, person: Person, locale: str, now: datetime
) -> Outgoing | None:
    req, action = change.request, change.action
    decision = change.decision
    reason = reason_text(decision.reason_code, decision.reason) if decision else ""
    if action == "approve" and _scheduled(change):
        text = _(
            "Your request {ref} was approved. It goes to the webmasters on {date}, its publish date."
        ).format(ref=req.ref, date=format_date(req.publish_date, locale))
    elif action == "approve":
        text = _("Your request {ref} was approved and is going to the webmasters.").format(
            ref=req.ref
        )
    elif action == "verbal_approve":
        text = _(
            "Your urgent request {ref} was approved verbally and is going to the webmasters."
        ).format(ref=req.ref)
    elif action == "publish":
        text = _("Your request {ref} is published: {url}").format(
            ref=req.ref, url=req.published_url
        )
        return Outgoing(
            text=text, link=req.published_url or None, buttons=(await form_button(req),)
        )
    elif action in ("reject", "send_back"):
        text = _("Your request {ref} was not approved. Reason: {reason}").format(
            ref=req.ref, reason=reason or "-"
        )
        revise = await button(_("Revise"), "revise", request_id=req.id, style="primary")
        return Outgoing(text=text, buttons=(revise, await form_button(req)))
    elif action == "return":
        text = _("The webmasters could not publish {ref}. Reason: {reason}").format(
            ref=req.ref, reason=reason or "-"
        )
        revise = await button(_("Revise"), "revise", request_id=req.id, style="primary")
        return Outgoing(text=text, buttons=(revise,))
    elif action == "revoke":
        text = _("The approval of {ref} was revoked.").format(ref=req.ref)
    elif action == "expire":
        text = _(
            "The publication period of {ref} has ended; the webmasters will take it down."
        ).format(ref=req.ref)
    elif action == "takedown":
        text = _("{ref} will be taken down from the website.").format(ref=req.ref)
    elif action == "remove":
        text = _("{ref} was taken down from the website.").format(ref=req.ref)
    else:
        return None
    return Outgoing(text=text, link=req.published_url or None)


async def _decider_notice(
    rt: Runtime, change: Change, audience: str, person: Person, locale: str, now: datetime
) -> Outgoing | None:
    req = change.request
    if change.action == "withdraw":
        text = _("Request {ref} was withdrawn by its owner; nothing to decide.").format(ref=req.ref)
    elif change.action == "return":
        decision = change.decision
        reason = reason_text(decision.reason_code, decision.reason) if decision else ""
        text = _("The webmasters could not publish {ref}. Reason: {reason}").format(
            ref=req.ref, reason=reason or "-"
        )
    else:
        return await _decision_card(rt, change, audience, person, locale, now)
    return Outgoing(text=text)


async def _no_one_notice(
    rt: Runtime, change: Change, audience: str, person: Person, locale: str, now: datetime
) -> Outgoing:
    """To the admins: nobody but the owner may decide or check this request."""
    req = change.request
    owner = await Person.get(id=req.owner_id)
    text = _(
        "Request {ref} by {owner} needs someone else to decide or check it: the owner cannot "
        "decide their own request. Please hand it over (/reassign {ref} NAME) or name an "
        "acting approver (/delegate)."
    ).format(ref=req.ref, owner=owner.name)
    return Outgoing(text=text)


def _renderer(change: Change, audience: str) -> Render:
    if audience == "no_one":
        return _no_one_notice
    if audience == "owner":
        return _owner_notice
    if audience in ("webmasters", "takedown"):
        return _task_card
    return _decider_notice


def _scheduled(change: Change) -> bool:
    return change.task is not None and change.task.status == TaskStatus.SCHEDULED


async def notify_change(rt: Runtime, change: Change, now: datetime) -> list[OutboxMessage]:
    """Write the outbox rows a change causes; call inside its transaction."""
    rows: list[OutboxMessage] = []
    req = change.request
    group = await webmaster_group(rt.org_id) if _tasks_audience(change) else None
    if group is not None:
        rows.append(await _group_card(rt, change, group, now))
    for audience, person in await recipients(rt, change, now):
        if group is not None and audience in ("webmasters", "takedown"):
            continue  # the group has the one shared card
        not_before = None
        if audience == "owner" and change.action in HELD_BACK:
            # Held back: a quick publication makes "approved" and "published" one push.
            not_before = now + timedelta(minutes=rt.org.workflow.publish_merge_minutes)
        row = await notify(
            person,
            _builder(rt, change, audience, person, now),
            default_locale=rt.default_locale,
            request_id=req.id,
            kind=f"{change.action}.{audience}",
            not_before=not_before,
        )
        if row is not None:
            rows.append(row)
    return rows


def _builder(rt: Runtime, change: Change, audience: str, person: Person, now: datetime) -> Build:
    """What one recipient is told about a change, in the locale notify() gives."""

    async def build(locale: str) -> Outgoing | None:
        message = await _renderer(change, audience)(rt, change, audience, person, locale, now)
        if message is None or audience != "owner":
            return message
        if change.action == "publish":
            return await _merge_with_pending_approval(change.request, person, message)
        if change.action in ("return", "revoke"):
            await _held_approval(change.request, person).update(status=OutboxStatus.CANCELLED)
        return message

    return build


# Owner notices held back so that a quick publication says "approved" and "published" at once.
HELD_BACK = ("approve", "verbal_approve")


def _tasks_audience(change: Change) -> bool:
    """Whether a change sends the webmasters a task card (a scheduled one waits for its day)."""
    if _scheduled(change):
        return False
    audiences = RECIPIENTS.get(change.action, ())
    return "webmasters" in audiences or ("takedown" in audiences and change.after == Status.EXPIRED)


async def _group_card(rt: Runtime, change: Change, group: GroupChat, now: datetime):
    """The task card once to the webmasters group, in the organization's language."""
    with using_locale(rt.default_locale):
        message = await _task_card(rt, change, "webmasters", None, rt.default_locale, now)
    return await enqueue_group(
        group, message, request_id=change.request.id, kind=f"{change.action}.group"
    )


def _held_approval(req: Request, person: Person):
    return OutboxMessage.filter(
        request_id=req.id,
        person_id=person.id,
        kind__in=[f"{action}.owner" for action in HELD_BACK],
        status=OutboxStatus.PENDING,
    )


async def _merge_with_pending_approval(req: Request, person: Person, message: Outgoing) -> Outgoing:
    """Cancel the owner's unsent "approved" notice and say both things in one message."""
    cancelled = await _held_approval(req, person).update(status=OutboxStatus.CANCELLED)
    if not cancelled:
        return message
    text = _("Your request {ref} was approved and is now published: {url}").format(
        ref=req.ref, url=req.published_url
    )
    return Outgoing(text=text, link=message.link, buttons=message.buttons)
