"""The questions of the submission flow: how each is asked and how each answer is taken.

Every step reads and writes the draft Request row itself, so nothing typed is ever lost.
An answer handler returns None when the answer was taken, or a sentence saying what is wrong.
"""

from __future__ import annotations

from handlers.base import Context
from handlers.submit_dates import (
    ask_data_from,
    ask_data_until,
    ask_end_date,
    ask_publish_date,
    take_data_from,
    take_data_from_text,
    take_data_until,
    take_data_until_text,
    take_end,
    take_end_text,
    take_publish,
    take_publish_text,
)
from handlers.submit_kit import (
    REASON_MAX,
    SKIP_WORDS,
    SOURCE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    URL,
    YES_WORDS,
    Ask,
    Step,
    category_of,
    len_error,
    no_choice,
)
from locales import N_, _
from models.request import Attachment, Category, Request

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
    if error := len_error(text, TITLE_MAX):
        return error
    req.title = text
    await req.save(update_fields=["title"])
    return None


async def ask_summary(ctx: Context, req: Request) -> Ask:
    return Ask(_("A short summary of the content (or Skip)."), ((_("Skip"), "skip"),))


async def take_summary_text(ctx: Context, req: Request, text: str) -> str | None:
    if text.strip().casefold() in SKIP_WORDS:
        return await take_summary(ctx, req, "skip")
    if error := len_error(text.strip(), TEXT_MAX):
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
    if error := len_error(text, SOURCE_MAX):
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
    if error := len_error(text, REASON_MAX):
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
    if error := len_error(text.strip(), TEXT_MAX):
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
        if error := len_error(text, 1000):
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
    Step("submit.title", ask_title, take_title, no_choice),
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
        no_choice,
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
