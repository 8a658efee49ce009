"""`/delegate`: the approver or an admin names an acting approver for a date range.

/delegate                          the current and coming delegations
/delegate NAME FROM UNTIL          e.g. /delegate สมชาย ใจดี 1/12/2569 15/12/2569
/delegate off                      end every current and coming delegation
"""

from __future__ import annotations

from core.thaidate import format_date
from handlers.base import Context
from handlers.guards import require_role
from handlers.routing import Router
from locales import _
from models.directory import roles_of
from models.enums import Role
from procedure.delegation import (
    DelegationError,
    current_and_future,
    delegate,
    describe,
    end_delegations,
    find_person,
    read_day,
)

OFF_WORDS = {"off", "cancel", "end", "ยกเลิก", "เลิก"}


router = Router("delegate")

@router.command("delegate", "รักษาราชการแทน", "มอบอำนาจ")
async def delegate_command(ctx: Context, rest: str) -> None:
    """List, make or end delegations."""
    assert ctx.person is not None
    await require_role(ctx, Role.APPROVER, Role.ADMIN)
    words = rest.split()
    if not words:
        await _list(ctx)
    elif len(words) == 1 and words[0].casefold() in OFF_WORDS:
        count = await end_delegations(ctx.rt, ctx.now, ctx.person.id)
        ctx.reply(_("Ended {count} delegation(s).").format(count=count))
    elif len(words) < 3:
        ctx.reply(_usage())
    else:
        await _make(ctx, " ".join(words[:-2]), words[-2], words[-1])


async def _make(ctx: Context, name: str, first: str, last: str) -> None:
    today = ctx.rt.today(ctx.now)
    try:
        acting = await find_person(ctx.rt.org_id, name)
        starts, ends = read_day(first, today), read_day(last, today)
        is_approver = Role.APPROVER in await roles_of(ctx.person.id)
        row = await delegate(
            ctx.rt,
            acting,
            starts,
            ends,
            ctx.now,
            approver=ctx.person if is_approver else None,
            actor_id=ctx.person.id,
        )
    except DelegationError as exc:
        ctx.reply(str(exc) + "\n" + _usage())
        return
    ctx.reply(
        _("Recorded: {name} acts as approver from {start} until {end}.").format(
            name=acting.name,
            start=format_date(row.starts_on, ctx.locale),
            end=format_date(row.ends_on, ctx.locale),
        )
    )


async def _list(ctx: Context) -> None:
    rows = await current_and_future(ctx.rt, ctx.now)
    if not rows:
        ctx.reply(_("No acting approver is set.") + "\n" + _usage())
        return
    lines = [_("Acting approvers:")] + [f"• {describe(r, ctx.locale)}" for r in rows]
    ctx.reply("\n".join(lines))


def _usage() -> str:
    return _(
        "Type /delegate, the name, the first and the last day, e.g. "
        "/delegate Somchai 1/12/2569 15/12/2569; /delegate off ends it."
    )
