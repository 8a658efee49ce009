"""Pieces of the Telegram emulator: its records, request parameters and reply markup checks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ._server import ApiError
from ._telegram_html import EntityParseError, parse_html

TEXT_MAX = 4096  # Telegram Bot API: message text after entity parsing
CAPTION_MAX = 1024  # Telegram Bot API: media caption
CALLBACK_DATA_MAX = 64  # Telegram Bot API: callback_data, bytes
KEYBOARD_MAX_BUTTONS = 100  # Telegram Bot API: inline keyboard buttons
BUTTON_ACTIONS = {
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
}
# Parameters PTB sends as plain strings; every other form value is JSON-encoded.
STRING_PARAMS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "secret_token",
    "file_id",
    "inline_message_id",
    "ip_address",
    "language_code",
    "document",
    "photo",
    "thumbnail",
    "action",
    "business_connection_id",
    "message_effect_id",
}
URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class TelegramFile:
    """A file the emulator knows: registered with add_file() or uploaded by the bot."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None

    def file_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def document_json(self) -> dict[str, Any]:
        body = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            body["file_name"] = self.file_name
        if self.mime_type:
            body["mime_type"] = self.mime_type
        return body


@dataclass
class TelegramMessage:
    """A message the bot sent; edits update it, so it shows what the person sees now.

    `text` and `caption` are as sent (HTML source in HTML mode); `plain` is the text or
    caption the person reads, `entities` its formatting.
    """

    chat_id: int | str
    message_id: int
    method: str
    time: float
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    plain: str | None = None
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    document: TelegramFile | None = None
    photo: TelegramFile | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


@dataclass(frozen=True)
class TelegramEdit:
    """One successful editMessageText / editMessageReplyMarkup call."""

    chat_id: int | str
    message_id: int
    method: str
    text: str | None
    parse_mode: str | None
    reply_markup: dict | None
    time: float


@dataclass(frozen=True)
class CallbackAnswer:
    """One successful answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    time: float


@dataclass(frozen=True)
class TelegramWebhook:
    """What setWebhook was last given."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int
    drop_pending_updates: bool
    ip_address: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """The method's parameters from the query, a JSON, form or multipart body, typed."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("invalid JSON body") from None
        params.update(body if isinstance(body, dict) else {})
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                uploads[name] = Upload(value.filename, data, value.content_type)
            else:
                params[name] = _decode(name, value)
    if isinstance(params.get("chat_id"), str) and params["chat_id"].lstrip("-").isdigit():
        params["chat_id"] = int(params["chat_id"])
    return params, uploads


def _decode(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def formatted(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[dict]]:
    """The plain text and entities Telegram makes of `text` in `parse_mode`."""
    if not parse_mode:
        return text, entities if isinstance(entities, list) else []
    mode = parse_mode.lower()
    if mode == "html":
        try:
            return parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    if mode in ("markdown", "markdownv2"):
        return text, []  # not modelled: webpub formats with HTML
    raise bad_request("unsupported parse_mode")


def check_reply_markup(markup: Any) -> dict | None:
    """The reply markup as Telegram accepts it, or the Bad Request Telegram answers."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of Arrays"
        )
    if sum(len(row) for row in rows) > KEYBOARD_MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in (b for row in rows for b in row):
        _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = BUTTON_ACTIONS & button.keys()
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")
