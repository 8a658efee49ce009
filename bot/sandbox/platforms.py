"""Stand-ins for the LINE Messaging API and the Telegram Bot API, inside the sandbox server.

The real outbox delivers to them through the real SDK clients (the *_API_URL settings point
here), and each call becomes a message on a phone of the page: exactly what a phone would get.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

LINE_TOKEN = "sandbox-line-access-token"
LINE_SECRET = "sandbox-line-channel-secret"
TELEGRAM_TOKEN = "7000000001:sandbox-telegram-bot-token"
TELEGRAM_SECRET = "sandbox-telegram-webhook-secret"
TELEGRAM_BOT = {"id": 7000000001, "is_bot": True, "first_name": "webpub", "username": "webpub_bot"}
REPLY_TOKEN_SECONDS = 60  # LINE: a reply token is good for about a minute
# Telegram parameters that stay strings even when they look like JSON.
_TELEGRAM_STRINGS = {"text", "caption", "callback_query_id", "secret_token", "url"}


@dataclass
class Phones:
    """What every phone has been shown, the files they hold, and who is watching the page."""

    upload_dir: Path
    chats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reply_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    rich_menu: dict[str, Any] | None = None
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, mime)
    watchers: set[asyncio.Queue] = field(default_factory=set)
    pushes: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def start(self) -> None:
        """Make the folder the uploads and documents go to (every fresh clone lacks it)."""
        self.upload_dir.mkdir(parents=True, exist_ok=True)

    def clear(self) -> None:
        self.chats.clear()
        self.reply_tokens.clear()
        self.files.clear()
        self.pushes = 0
        self.publish({"type": "reset"})

    def publish(self, event: dict[str, Any] | None) -> None:
        for queue in self.watchers:
            queue.put_nowait(event)

    def show(self, platform: str, chat: str, side: str, body: dict[str, Any]) -> dict[str, Any]:
        """Add one message to a phone's chat and tell the page."""
        message = {"id": next(self._ids), "side": side, "at": time.time(), **body}
        self.chats.setdefault(f"{platform}:{chat}", []).append(message)
        self.publish({"type": "add", "phone": f"{platform}:{chat}", "message": message})
        return message

    def edit(self, phone: str, message_id: int, **changes: Any) -> bool:
        for message in self.chats.get(phone, []):
            if message.get("message_id") == message_id:
                message.update(changes)
                self.publish({"type": "edit", "phone": phone, "message": message})
                return True
        return False

    def keep_file(self, data: bytes, name: str, mime: str) -> str:
        file_id = secrets.token_hex(12)
        (self.upload_dir / file_id).write_bytes(data)
        self.files[file_id] = (name, mime)
        return file_id

    def reply_token_for(self, chat: str) -> str:
        token = secrets.token_hex(16)
        self.reply_tokens[token] = (chat, time.time() + REPLY_TOKEN_SECONDS)
        return token


# -- LINE Messaging API ----------------------------------------------------------------------


def _line_error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _line_authorized(request: web.Request) -> bool:
    return request.headers.get("Authorization", "") == f"Bearer {LINE_TOKEN}"


async def line_reply(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    if not _line_authorized(request):
        return _line_error(401, "Authentication failed")
    body = await request.json()
    chat, until = phones.reply_tokens.pop(body.get("replyToken", ""), ("", 0.0))
    if not chat or until < time.time():
        return _line_error(400, "Invalid reply token")
    sent = []
    for message in body.get("messages", [])[:5]:
        shown = phones.show("line", chat, "bot", {"line": message})
        sent.append({"id": str(shown["id"]), "quoteToken": secrets.token_hex(8)})
    return web.json_response({"sentMessages": sent})


async def line_push(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    if not _line_authorized(request):
        return _line_error(401, "Authentication failed")
    body = await request.json()
    sent = []
    phones.pushes += 1
    for message in body.get("messages", [])[:5]:
        shown = phones.show("line", str(body.get("to", "")), "bot", {"line": message})
        sent.append({"id": str(shown["id"]), "quoteToken": secrets.token_hex(8)})
    return web.json_response({"sentMessages": sent})


async def line_content(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    file_id = request.match_info["message_id"]
    path = phones.upload_dir / file_id
    if file_id not in phones.files or not path.exists():
        return _line_error(404, "Not found")
    return web.Response(body=path.read_bytes(), content_type=phones.files[file_id][1])


async def line_rich_menu(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    phones.rich_menu = {**await request.json(), "richMenuId": "richmenu-sandbox"}
    return web.json_response({"richMenuId": "richmenu-sandbox"})


async def line_ok(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({})


async def line_profile(request: web.Request) -> web.Response:
    """A LINE profile: the sandbox's phones are set to Thai, as most Thai officers' are."""
    if not _line_authorized(request):
        return _line_error(401, "Authentication failed")
    user = request.match_info["user_id"]
    return web.json_response({"userId": user, "displayName": "LINE user", "language": "th"})


async def line_quota(request: web.Request) -> web.Response:
    return web.json_response({"type": "limited", "value": 300})


async def line_consumption(request: web.Request) -> web.Response:
    return web.json_response({"totalUsage": request.app[PHONES].pushes})


# -- Telegram Bot API ------------------------------------------------------------------------


async def _telegram_params(request: web.Request) -> tuple[dict[str, Any], dict[str, web.FileField]]:
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, web.FileField] = {}
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[name] = value
            elif name in _TELEGRAM_STRINGS:
                params[name] = value
            else:
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    params[name] = value
    return params, uploads


def _bad_request(description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}, status=400
    )


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _message_json(message_id: int, chat: str, **extra: Any) -> dict[str, Any]:
    chat_id = int(chat) if chat.lstrip("-").isdigit() else chat
    return {
        "message_id": message_id,
        "from": TELEGRAM_BOT,
        "chat": {"id": chat_id, "type": "private", "first_name": "User"},
        "date": int(time.time()),
        **extra,
    }


async def telegram_method(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    if request.match_info["token"] != TELEGRAM_TOKEN:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )
    method = request.match_info["method"]
    try:
        params, uploads = await _telegram_params(request)
    except ConnectionResetError:  # the bot hung up mid-upload (it is stopping): nothing to show
        return web.Response(status=400)
    chat = str(params.get("chat_id", ""))
    if method == "getMe":
        return _ok(TELEGRAM_BOT)
    if method == "sendMessage":
        message_id = next(phones._ids)
        phones.show(
            "telegram",
            chat,
            "bot",
            {
                "message_id": message_id,
                "html": params.get("text", ""),
                "keyboard": (params.get("reply_markup") or {}).get("inline_keyboard"),
            },
        )
        return _ok(_message_json(message_id, chat, text=params.get("text", "")))
    if method == "sendDocument":
        upload = uploads.get("document")
        if upload is None:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: no document"},
                status=400,
            )
        name = upload.filename or "file"
        file_id = phones.keep_file(
            upload.file.read(), name, upload.content_type or "application/octet-stream"
        )
        message_id = next(phones._ids)
        phones.show(
            "telegram",
            chat,
            "bot",
            {
                "message_id": message_id,
                "document": {"name": name, "url": f"/sandbox/files/{file_id}"},
            },
        )
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
        return _ok(_message_json(message_id, chat, document=document))
    if method == "editMessageText":
        changes = {
            "html": params.get("text", ""),
            "keyboard": (params.get("reply_markup") or {}).get("inline_keyboard"),
            "edited": True,
        }
        if not phones.edit(f"telegram:{chat}", int(params.get("message_id", 0)), **changes):
            return _bad_request("message to edit not found")
        return _ok(_message_json(int(params["message_id"]), chat, text=changes["html"]))
    if method == "editMessageReplyMarkup":
        keyboard = (params.get("reply_markup") or {}).get("inline_keyboard")
        if not phones.edit(
            f"telegram:{chat}", int(params.get("message_id", 0)), keyboard=keyboard, edited=True
        ):
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to edit not found",
                },
                status=400,
            )
        return _ok(True)
    if method == "getFile":
        file_id = str(params.get("file_id", ""))
        if file_id not in phones.files:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                status=400,
            )
        size = (phones.upload_dir / file_id).stat().st_size
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": f"documents/{file_id}",
            }
        )
    if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook", "setMyCommands"):
        if method == "answerCallbackQuery" and params.get("text"):
            phones.publish({"type": "toast", "text": params["text"]})
        return _ok(True)
    return web.json_response(
        {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
    )


async def telegram_file(request: web.Request) -> web.Response:
    phones: Phones = request.app[PHONES]
    file_id = request.match_info["path"].rsplit("/", 1)[-1]
    path = phones.upload_dir / file_id
    if request.match_info["token"] != TELEGRAM_TOKEN or not path.exists():
        raise web.HTTPNotFound()
    return web.Response(body=path.read_bytes())


async def phone_file(request: web.Request) -> web.Response:
    """GET /sandbox/files/{id}: a document a Telegram phone received, as the phone opens it."""
    phones: Phones = request.app[PHONES]
    file_id = request.match_info["file_id"]
    if file_id not in phones.files:
        raise web.HTTPNotFound()
    name, mime = phones.files[file_id]
    return web.FileResponse(
        phones.upload_dir / file_id,
        headers={
            "Content-Type": mime,
            "Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}",
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


PHONES = web.AppKey("sandbox_phones", Phones)


def emulator_app(phones: Phones) -> web.Application:
    """The two platform APIs, served on a loopback port of their own before the bot starts."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[PHONES] = phones
    app.router.add_post("/line/v2/bot/message/reply", line_reply)
    app.router.add_post("/line/v2/bot/message/push", line_push)
    app.router.add_post("/line/v2/bot/chat/loading/start", line_ok)
    app.router.add_post("/line/v2/bot/richmenu", line_rich_menu)
    app.router.add_post("/line/v2/bot/user/all/richmenu/{rich_menu_id}", line_ok)
    app.router.add_get("/line/v2/bot/profile/{user_id}", line_profile)
    app.router.add_get("/line/v2/bot/message/quota", line_quota)
    app.router.add_get("/line/v2/bot/message/quota/consumption", line_consumption)
    app.router.add_get("/line-data/v2/bot/message/{message_id}/content", line_content)
    app.router.add_post("/line-data/v2/bot/richmenu/{rich_menu_id}/content", line_ok)
    app.router.add_route("*", "/telegram/bot{token}/{method}", telegram_method)
    app.router.add_get("/telegram/file/bot{token}/{path:.+}", telegram_file)
    return app
