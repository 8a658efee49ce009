"""The webmasters group chat: registered by a webmaster or admin, it gets one shared task card.

bot added to a group ──► a greeting that says how to register it
/webmastergroup (in the group) ──► task cards go to the group, not to each webmaster
/webmastergroup off ──► back to one card per webmaster; the bot leaving does the same
"""

from __future__ import annotations

from handlers.base import Context
from handlers.common import in_group
from handlers.guards import require_role
from handlers.routing import Router
from locales import _
from models.audit import append_event
from models.enums import Role
from models.people import GroupChat
from notices.copies import WEBMASTERS

OFF_WORDS = {"off", "stop", "ยกเลิก", "หยุด"}


router = Router("groups")

@router.command("webmastergroup", "กลุ่มเว็บมาสเตอร์")
async def register_group(ctx: Context, rest: str) -> None:
    """Make this group the webmasters group (or stop it being one)."""
    await require_role(ctx, Role.WEBMASTER, Role.ADMIN)
    if not in_group(ctx):
        ctx.reply(
            _(
                "Please type /webmastergroup in the webmasters' group chat, with the bot added to it."
            )
        )
        return
    if rest.strip().casefold() in OFF_WORDS:
        await _deactivate(ctx)
        ctx.reply(_("This group no longer gets the publishing tasks; each webmaster gets them."))
        return
    org_id, channel, chat = ctx.rt.org_id, ctx.incoming.channel, ctx.incoming.chat
    await GroupChat.filter(org_id=org_id, purpose=WEBMASTERS, active=True).update(active=False)
    updated = await GroupChat.filter(
        org_id=org_id, purpose=WEBMASTERS, channel=channel, chat_id=chat
    ).update(active=True, registered_by_id=ctx.person.id)
    if not updated:
        await GroupChat.create(
            org_id=org_id,
            purpose=WEBMASTERS,
            channel=channel,
            chat_id=chat,
            registered_by_id=ctx.person.id,
        )
    await append_event(
        org_id,
        "group.register",
        actor_id=ctx.person.id,
        at=ctx.now,
        data={"channel": channel, "chat": chat, "purpose": WEBMASTERS},
    )
    ctx.reply(
        _(
            "This group now gets the publishing tasks, one card for all webmasters; the first "
            "to tap Claim takes a task. /webmastergroup off undoes it."
        )
    )


async def _deactivate(ctx: Context) -> int:
    return await GroupChat.filter(
        org_id=ctx.rt.org_id,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat,
        active=True,
    ).update(active=False)


async def greet(ctx: Context) -> None:
    """The bot was added to a group: say how it can become the webmasters group."""
    ctx.reply(
        _(
            "Hello! A webmaster or administrator can type /webmastergroup here so that the "
            "publishing tasks come to this group."
        )
    )


async def left(ctx: Context) -> None:
    """The bot was removed from a group: it can no longer be the webmasters group."""
    if await _deactivate(ctx):
        await append_event(
            ctx.rt.org_id,
            "group.left",
            at=ctx.now,
            data={"channel": ctx.incoming.channel, "chat": ctx.incoming.chat},
        )
