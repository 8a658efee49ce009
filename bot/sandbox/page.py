"""The /sandbox page and what it asks of the server: phones, webhooks, the clock, the demo."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import aiohttp_jinja2
import fontpkg_sarabun
import jinja2
from aiohttp import web

from bot.keys import CHANNELS, OUTBOX, RUNTIME, SETTINGS
from bot.sandbox import demo, own_address, pointed_at
from bot.sandbox.platforms import (
    LINE_SECRET,
    PHONES,
    TELEGRAM_SECRET,
    Phones,
    _message_json,
    emulator_app,
)
from bot.sandbox.wording import page_words, phone_words
from core.thaidate import format_datetime
from locales import using_locale
from models.enrol import create_invite
from models.enums import Channel, Role, Status
from models.messaging import OutboxMessage
from models.people import Identity, Person, RoleAssignment
from models.request import Request
from records.listing import request_detail

HERE = Path(__file__).resolve().parent
UPLOAD_MAX = 20 * 1024 * 1024  # the page's uploads; Telegram bots download at most 20 MB
_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


@dataclass
class SandboxState:
    """The sandbox's own moving parts: its clock, the seeding lock, phones being invited."""

    clock: datetime | None = None
    seeded: asyncio.Lock = field(default_factory=asyncio.Lock)
    invited: dict[str, str] = field(default_factory=dict)  # phone -> name, until enrolled
    session: aiohttp.ClientSession | None = None


STATE = web.AppKey("sandbox_state", SandboxState)


def add_page_routes(app: web.Application) -> None:
    app[STATE] = SandboxState()
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, app_key=TEMPLATES
    )
    app.router.add_get("/sandbox", page)
    app.router.add_get("/sandbox/state", state)
    app.router.add_get("/sandbox/events", events)
    app.router.add_post("/sandbox/send", send)
    app.router.add_post("/sandbox/clock", clock)
    app.router.add_post("/sandbox/reset", reset)
    app.router.add_post("/sandbox/invite", invite)
    app.router.add_post("/sandbox/language", language)
    app.router.add_get("/sandbox/requests/{ref}", timeline)
    app.router.add_static("/sandbox/static", HERE / "static")
    app.router.add_static("/sandbox/fonts", fontpkg_sarabun.ROOT / "files")
    app.cleanup_ctx.insert(0, _sandbox_resources)
    app.cleanup_ctx.append(_demo)
    app.on_shutdown.append(_close_streams)


async def _close_streams(app: web.Application) -> None:
    app[PHONES].publish(None)  # each event stream ends when it reads None


TEMPLATES = web.AppKey("sandbox_templates", jinja2.Environment)


async def _sandbox_resources(app: web.Application) -> AsyncIterator[None]:
    """The phones' folder, the stand-in platform APIs and the real adapters pointed at them.

    This runs before the bot's own resources, so the adapters start against APIs that answer,
    and the phones' folder exists before the first upload.
    """
    from bot.channels.line import LineChannel
    from bot.channels.telegram import TelegramChannel

    app[PHONES].start()
    runner = web.AppRunner(emulator_app(app[PHONES]), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    settings = pointed_at(app[SETTINGS], f"http://127.0.0.1:{port}")
    app[CHANNELS]["line"] = LineChannel(settings)
    app[CHANNELS]["telegram"] = TelegramChannel(settings)
    app[STATE].session = aiohttp.ClientSession()
    yield
    await app[STATE].session.close()
    await runner.cleanup()


async def _demo(app: web.Application) -> AsyncIterator[None]:
    """The demo office, seeded at the first start (and again after Reset demo)."""
    await ensure_demo(app)
    yield


async def ensure_demo(app: web.Application) -> None:
    """Seed the demo office once the server answers (its notices go out through the stand-ins)."""
    async with app[STATE].seeded:
        rt = app[RUNTIME]
        if await demo.is_seeded(rt):
            return
        line = app[CHANNELS].get("line")
        if line is not None and app[PHONES].rich_menu is None:
            from bot.richmenu import draw_image, menu_request

            await line.install_rich_menu(menu_request(), draw_image())
        await demo.seed(rt)
        app[OUTBOX].wakeup.set()


def _locale(request: web.Request) -> str:
    wanted = request.query.get("lang", "")
    return wanted if wanted in ("th", "en") else request.app[SETTINGS].locale


async def page(request: web.Request) -> web.Response:
    """GET /sandbox: the phones, the clock, the demo controls and the request timeline."""
    await ensure_demo(request.app)
    locale = _locale(request)
    with using_locale(locale):
        words = page_words()
    context = {
        "locale": locale,
        "w": words,
        "phone_words": json.dumps({lc: phone_words(lc) for lc in ("th", "en")}, ensure_ascii=False),
        "roles": [r.value for r in Role],
    }
    return aiohttp_jinja2.render_template("sandbox.html", request, context, app_key=TEMPLATES)


async def _phones(app: web.Application) -> list[dict]:
    rt = app[RUNTIME]
    rows = (
        await Identity.filter(
            person__org_id=rt.org_id, channel__in=[Channel.LINE, Channel.TELEGRAM]
        )
        .order_by("id")
        .prefetch_related("person")
    )
    phones = []
    for row in rows:
        roles = await RoleAssignment.filter(person_id=row.person_id).values_list("role", flat=True)
        phones.append(
            {
                "id": f"{row.channel.value}:{row.chat_id}",
                "platform": row.channel.value,
                "name": row.person.name,
                "roles": sorted(str(getattr(r, "value", r)) for r in roles),
                "locale": row.person.locale or rt.default_locale,
            }
        )
    known = {p["id"] for p in phones}
    for phone, name in app[STATE].invited.items():
        if phone not in known:
            platform = phone.split(":", 1)[0]
            phones.append(
                {
                    "id": phone,
                    "platform": platform,
                    "name": name,
                    "roles": [],
                    "locale": rt.default_locale,
                }
            )
    return phones


async def _requests(app: web.Application) -> list[dict]:
    rt = app[RUNTIME]
    rows = (
        await Request.filter(org_id=rt.org_id)
        .exclude(status=Status.DRAFT)
        .order_by("-id")
        .limit(30)
    )
    return [
        {
            "ref": r.ref,
            "title": r.title,
            "status": r.status.value,
            "end": r.end_date and r.end_date.isoformat(),
        }
        for r in rows
    ]


def _clock(app: web.Application, locale: str) -> dict:
    at = app[STATE].clock
    rt = app[RUNTIME]
    shown = (at or datetime.now(UTC)).astimezone(rt.tz)
    return {
        "set": at is not None,
        "label": format_datetime(shown, locale),
        "iso": shown.isoformat(),
    }


async def state(request: web.Request) -> web.Response:
    """GET /sandbox/state: every phone and its chat, the rich menu, the clock, the requests."""
    app = request.app
    await ensure_demo(app)
    phones: Phones = app[PHONES]
    return web.json_response(
        {
            "phones": await _phones(app),
            "chats": phones.chats,
            "rich_menu": phones.rich_menu,
            "clock": _clock(app, _locale(request)),
            "requests": await _requests(app),
        }
    )


async def events(request: web.Request) -> web.StreamResponse:
    """GET /sandbox/events: server-sent events, one per message added to or edited on a phone."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    queue: asyncio.Queue = asyncio.Queue()
    phones: Phones = request.app[PHONES]
    phones.watchers.add(queue)
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event is None:
                break
            data = json.dumps(event, ensure_ascii=False)
            await response.write(f"data: {data}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        phones.watchers.discard(queue)
    return response


# -- the person's side: real webhook bodies ------------------------------------------------


async def send(request: web.Request) -> web.Response:
    """POST /sandbox/send: what a person types, taps or uploads on a phone, as a webhook."""
    form = await request.post()
    phone = str(form.get("phone", ""))
    platform, _sep, chat = phone.partition(":")
    if platform not in ("line", "telegram") or not chat:
        raise web.HTTPBadRequest(text="phone must be line:<user> or telegram:<user>")
    phones: Phones = request.app[PHONES]
    text = str(form.get("text") or "").strip()
    action = str(form.get("action") or "")
    date = str(form.get("date") or "")
    label = str(form.get("label") or "")
    upload = form.get("file")
    file = None
    if isinstance(upload, web.FileField):
        data = upload.file.read(UPLOAD_MAX + 1)
        if len(data) > UPLOAD_MAX:
            raise web.HTTPRequestEntityTooLarge(max_size=UPLOAD_MAX, actual_size=len(data))
        name = unquote(upload.filename or "") or "file"  # some clients percent-encode it
        file_id = phones.keep_file(data, name, upload.content_type or "application/octet-stream")
        file = {"id": file_id, "name": name, "size": len(data), "mime": upload.content_type}
    if not (text or action or file):
        raise web.HTTPBadRequest(text="nothing to send")
    if file:
        phones.show(
            platform,
            chat,
            "me",
            {"file": {"name": file["name"], "url": f"/sandbox/files/{file['id']}"}},
        )
    elif text:
        phones.show(platform, chat, "me", {"text": text})
    elif label and platform == "line":
        phones.show(platform, chat, "me", {"text": label})  # LINE shows a postback's displayText
    name = await _display_name(request.app, phone)
    if platform == "line":
        status = await _post_line(
            request.app, chat, _line_event(phones, chat, text, action, date, file)
        )
    else:
        status = await _post_telegram(
            request.app, _telegram_update(chat, name, text, action, file, form.get("message_id"))
        )
    request.app[OUTBOX].wakeup.set()
    return web.json_response({"ok": status == 200, "webhook_status": status})


async def _display_name(app: web.Application, phone: str) -> str:
    platform, _sep, chat = phone.partition(":")
    row = await Identity.get_or_none(channel=platform, chat_id=chat).prefetch_related("person")
    return row.person.name if row else app[STATE].invited.get(phone, "User")


def _line_event(
    phones: Phones, user: str, text: str, action: str, date: str, file: dict | None
) -> dict:
    base = {
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": "01" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": phones.reply_token_for(user),
    }
    if action:
        postback: dict = {"data": action}
        if date:
            postback["params"] = {"date": date}
        return {**base, "type": "postback", "postback": postback}
    if file:
        message = {
            "id": file["id"],
            "type": "file",
            "fileName": file["name"],
            "fileSize": file["size"],
        }
    else:
        message = {
            "id": secrets.token_hex(8),
            "type": "text",
            "text": text,
            "quoteToken": secrets.token_hex(8),
        }
    return {**base, "type": "message", "message": message}


async def _post_line(app: web.Application, user: str, event: dict) -> int:
    body = json.dumps(
        {"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False
    ).encode()
    digest = hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": base64.b64encode(digest).decode(),
    }
    return await _post(app, "/webhooks/line", body, headers)


def _telegram_update(
    chat: str, name: str, text: str, action: str, file: dict | None, message_id
) -> dict:
    person = {"id": int(chat), "is_bot": False, "first_name": name}
    update: dict = {"update_id": next(_update_ids)}
    if action:
        bot_message = _message_json(int(message_id or 0), chat, text="")
        update["callback_query"] = {
            "id": secrets.token_hex(8),
            "from": person,
            "message": bot_message,
            "chat_instance": chat,
            "data": action,
        }
        return update
    message: dict = {
        "message_id": next(_update_ids),
        "from": person,
        "chat": {"id": int(chat), "type": "private", "first_name": name},
        "date": int(time.time()),
    }
    if file:
        message["document"] = {
            "file_id": file["id"],
            "file_unique_id": file["id"],
            "file_name": file["name"],
            "mime_type": file["mime"] or "application/octet-stream",
            "file_size": file["size"],
        }
    else:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    update["message"] = message
    return update


async def _post_telegram(app: web.Application, update: dict) -> int:
    body = json.dumps(update, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }
    return await _post(app, "/webhooks/telegram", body, headers)


async def _post(app: web.Application, path: str, body: bytes, headers: dict) -> int:
    session = app[STATE].session
    assert session is not None
    async with session.post(
        own_address(app[SETTINGS]) + path, data=body, headers=headers
    ) as response:
        await response.read()
        return response.status


# -- the clock, the demo, invitations, languages, timelines ---------------------------------

JUMPS = ("week-before", "day-before", "end", "next-morning", "now")


async def clock(request: web.Request) -> web.Response:
    """POST /sandbox/clock: jump, run every sweep at that instant on the sandbox database."""
    from scheduler import run_all

    form = await request.post()
    jump = str(form.get("jump", ""))
    if jump not in JUMPS:
        raise web.HTTPBadRequest(text=f"jump must be one of {', '.join(JUMPS)}")
    app = request.app
    st = app[STATE]
    if jump == "now":
        st.clock = None
        app[PHONES].publish({"type": "clock"})
        return web.json_response({"clock": _clock(app, _locale(request))})
    rt = app[RUNTIME]
    at = await _instant(app, jump, str(form.get("ref", "")))
    if at is None:
        raise web.HTTPConflict(text="no published request with an end date to jump to")
    st.clock = at
    done = await run_all(rt, at)
    app[OUTBOX].wakeup.set()
    app[PHONES].publish({"type": "clock"})
    return web.json_response({"clock": _clock(app, _locale(request)), "sweeps": done})


async def _instant(app: web.Application, jump: str, ref: str) -> datetime | None:
    rt = app[RUNTIME]
    current = (app[STATE].clock or datetime.now(UTC)).astimezone(rt.tz)
    if jump == "next-morning":
        day = current.date() + timedelta(days=1)
        while day.isoweekday() > 5 or day in rt.org.reminders.holidays:
            day += timedelta(days=1)
        return datetime.combine(day, clock_time(8, 30), rt.tz)
    query = Request.filter(org_id=rt.org_id, end_date__isnull=False)
    req = await query.filter(ref=ref).first() if ref else None
    if req is None or req.end_date is None:
        req = await query.filter(status=Status.PUBLISHED).order_by("end_date").first()
    if req is None or req.end_date is None:
        return None
    before = {"week-before": 7, "day-before": 1, "end": 0}[jump]
    return datetime.combine(req.end_date - timedelta(days=before), clock_time(9, 0), rt.tz)


async def reset(request: web.Request) -> web.Response:
    """POST /sandbox/reset: the demo office as it started; every phone's chat cleared."""
    app = request.app
    async with app[STATE].seeded:
        await demo.wipe()
        app[PHONES].clear()
        app[STATE].invited.clear()
        app[STATE].clock = None
    await ensure_demo(app)
    app[PHONES].publish({"type": "clock"})
    return web.json_response({"ok": True})


async def invite(request: web.Request) -> web.Response:
    """POST /sandbox/invite: a new phone for a named person in a role, enrolled with a code."""
    form = await request.post()
    name = str(form.get("name", "")).strip()[:100]
    platform = str(form.get("platform", ""))
    try:
        role = Role(str(form.get("role", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="unknown role") from None
    if not name or platform not in ("line", "telegram"):
        raise web.HTTPBadRequest(text="a name and a platform (line or telegram) are needed")
    app = request.app
    code = await create_invite(app[RUNTIME].org_id, role, name, key=app[RUNTIME].secret_key)
    chat = (
        "U" + secrets.token_hex(16)
        if platform == "line"
        else str(7_100_000 + secrets.randbelow(800_000))
    )
    phone = f"{platform}:{chat}"
    app[STATE].invited[phone] = name
    phones: Phones = app[PHONES]
    text = f"/start {code}"
    phones.show(platform, chat, "me", {"text": text})
    if platform == "line":
        await _post_line(app, chat, _line_event(phones, chat, text, "", "", None))
    else:
        await _post_telegram(app, _telegram_update(chat, name, text, "", None, None))
    app[OUTBOX].wakeup.set()
    phones.publish({"type": "phones"})
    return web.json_response({"phone": phone})


async def language(request: web.Request) -> web.Response:
    """POST /sandbox/language: the language this phone's person is spoken to in."""
    form = await request.post()
    platform, _sep, chat = str(form.get("phone", "")).partition(":")
    locale = str(form.get("locale", ""))
    if locale not in ("th", "en"):
        raise web.HTTPBadRequest(text="locale must be th or en")
    row = await Identity.get_or_none(channel=platform, chat_id=chat)
    if row is None:
        raise web.HTTPNotFound(text="no such phone")
    await Person.filter(id=row.person_id).update(locale=locale)
    return web.json_response({"locale": locale})


async def timeline(request: web.Request) -> web.Response:
    """GET /sandbox/requests/{ref}: a request's states, messages and audit events."""
    rt = request.app[RUNTIME]
    detail = await request_detail(rt, request.match_info["ref"])
    if detail is None:
        raise web.HTTPNotFound(text="no such request")
    req = await Request.get(org_id=rt.org_id, ref=detail["ref"])
    rows = await OutboxMessage.filter(request_id=req.id).order_by("id").prefetch_related("person")
    detail["messages"] = [
        {
            "at": row.created_at.isoformat(),
            "to": row.person.name if row.person else row.chat_id,
            "channel": row.channel.value,
            "kind": row.kind,
            "status": row.status.value,
            "text": (row.payload or {}).get("text", "")[:200],
        }
        for row in rows
    ]
    return web.json_response(detail)
