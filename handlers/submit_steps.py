"""The questions of the submission flow: how each is asked and how each answer is taken.

Every step reads and writes the draft Request row itself, so nothing typed is ever lost.
An answer handler returns None when the answer was taken, or a sentence saying what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.base import Context
from locales import N_, _
from models.request import Attachment, Category, Request
from models.thaidate import DateInputError, add_months, format_date, parse_date, parse_period

TITLE_MIN, TITLE_MAX = 3, 300
TEXT_MAX = 2000
SOURCE_MAX = 300
REASON_MAX = 500
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

SKIP_WORDS = {"-", "ข้าม", "ไม่มี", "skip", "none", "no"}
YES_WORDS = {"ยืนยัน", "ใช่", "ตกลง", "รับรอง", "yes", "ok", "confirm", "y"}

Choice = tuple[str, str]  # (label, value)


@dataclass(frozen=True)
class Ask:
    """A question: its text, the choices offered as buttons, and whether a date picker helps."""

    text: str
    choices: tuple[Choice, ...] = ()
    date_picker: tuple[str, date | None, date | None] | None = None  # label, min, max
    card: bool = False


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Context, Request], Awaitable[Ask]]
    take_text: Callable[[Context, Request, str], Awaitable[str | None]]
    take_choice: Callable[[Context, Request, str], Awaitable[str | None]]
    applies: Callable[[Request], bool] = lambda req: True


def today(ctx: Context) -> date:
    return ctx.rt.today(ctx.now)


async def category_of(req: Request) -> Category | None:
    return await Category.get_or_none(id=req.category_id) if req.category_id else None


def _len_error(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return _(
            "That is too long ({count} characters). Please keep it under {limit} characters."
        ).format(count=len(text), limit=limit)
    return None


async def _no_choice(ctx: Context, req: Request, value: str) -> str | None:
    return _("Please type your answer.")


# -- category -------------------------------------------------------------------------------


async def ask_category(ctx: Context, req: Request) -> Ask:
    cats = await Category.filter(org_id=ctx.rt.org_id, active=True).order_by("position")
    choices = tuple((f"{i}. {c.name(ctx.locale)}", c.key) for i, c in enumerate(cats, 1))
    listing = "\n".join(label for label, _key in choices)
    return Ask(
        _("Which category is this for? Tap one, or type its number.") + "\n" + listing, choices
    )


async def take_category_text(ctx: Context, req: Request, text: str) -> str | None:
    cats = await Category.filter(org_id=ctx.rt.org_id, active=True).order_by("position")
    cleaned = text.strip().rstrip(".").casefold()
    for i, c in enumerate(cats, 1):
        if cleaned in (str(i), c.key, c.name_th.casefold(), c.name_en.casefold()):
            return await take_category(ctx, req, c.key)
    return _(
        "Please choose one of the categories, by tapping it or typing its number (1–{n})."
    ).format(n=len(cats))


async def take_category(ctx: Context, req: Request, key: str) -> str | None:
    cat = await Category.get_or_none(org_id=ctx.rt.org_id, key=key, active=True)
    if cat is None:
        return _("Please choose one of the categories.")
    req.category_id = cat.id
    await req.save(update_fields=["category_id"])
    return None


# -- title, summary, source, remarks, urgent reason -----------------------------------------


async def ask_title(ctx: Context, req: Request) -> Ask:
    return Ask(_("What is the title of the information to publish?"))


async def take_title(ctx: Context, req: Request, text: str) -> str | None:
    text = " ".join(text.split())
    if len(text) < TITLE_MIN:
        return _("Please type a title of at least {n} characters.").format(n=TITLE_MIN)
    if error := _len_error(text, TITLE_MAX):
        return error
    req.title = text
    await req.save(update_fields=["title"])
    return None


async def ask_summary(ctx: Context, req: Request) -> Ask:
    return Ask(_("A short summary of the content (or Skip)."), ((_("Skip"), "skip"),))


async def take_summary_text(ctx: Context, req: Request, text: str) -> str | None:
    if text.strip().casefold() in SKIP_WORDS:
        return await take_summary(ctx, req, "skip")
    if error := _len_error(text.strip(), TEXT_MAX):
        return error
    req.summary = text.strip()
    await req.save(update_fields=["summary"])
    return None


async def take_summary(ctx: Context, req: Request, value: str) -> str | None:
    if value != "skip":
        return _("Please type a summary or tap Skip.")
    req.summary = ""
    await req.save(update_fields=["summary"])
    return None


async def ask_source(ctx: Context, req: Request) -> Ask:
    unit = req.owner_unit or (ctx.person.unit if ctx.person else "")
    choices = ((_("Use: {unit}").format(unit=unit)[:40], "unit"),) if unit else ()
    return Ask(
        _("Who is the source or owner of this data? Tap your unit or type another."), choices
    )


async def take_source_text(ctx: Context, req: Request, text: str) -> str | None:
    text = " ".join(text.split())
    if error := _len_error(text, SOURCE_MAX):
        return error
    req.source = text
    await req.save(update_fields=["source"])
    return None


async def take_source(ctx: Context, req: Request, value: str) -> str | None:
    unit = req.owner_unit or (ctx.person.unit if ctx.person else "")
    if value != "unit" or not unit:
        return _("Please type the source of the data.")
    req.source = unit
    await req.save(update_fields=["source"])
    return None


async def ask_urgent_reason(ctx: Context, req: Request) -> Ask:
    return Ask(_("Why is it urgent?"))


async def take_urgent_reason(ctx: Context, req: Request, text: str) -> str | None:
    text = " ".join(text.split())
    if error := _len_error(text, REASON_MAX):
        return error
    req.urgent_reason = text
    await req.save(update_fields=["urgent_reason"])
    return None


async def ask_remarks(ctx: Context, req: Request) -> Ask:
    return Ask(
        _("Any remarks for the approver or the webmasters? (or Skip)"), ((_("Skip"), "skip"),)
    )


async def take_remarks_text(ctx: Context, req: Request, text: str) -> str | None:
    if text.strip().casefold() in SKIP_WORDS:
        return await take_remarks(ctx, req, "skip")
    if error := _len_error(text.strip(), TEXT_MAX):
        return error
    req.remarks = text.strip()
    await req.save(update_fields=["remarks"])
    return None


async def take_remarks(ctx: Context, req: Request, value: str) -> str | None:
    if value != "skip":
        return _("Please type your remarks or tap Skip.")
    req.remarks = ""
    await req.save(update_fields=["remarks"])
    return None


# -- files ----------------------------------------------------------------------------------


async def ask_files(ctx: Context, req: Request) -> Ask:
    cat = await category_of(req)
    count = await Attachment.filter(request_id=req.id).count()
    files = ctx.rt.org.files
    accepted = ", ".join(files.allowed_extensions)
    limit = f"{files.max_size_mb:g}"
    if count or req.external_link:
        text = _("Received {count} file(s). Send another file, or tap Done.").format(count=count)
        return Ask(text, ((_("Done"), "done"),))
    if cat is not None and cat.link_allowed:
        text = _(
            "Send the file(s) to publish, or type the web link (https://…). Accepted: {types}; up to {mb} MB each."
        )
    else:
        text = _("Send the file(s) to publish. Accepted: {types}; up to {mb} MB each.")
    return Ask(text.format(types=accepted, mb=limit))


async def take_files_text(ctx: Context, req: Request, text: str) -> str | None:
    cat = await category_of(req)
    text = text.strip()
    if cat is not None and cat.link_allowed and URL.match(text):
        if error := _len_error(text, 1000):
            return error
        req.external_link = text
        await req.save(update_fields=["external_link"])
        return None
    if text.casefold() in {"done", "เสร็จ", "เสร็จแล้ว", "ครบแล้ว"}:
        return await take_files(ctx, req, "done")
    if cat is not None and cat.link_allowed:
        return _("Please send a file, or a web link starting with https://")
    return _("Please send the file itself (as a document), not text.")


async def take_files(ctx: Context, req: Request, value: str) -> str | None:
    if value != "done":
        return _("Please send a file.")
    if not await Attachment.filter(request_id=req.id).exists() and not req.external_link:
        return _("Please send at least one file first.")
    return None


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


# -- urgent, certification ------------------------------------------------------------------


async def ask_urgent(ctx: Context, req: Request) -> Ask:
    return Ask(_("Is this urgent?"), ((_("Not urgent"), "normal"), (_("Urgent"), "urgent")))


async def take_urgent_text(ctx: Context, req: Request, text: str) -> str | None:
    word = text.strip().casefold()
    if word in {"ด่วน", "urgent", "ใช่", "yes"}:
        return await take_urgent(ctx, req, "urgent")
    if word in {"ไม่ด่วน", "ปกติ", "normal", "no", "ไม่"}:
        return await take_urgent(ctx, req, "normal")
    return _("Please tap Urgent or Not urgent.")


async def take_urgent(ctx: Context, req: Request, value: str) -> str | None:
    if value not in ("normal", "urgent"):
        return _("Please tap Urgent or Not urgent.")
    req.urgent = value == "urgent"
    if not req.urgent:
        req.urgent_reason = ""
    await req.save(update_fields=["urgent", "urgent_reason"])
    return None


async def ask_certify(ctx: Context, req: Request) -> Ask:
    return Ask(
        _("Do you certify that this information is current, correct and complete?"),
        ((_("I certify"), "yes"),),
    )


async def take_certify_text(ctx: Context, req: Request, text: str) -> str | None:
    if text.strip().casefold() in YES_WORDS:
        return await take_certify(ctx, req, "yes")
    return _("Please tap I certify to go on, or /cancel to stop.")


async def take_certify(ctx: Context, req: Request, value: str) -> str | None:
    if value != "yes":
        return _("Please tap I certify to go on, or /cancel to stop.")
    req.certified = True
    await req.save(update_fields=["certified"])
    return None


STEPS: tuple[Step, ...] = (
    Step("submit.category", ask_category, take_category_text, take_category),
    Step("submit.title", ask_title, take_title, _no_choice),
    Step("submit.summary", ask_summary, take_summary_text, take_summary),
    Step("submit.files", ask_files, take_files_text, take_files),
    Step("submit.source", ask_source, take_source_text, take_source),
    Step("submit.data_from", ask_data_from, take_data_from_text, take_data_from),
    Step(
        "submit.data_until",
        ask_data_until,
        take_data_until_text,
        take_data_until,
        lambda r: r.data_from is not None,
    ),
    Step("submit.publish_date", ask_publish_date, take_publish_text, take_publish),
    Step("submit.end_date", ask_end_date, take_end_text, take_end),
    Step("submit.urgent", ask_urgent, take_urgent_text, take_urgent),
    Step(
        "submit.urgent_reason",
        ask_urgent_reason,
        take_urgent_reason,
        _no_choice,
        lambda r: r.urgent,
    ),
    Step("submit.remarks", ask_remarks, take_remarks_text, take_remarks),
    Step("submit.certify", ask_certify, take_certify_text, take_certify),
)
BY_NAME = {s.name: s for s in STEPS}

# What the Edit button offers, each leading back to the summary card after the answer.
EDITABLE = (
    ("submit.category", N_("Category")),
    ("submit.title", N_("Title")),
    ("submit.summary", N_("Summary")),
    ("submit.files", N_("Files")),
    ("submit.source", N_("Source")),
    ("submit.data_from", N_("Data covers")),
    ("submit.publish_date", N_("Publish")),
    ("submit.end_date", N_("Until")),
    ("submit.urgent", "Urgent"),
    ("submit.remarks", N_("Remarks")),
)


def next_step(after: str | None, req: Request) -> Step | None:
    """The step that follows `after` (None: the first), skipping those that do not apply."""
    names = [s.name for s in STEPS]
    start = 0 if after is None else names.index(after) + 1
    for step in STEPS[start:]:
        if step.applies(req):
            return step
    return None


async def first_unanswered(req: Request) -> Step | None:
    """Where to resume a draft: the first question without an answer."""
    has_files = await Attachment.filter(request_id=req.id).exists() or bool(req.external_link)
    missing = {
        "submit.category": req.category_id is None,
        "submit.title": not req.title,
        "submit.files": not has_files,
        "submit.source": not req.source,
        "submit.publish_date": req.publish_date is None,
        "submit.certify": not req.certified,
    }
    return next((s for s in STEPS if missing.get(s.name)), None)
