"""A local Telegram Bot API server (the methods webpub uses) and file server.

    async with TelegramEmulator(token="123:abc") as tg:
        bot = Bot("123:abc", base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")
        async with bot:                                   # initialize() calls getMe
            ...                                           # the code under test sends
        assert tg.messages(chat_id=1001)[-1].plain == "ส่งคำขอแล้ว"

Setup: `add_file(file_id, data, *, file_path=None, file_size=None, file_name=None,
mime_type=None) -> TelegramFile`, `register_callback(callback_id)` (the update factories do
it when given `tg=`), `expire_callbacks()`, `queue_update(update)` (for getUpdates),
`block(chat_id)` / `unblock(chat_id)` (403 "bot was blocked by the user"),
`remember_chat(chat)` (names used in returned Chat objects), `next_message_id(chat_id)`,
the attributes `retry_after` (seconds in an injected 429, default 1) and `callback_ttl`, and
from the base class `faults(rate, kinds, *, seed, after_accept, paths, timeout_seconds)` and
`fail_next(kind, *, times, after_accept, paths)`; "after accept" applies to send* methods.

Flood limits (off by default): `enforce_limits(overall=30, per_chat=1.0, chat_burst=3,
group_per_minute=20, *, methods=LIMITED_METHODS)` answers sends and edits beyond them with the
real 429 body and `parameters.retry_after` (see `_telegram_limits.py`). Then `limited` counts
those 429s, `limited_calls` lists them (LimitedCall: time, chat_id, method, retry_after, limit),
`sends_to(chat_id)` gives the times of the accepted sends and edits, and `flood` holds the
allowances. Injected 429s (faults) are not counted there.

Inspection: `messages(chat_id=None) -> list[TelegramMessage]` (in order; edits applied),
`edits` (TelegramEdit), `callback_answers` (CallbackAnswer), `webhook` (TelegramWebhook or
None), `get_commands(language_code="", scope=None)`, `files` (file_id -> TelegramFile),
`requests` (every call; `.name` is the Bot API method).

Methods: getMe, sendMessage, sendDocument, sendPhoto, sendChatAction, editMessageText,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, getFile, setWebhook,
deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands, getUpdates.
Anything else is 404 "Not Found"; a wrong token is 401 "Unauthorized".
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ._server import ApiError, Clock, EmulatorServer
from ._telegram_edits import EditMethods
from ._telegram_limits import FloodLimits, LimitedCall, LimitMethods
from ._telegram_parts import (
    CAPTION_MAX,
    TEXT_MAX,
    CallbackAnswer,
    TelegramEdit,
    TelegramFile,
    TelegramMessage,
    TelegramWebhook,
    Upload,
    bad_request,
    check_reply_markup,
    formatted,
    read_params,
)
from ._telegram_setup import SetupMethods, commands_key

DOWNLOAD_MAX = 20 * 1024 * 1024  # Telegram Bot API: getFile downloads up to 20 MB
UPLOAD_MAX = 50 * 1024 * 1024  # Telegram Bot API: multipart uploads up to 50 MB
CALLBACK_TTL = 15.0  # undocumented; answers later than this fail as "query is too old"
SEND_METHODS = {"sendmessage", "senddocument", "sendphoto"}
Handler = Callable[[dict[str, Any], dict[str, Upload]], Awaitable[Any]]


class TelegramEmulator(EditMethods, SetupMethods, LimitMethods, EmulatorServer):
    """The subset of the Telegram Bot API webpub uses, answering in the Bot API envelope."""

    def __init__(
        self,
        token: str = "123:abc",
        *,
        username: str = "webpub_test_bot",
        first_name: str = "webpub",
        callback_ttl: float = CALLBACK_TTL,
        retry_after: int = 1,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.callback_ttl = callback_ttl
        self.retry_after = retry_after
        self.webhook: TelegramWebhook | None = None
        self.flood: FloodLimits | None = None
        self.limited = 0
        self.limited_calls: list[LimitedCall] = []
        self.edits: list[TelegramEdit] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.files: dict[str, TelegramFile] = {}
        self._sent: list[TelegramMessage] = []
        self._callbacks: dict[str, float] = {}
        self._blocked: set[int | str] = set()
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._counters: dict[int | str, itertools.count] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_signal = asyncio.Event()
        self._file_seq = itertools.count(1)
        self._methods: dict[str, Handler] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe sendMessage sendDocument sendPhoto sendChatAction editMessageText "
                "editMessageReplyMarkup deleteMessage answerCallbackQuery getFile setWebhook "
                "deleteWebhook getWebhookInfo setMyCommands getMyCommands deleteMyCommands "
                "getUpdates"
            ).split()
        }

    # -- setup -----------------------------------------------------------------------------

    def add_file(
        self,
        file_id: str,
        data: bytes,
        *,
        file_path: str | None = None,
        file_size: int | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> TelegramFile:
        """Make `file_id` known to getFile; `file_size` may claim more than `data` holds."""
        n = next(self._file_seq)
        suffix = f".{file_name.rsplit('.', 1)[-1]}" if file_name and "." in file_name else ""
        file = TelegramFile(
            file_id=file_id,
            file_unique_id=f"AgAD{n:08d}",
            file_path=file_path or f"documents/file_{n}{suffix}",
            data=data,
            file_size=len(data) if file_size is None else file_size,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file_id] = file
        return file

    def register_callback(self, callback_id: str) -> None:
        """Accept one answerCallbackQuery for `callback_id` within `callback_ttl` seconds."""
        self._callbacks[callback_id] = self.clock()

    def expire_callbacks(self) -> None:
        """Make every pending callback query too old to answer."""
        self._callbacks.clear()

    def queue_update(self, update: dict[str, Any]) -> None:
        """Hand an update to the next getUpdates call."""
        self._updates.append(update)
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def block(self, chat_id: int | str) -> None:
        """The person blocked the bot: sends to them answer 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int | str) -> None:
        """The person unblocked the bot."""
        self._blocked.discard(chat_id)

    def remember_chat(self, chat: dict[str, Any]) -> None:
        """Use this Chat object (name, title, type) when messages to its id are returned."""
        self._chats[chat["id"]] = dict(chat)

    def next_message_id(self, chat_id: int | str) -> int:
        """Message ids increase per chat, for the bot's and the person's messages alike."""
        return next(self._counters.setdefault(chat_id, itertools.count(1)))

    # -- inspection ------------------------------------------------------------------------

    def messages(self, chat_id: int | str | None = None) -> list[TelegramMessage]:
        """Messages the bot sent, in order, all or to one chat (deleted ones included)."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def get_commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """The commands setMyCommands stored for this scope and language."""
        return self._commands.get(commands_key(scope, language_code), [])

    # -- server hooks ----------------------------------------------------------------------

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self._call),
            web.get("/file/bot{token}/{file_path:.+}", self._download),
        ]

    def _authorize(self, request: web.Request) -> web.Response | None:
        if request.match_info.get("token") != self.token:
            return self._error(401, "Unauthorized")
        return None

    def _error(self, status: int, message: str, extra: dict | None = None) -> web.Response:
        body = {"ok": False, "error_code": status, "description": message, **(extra or {})}
        return web.json_response(body, status=status)

    def _rate_limited(self) -> web.Response:
        n = self.retry_after
        return self._error(
            429, f"Too Many Requests: retry after {n}", {"parameters": {"retry_after": n}}
        )

    def _accepts(self, request: web.Request) -> bool:
        return request.match_info.get("method", "").lower() in SEND_METHODS

    def _call_name(self, request: web.Request) -> str:
        return request.match_info.get("method", request.path)

    async def _call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        params, uploads = await read_params(request)
        if (refused := self._flood_refusal(method, params)) is not None:
            return refused
        # The send and edit handlers never suspend, so no other call slips in between the
        # check above and the count below.
        result = await handler(params, uploads)
        self._flood_accept(method, params)
        description = None
        if isinstance(result, tuple):
            result, description = result
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return web.json_response(body)

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["file_path"]
        file = next((f for f in self.files.values() if f.file_path == path), None)
        if file is None or file.data is None:
            raise ApiError(404, "Not Found")
        return web.Response(body=file.data, content_type="application/octet-stream")

    # -- sending ---------------------------------------------------------------------------

    async def _m_sendMessage(self, params: dict, uploads: dict) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("message text is empty")
        plain, entities = formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > TEXT_MAX:
            raise bad_request("message is too long")
        markup = check_reply_markup(params.get("reply_markup"))
        message = self._record(chat_id, "sendMessage", params, text=text, plain=plain)
        message.entities, message.reply_markup = entities, markup
        return self._message_json(message)

    async def _m_sendDocument(self, params: dict, uploads: dict) -> dict[str, Any]:
        return self._send_file(params, uploads, "document")

    async def _m_sendPhoto(self, params: dict, uploads: dict) -> dict[str, Any]:
        return self._send_file(params, uploads, "photo")

    def _send_file(self, params: dict, uploads: dict[str, Upload], kind: str) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        file = self._input_file(params.get(kind), uploads, kind)
        caption = params.get("caption")
        plain, entities = None, []
        if caption:
            plain, entities = formatted(
                caption, params.get("parse_mode"), params.get("caption_entities")
            )
            if len(plain) > CAPTION_MAX:
                raise bad_request("message caption is too long")
        markup = check_reply_markup(params.get("reply_markup"))
        method = "sendDocument" if kind == "document" else "sendPhoto"
        message = self._record(chat_id, method, params, caption=caption, plain=plain)
        message.entities, message.reply_markup = entities, markup
        setattr(message, kind, file)
        return self._message_json(message)

    def _input_file(self, value: Any, uploads: dict[str, Upload], kind: str) -> TelegramFile:
        """The file a send method names: an upload, an attach:// part or a known file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        else:
            upload = uploads.get(kind)
        if upload is not None:
            if len(upload.data) > UPLOAD_MAX:
                raise ApiError(413, "Request Entity Too Large")
            return self.add_file(
                f"BQACAgUAAx{uuid.uuid4().hex}",
                upload.data,
                file_path=None if kind == "document" else f"photos/file_{uuid.uuid4().hex[:8]}.jpg",
                file_name=upload.filename if kind == "document" else None,
                mime_type=upload.content_type if kind == "document" else None,
            )
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1]
            return self.add_file(f"BQACAgUAAx{uuid.uuid4().hex}", b"", file_name=name)
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def _m_sendChatAction(self, params: dict, uploads: dict) -> bool:
        self._chat_id(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    def _record(
        self, chat_id: int | str, method: str, params: dict, **fields: Any
    ) -> TelegramMessage:
        message = TelegramMessage(
            chat_id=chat_id,
            message_id=self.next_message_id(chat_id),
            method=method,
            time=self.clock(),
            parse_mode=params.get("parse_mode"),
            **fields,
        )
        self._sent.append(message)
        return message

    def _chat_id(self, params: dict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _chat_json(self, chat_id: int | str) -> dict[str, Any]:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "first_name": "User", "type": "private"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "title": "Group", "type": kind}

    def _message_json(self, message: TelegramMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat_json(message.chat_id),
            "date": int(message.time),
        }
        is_media = message.document is not None or message.photo is not None
        if message.plain is not None:
            body["caption" if is_media else "text"] = message.plain
            if message.entities:
                body["caption_entities" if is_media else "entities"] = message.entities
        if message.document is not None:
            body["document"] = message.document.document_json()
        if message.photo is not None:
            body["photo"] = _photo_sizes(message.photo)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        return body

    # -- files ---------------------------------------------------------------------------

    async def _m_getFile(self, params: dict, uploads: dict) -> dict[str, Any]:
        file = self.files.get(str(params.get("file_id", "")))
        if file is None:
            raise bad_request("invalid file_id")
        if file.file_size > DOWNLOAD_MAX:
            raise bad_request("file is too big")
        return file.file_json()


def _photo_sizes(photo: TelegramFile) -> list[dict[str, Any]]:
    thumb = {"file_id": f"{photo.file_id}-s", "file_unique_id": f"{photo.file_unique_id}-s"}
    return [
        {**thumb, "width": 90, "height": 51, "file_size": min(photo.file_size, 1200)},
        {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "width": 1280,
            "height": 720,
            "file_size": photo.file_size,
        },
    ]
