"""An admin sends the table of what is already on the website (webpub import items, by chat).

/import ──► import.file ──a .csv or .xlsx──► every row checked: the problems per row, and
   [Import N items] [Cancel] ──Import──► the good rows under watch, each page checked once
"""

from __future__ import annotations

import asyncio

from core.events import Outgoing
from handlers.base import Context
from handlers.common import personal_button
from handlers.guards import own_button, require_role
from handlers.routing import Router
from intake.files import file_path
from intake.table import TableUnreadable, read_table
from locales import _
from models.enums import Role
from models.messaging import ButtonToken, Dialog
from procedure.imports import COLUMNS, import_items, plan_import

FLOW = "import"
ASK_FILE = "import.file"
SHOWN_MAX = 25  # problem lines in one chat message; the command line lists them all


router = Router("imports")

@router.command("import", "นำเข้า")
async def start(ctx: Context, rest: str) -> None:
    await require_role(ctx, Role.ADMIN)
    await Dialog.filter(person_id=ctx.person.id).delete()
    await Dialog.create(person_id=ctx.person.id, flow=FLOW, step=ASK_FILE, data={})
    ctx.reply(
        _(
            "Send the CSV or XLSX file of the items already on the website, with a header row "
            "naming the columns {columns}. Every row is checked first; nothing is imported until "
            "you tap Import. (/cancel stops)"
        ).format(columns=", ".join(COLUMNS))
    )


async def _plan(ctx: Context, name: str, sha256: str):
    content = await asyncio.to_thread(file_path(ctx.rt.data_dir, sha256).read_bytes)
    return await plan_import(ctx.rt, read_table(name, content), ctx.rt.today(ctx.now))


@router.flow(FLOW)
async def received(ctx: Context, dialog: Dialog) -> None:
    """The file: the rows checked, the problems said, and Import offered for the good ones."""
    upload = ctx.upload
    if upload is None:
        ctx.reply(_("Please send the file itself (.csv or .xlsx). (/cancel stops)"))
        return
    if upload.refusal:
        ctx.reply(upload.refusal)
        return
    try:
        plan = await _plan(ctx, upload.name, upload.sha256)
    except TableUnreadable as exc:
        ctx.reply(exc.message)
        return
    lines = plan.problems[:SHOWN_MAX]
    if len(plan.problems) > SHOWN_MAX:
        lines.append(_("… and {n} more").format(n=len(plan.problems) - SHOWN_MAX))
    summary = _("{ready} of {rows} rows are ready to import.").format(
        ready=len(plan.items), rows=len(plan.items) + len({p.split(":")[0] for p in plan.problems})
    )
    if not plan.items:
        await dialog.delete()
        ctx.reply("\n".join([*lines, summary]))
        return
    data = {"name": upload.name, "sha256": upload.sha256}
    ctx.reply(
        Outgoing(
            text="\n".join([*lines, summary]),
            buttons=(
                await personal_button(
                    ctx,
                    _("Import {n} items").format(n=len(plan.items)),
                    "import_items",
                    None,
                    "primary",
                    data=data,
                ),
            ),
        )
    )


@router.button("import_items")
async def confirmed(ctx: Context, token: ButtonToken) -> None:
    await require_role(ctx, Role.ADMIN)
    own_button(ctx, token)
    plan = await _plan(ctx, token.data["name"], token.data["sha256"])
    await Dialog.filter(person_id=ctx.person.id, flow=FLOW).delete()
    await ButtonToken.filter(token=token.token).delete()  # one import per file sent
    made = await import_items(ctx.rt, plan, ctx.now, actor_id=ctx.person.id)
    ctx.reply(
        _(
            "Imported {n} items, now under watch; each page will be checked and the webmasters "
            "told of any that is not right."
        ).format(n=len(made))
    )
