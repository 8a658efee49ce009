"""Closing dialogs left idle: a submission nobody answered for long is put aside, its draft kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.events import Outgoing
from core.runtime import Runtime
from models.messaging import Dialog
from models.people import Person
from notices.outbox import notify
from notices.wording import dialog_put_aside

SUBMIT_FLOW = "submit"  # handlers.submit.FLOW: only the submission dialog is put aside


async def close_idle_dialogs(rt: Runtime, now: datetime) -> int:
    """Sweep: close dialogs idle past the org's limit and tell their people; returns how many."""
    limit = now - timedelta(minutes=rt.org.workflow.dialog_idle_minutes)
    closed = 0
    for dialog in await Dialog.filter(flow=SUBMIT_FLOW, updated_at__lt=limit):
        if not await Dialog.filter(id=dialog.id, version=dialog.version).delete():
            continue
        person = await Person.get(id=dialog.person_id)
        await notify(
            person,
            lambda _locale: Outgoing(text=dialog_put_aside()),
            default_locale=rt.default_locale,
            request_id=dialog.request_id,
            kind="dialog.idle",
        )
        closed += 1
    return closed
