"""The webmasters' publishing task (2.2.2; publish.mmd): claim, publish with the URL, or not.

[Claim] ──first tap wins──► claimed: the claimer gets [Published] and [Cannot publish],
   │                         the other copies show who took it (Telegram: buttons off)
   └──a later tap──► "already claimed by … at …"
[Published] ──► publish.url ──a URL on the org's website──► checked (website.py), then published
                    └──anything else──► publish.url (told why)
[Cannot publish] ──► publish.reason ──typed reason──► returned, the owner and approver told
/tasks: the open tasks and one's own claimed ones, with their buttons again
"""

from __future__ import annotations

from urllib.parse import urlsplit

import procedure
from core.errors import Refusal
from core.events import Button, Outgoing
from core.thaidate import format_datetime
from handlers.base import Context
from handlers.common import personal_button, start_dialog
from handlers.guards import require_role, stale
from handlers.routing import Router
from handlers.website import checking
from locales import _, current_locale
from models import workflow
from models.audit import append_event
from models.enums import Role, Status, TaskKind, TaskStatus
from models.messaging import ButtonToken, Dialog
from models.people import Person
from models.request import Request, Task
from notices.buttons import button
from notices.copies import retire_buttons
from procedure import website

FLOW = "publish"
ASK_URL = "publish.url"
ASK_REASON = "publish.reason"
URL_MAX = 1000
REASON_MAX = 500
TASKS_MAX = 6
MINE_MAX = 3  # with the open list, four messages: one LINE reply carries at most five


router = Router("publish")

def page_url_error(text: str, website_host: str) -> str | None:
    """None when text is an http(s) URL on the organization's website (or a subdomain)."""
    base = website_host.split(":", 1)[0].removeprefix("www.")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme not in ("http", "https") or not host or " " in text:
        return _("Please send the full address of the page, starting with https://")
    if len(text) > URL_MAX:
        return _("That address is too long.")
    if host != base and not host.endswith("." + base):
        return _(
            "That address is not on the website {host}. Please send the page's address there."
        ).format(host=website_host)
    return None


async def _publish_task(token: ButtonToken) -> tuple[Task, Request]:
    task = await Task.get_or_none(id=token.task_id) if token.task_id else None
    req = await Request.get_or_none(id=task.request_id) if task else None
    if task is None or req is None or task.kind != TaskKind.PUBLISH:
        raise stale()
    return task, req


async def _taken(ctx: Context, task: Task, req: Request) -> Refusal:
    """Why a claim lost: who has it, or that it is finished."""
    task = await Task.get(id=task.id)
    if task.status == TaskStatus.CLAIMED and task.claimed_by_id:
        claimer = await Person.get(id=task.claimed_by_id)
        if ctx.person and claimer.id == ctx.person.id:
            return Refusal(_("You have already claimed {ref}.").format(ref=req.ref))
        when = format_datetime(task.claimed_at.astimezone(ctx.rt.tz), ctx.locale)
        return Refusal(
            _("{ref} was already claimed by {name} at {when}.").format(
                ref=req.ref, name=claimer.name, when=when
            )
        )
    if task.status == TaskStatus.DONE:
        return Refusal(_("{ref} is already published.").format(ref=req.ref))
    return Refusal(_("The task for {ref} is closed.").format(ref=req.ref))


@router.button("claim")
async def claim(ctx: Context, token: ButtonToken) -> None:
    """The first webmaster to tap takes the task; the others see who took it."""
    await require_role(ctx, Role.WEBMASTER)
    task, req = await _publish_task(token)
    if req.status != Status.APPROVED:
        raise await _taken(ctx, task, req)
    claimed = await workflow.change_tasks(
        Task.filter(id=task.id), "claim", claimed_by_id=ctx.person.id, claimed_at=ctx.now
    )
    if not claimed:
        raise await _taken(ctx, task, req)
    await append_event(
        ctx.rt.org_id,
        "task.claim",
        actor_id=ctx.person.id,
        request_id=req.id,
        at=ctx.now,
        data={"ref": req.ref, "task": task.id},
    )
    name, when = ctx.person.name, ctx.now.astimezone(ctx.rt.tz)
    await retire_buttons(
        req.id,
        {"claim"},
        words=lambda: _("{name} took the task {ref}, {when}.").format(
            name=name, ref=req.ref, when=format_datetime(when, current_locale())
        ),
        default_locale=ctx.rt.default_locale,
    )
    ctx.notice = _("Claimed")
    ctx.reply(await _claimed_message(ctx, task, req))


async def _claimed_message(ctx: Context, task: Task, req: Request) -> Outgoing:
    host = ctx.rt.org.organization.website_host
    return Outgoing(
        text=_(
            "{name} took {ref}. After publishing it on {host}, tap Published and send the "
            "page's address; or tap Cannot publish and say why."
        ).format(name=ctx.person.name, ref=req.ref, host=host),
        buttons=await _task_buttons(ctx, task, req),
    )


async def _task_buttons(ctx: Context, task: Task, req: Request) -> tuple[Button, ...]:
    return (
        await personal_button(ctx, _("Published"), "published", req, "primary", task_id=task.id),
        await personal_button(
            ctx, _("Cannot publish"), "cannot_publish", req, "danger", task_id=task.id
        ),
    )


async def _my_claim(ctx: Context, token: ButtonToken) -> tuple[Task, Request]:
    """The claimed task behind Published / Cannot publish, when it is the tapper's."""
    await require_role(ctx, Role.WEBMASTER)
    task, req = await _publish_task(token)
    if task.status != TaskStatus.CLAIMED or req.status != Status.APPROVED:
        raise await _taken(ctx, task, req)
    if task.claimed_by_id != ctx.person.id:
        raise await _taken(ctx, task, req)
    return task, req


@router.button("published")
async def published(ctx: Context, token: ButtonToken) -> None:
    task, req = await _my_claim(ctx, token)
    await start_dialog(ctx, FLOW, ASK_URL, req, task_id=task.id)
    ctx.reply(
        _("Please send the address (URL) of the page where {ref} is published on {host}.").format(
            ref=req.ref, host=ctx.rt.org.organization.website_host
        )
    )


@router.button("cannot_publish")
async def cannot_publish(ctx: Context, token: ButtonToken) -> None:
    task, req = await _my_claim(ctx, token)
    await start_dialog(ctx, FLOW, ASK_REASON, req, task_id=task.id)
    ctx.reply(
        _(
            "Why can {ref} not be published? The owner and the approver will be told; /cancel stops."
        ).format(ref=req.ref)
    )


@router.flow(FLOW)
async def typed(ctx: Context, dialog: Dialog) -> None:
    """The page URL after Published, or the reason after Cannot publish."""
    text = (ctx.incoming.text or "").strip()
    req = await Request.get(id=dialog.data["request_id"])
    if dialog.step == ASK_URL:
        error = page_url_error(text, ctx.rt.org.organization.website_host)
        if error is not None:
            ctx.reply(error + " " + _("(/cancel stops)"))
            return
        action, url, reason = "publish", text, ""
    else:
        reason = " ".join(text.split())
        if not reason or len(reason) > REASON_MAX:
            ctx.reply(
                _("Please type the reason (under {limit} characters).").format(limit=REASON_MAX)
            )
            return
        action, url = "return", ""
    await dialog.delete()
    task = await Task.get(id=dialog.data["task_id"])
    if task.claimed_by_id != ctx.person.id or task.status != TaskStatus.CLAIMED:
        raise await _taken(ctx, task, req)
    if action == "publish":
        # Not published yet: the page is looked at first (procedure.website), and the
        # owner hears "published" only when it shows the approved file or title.
        await website.ask_publication_check(ctx.rt, req, task, url, ctx.person.id, ctx.now)
    else:
        await procedure.transition(
            ctx.rt, req.id, action, ctx.person.id, now=ctx.now, url=url, reason=reason
        )
    if action == "publish":
        ctx.reply(checking(req, url))
    else:
        ctx.reply(
            _("Recorded: {ref} was returned. The owner and the approver have been told.").format(
                ref=req.ref
            )
        )


@router.command("tasks", "งาน", "งานเผยแพร่")
async def tasks(ctx: Context, rest: str) -> None:
    """A webmaster's view: open publishing tasks to claim, and their own claimed ones."""
    await require_role(ctx, Role.WEBMASTER)
    rows = (
        await Task.filter(
            kind=TaskKind.PUBLISH,
            request__org_id=ctx.rt.org_id,
            status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED],
        )
        .order_by("id")
        .prefetch_related("request")
    )
    mine = [t for t in rows if t.claimed_by_id == ctx.person.id]
    open_ = [t for t in rows if t.status == TaskStatus.OPEN]
    if not mine and not open_:
        ctx.reply(_("No publishing task is waiting."))
        return
    for task in mine[:MINE_MAX]:
        ctx.reply(await _claimed_message(ctx, task, task.request))
    if open_:
        lines = [_("Tasks nobody has claimed yet:")]
        lines += [f"• {t.request.ref} · {t.request.title}" for t in open_[:TASKS_MAX]]
        claim = _("Claim")
        buttons = [
            await button(f"{claim} {t.request.ref}", "claim", request_id=t.request_id, task_id=t.id)
            for t in open_[:TASKS_MAX]
        ]
        ctx.reply(Outgoing(text="\n".join(lines), buttons=tuple(buttons), quick=False))
