"""The date questions of the submission flow: the period the data covers, publish and end."""

from __future__ import annotations

from datetime import date, timedelta

from core.thaidate import DateInputError, add_months, format_date, parse_date, parse_period
from handlers.base import Context
from handlers.submit_kit import SKIP_WORDS, Ask, Choice, category_of, today
from locales import _
from models.request import Request

# -- dates ----------------------------------------------------------------------------------


def _parse(ctx: Context, text: str) -> date | str:
    try:
        return parse_date(text, today(ctx))
    except DateInputError as exc:
        return exc.message


async def ask_data_from(ctx: Context, req: Request) -> Ask:
    return Ask(
        _("From which date does the data cover? Pick or type a date, or tap Not applicable."),
        ((_("Not applicable"), "na"),),
        date_picker=(_("Pick a date"), None, None),
    )


async def take_data_from_text(ctx: Context, req: Request, text: str) -> str | None:
    if text.strip().casefold() in SKIP_WORDS | {"ไม่ระบุ", "n/a", "na"}:
        return await take_data_from(ctx, req, "na")
    day = _parse(ctx, text)
    if isinstance(day, str):
        return day
    req.data_from, req.data_until = day, None
    await req.save(update_fields=["data_from", "data_until"])
    return None


async def take_data_from(ctx: Context, req: Request, value: str) -> str | None:
    if value != "na":
        return _("Please pick a date or tap Not applicable.")
    req.data_from = req.data_until = None
    await req.save(update_fields=["data_from", "data_until"])
    return None


async def ask_data_until(ctx: Context, req: Request) -> Ask:
    return Ask(
        _("Until which date does the data cover?"),
        ((_("Same day"), "same"),),
        date_picker=(_("Pick a date"), req.data_from, None),
    )


async def take_data_until_text(ctx: Context, req: Request, text: str) -> str | None:
    day = _parse(ctx, text)
    if isinstance(day, str):
        return day
    if req.data_from and day < req.data_from:
        return _("The end of the data period cannot be before its start ({start}).").format(
            start=format_date(req.data_from, ctx.locale)
        )
    req.data_until = day
    await req.save(update_fields=["data_until"])
    return None


async def take_data_until(ctx: Context, req: Request, value: str) -> str | None:
    if value != "same":
        return _("Please pick a date.")
    req.data_until = req.data_from
    await req.save(update_fields=["data_until"])
    return None


async def ask_publish_date(ctx: Context, req: Request) -> Ask:
    return Ask(
        _("When should it be published? Today, tomorrow, or pick a date."),
        ((_("Today"), "today"), (_("Tomorrow"), "tomorrow")),
        date_picker=(_("Pick a date"), today(ctx), None),
    )


async def take_publish_text(ctx: Context, req: Request, text: str) -> str | None:
    day = _parse(ctx, text)
    if isinstance(day, str):
        return day
    return await _set_publish(ctx, req, day)


async def take_publish(ctx: Context, req: Request, value: str) -> str | None:
    offsets = {"today": 0, "tomorrow": 1}
    if value not in offsets:
        return _("Please pick a date.")
    return await _set_publish(ctx, req, today(ctx) + timedelta(days=offsets[value]))


async def _set_publish(ctx: Context, req: Request, day: date) -> str | None:
    if day < today(ctx):
        return _("The publish date cannot be in the past. Please give today or a later date.")
    req.publish_date = day
    fields = ["publish_date"]
    if req.end_date is not None and req.end_date <= day:
        req.end_date = None  # asked again: the old end no longer fits
        fields.append("end_date")
    await req.save(update_fields=fields)
    return None


async def ask_end_date(ctx: Context, req: Request) -> Ask:
    cat = await category_of(req)
    start = req.publish_date or today(ctx)
    choices: list[Choice] = []
    if cat is not None and cat.default_period_days:
        choices.append(
            (
                _("{days} days (usual)").format(days=cat.default_period_days),
                f"d{cat.default_period_days}",
            )
        )
    for label, value in ((_("30 days"), "d30"), (_("90 days"), "d90"), (_("1 year"), "y1")):
        if value not in {v for _l, v in choices}:
            choices.append((label, value))
    if cat is None or not cat.end_date_required:
        choices.append((_("No end date"), "none"))
    return Ask(
        _("Until when should it stay on the website? Choose a period, pick a date, or type one."),
        tuple(choices),
        date_picker=(_("Pick a date"), start + timedelta(days=1), None),
    )


async def take_end_text(ctx: Context, req: Request, text: str) -> str | None:
    start = req.publish_date or today(ctx)
    if text.strip().casefold() in {"ไม่มี", "ไม่มีกำหนด", "none", "no end"}:
        return await take_end(ctx, req, "none")
    try:
        day = parse_period(text, start)
    except DateInputError:
        day = _parse(ctx, text)
        if isinstance(day, str):
            return day
    return await _set_end(ctx, req, day)


async def take_end(ctx: Context, req: Request, value: str) -> str | None:
    start = req.publish_date or today(ctx)
    if value == "none":
        cat = await category_of(req)
        if cat is not None and cat.end_date_required:
            return _("This category needs an end date.")
        req.end_date = None
        await req.save(update_fields=["end_date"])
        return None
    if value.startswith("d") and value[1:].isdigit():
        return await _set_end(ctx, req, start + timedelta(days=int(value[1:])))
    if value == "y1":
        return await _set_end(ctx, req, add_months(start, 12))
    return _("Please choose a period or pick a date.")


async def _set_end(ctx: Context, req: Request, day: date) -> str | None:
    start = req.publish_date or today(ctx)
    if day <= start:
        return _("The end date must be after the publish date ({start}).").format(
            start=format_date(start, ctx.locale)
        )
    req.end_date = day
    await req.save(update_fields=["end_date"])
    return None
