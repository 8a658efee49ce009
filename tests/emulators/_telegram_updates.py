"""Telegram updates; `payloads` documents them."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

if TYPE_CHECKING:
    from .telegram import TelegramEmulator

BOT_USER = {"id": 123, "is_bot": True, "first_name": "webpub", "username": "webpub_test_bot"}
PHOTO_SIZES = ((90, 90), (320, 320), (1280, 1280))
_update_ids = itertools.count(700000001)
_telegram_message_ids = itertools.count(1)

Update = dict[str, Any]


class TelegramOptions(TypedDict, total=False):
    update_id: int | None
    tg: TelegramEmulator | None
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    date: int | None


def telegram_text_update(user: int, text: str, **options: Unpack[TelegramOptions]) -> Update:
    """A person's text message in a private chat with the bot."""
    message = _message(_private_chat(user, options), user, options, text=text)
    return _update("message", message, options)


def telegram_command_update(
    user: int, command: str, *args: str, **options: Unpack[TelegramOptions]
) -> Update:
    """A command such as `/start CODE`, with its bot_command entity."""
    text = " ".join([command, *args])
    entity = {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
    message = _message(_private_chat(user, options), user, options, text=text, entities=[entity])
    return _update("message", message, options)


def telegram_callback_update(
    user: int,
    data: str,
    message_id: int,
    *,
    callback_id: str | None = None,
    **options: Unpack[TelegramOptions],
) -> Update:
    """A tap on an inline button of the bot's message `message_id` in the person's chat.

    With `tg=`, the callback id is registered (so it can be answered once) and the message
    carries the text and keyboard the emulator recorded for it.
    """
    tg = options.get("tg")
    callback_id = callback_id or str(secrets.randbits(63))
    chat = _private_chat(user, options)
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": tg.bot_user if tg is not None else BOT_USER,
        "chat": chat,
        "date": _now() - 60,
        "text": "…",
    }
    if tg is not None:
        tg.register_callback(callback_id)
        sent = next((m for m in tg.messages(user) if m.message_id == message_id), None)
        if sent is not None and sent.plain is not None:
            message["text"] = sent.plain
        if sent is not None and sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
    query = {
        "id": callback_id,
        "from": _user(user, options),
        "message": message,
        "chat_instance": str(-(user * 7919 % 10**18)),
        "data": data,
    }
    return _update("callback_query", query, options)


def telegram_document_update(
    user: int,
    file_id: str,
    file_name: str,
    file_size: int,
    mime_type: str,
    *,
    caption: str | None = None,
    **options: Unpack[TelegramOptions],
) -> Update:
    """A file sent as a document."""
    document = {
        "file_name": file_name,
        "mime_type": mime_type,
        "file_id": file_id,
        "file_unique_id": _unique_id(file_id),
        "file_size": file_size,
    }
    message = _message(_private_chat(user, options), user, options, document=document)
    if caption is not None:
        message["caption"] = caption
    return _update("message", message, options)


def telegram_photo_update(
    user: int,
    file_id: str,
    sizes: tuple[tuple[int, ...], ...] = PHOTO_SIZES,
    *,
    caption: str | None = None,
    **options: Unpack[TelegramOptions],
) -> Update:
    """A photo; `sizes` are (width, height[, file_size]) from small to large, the largest is `file_id`."""
    photo = []
    for i, size in enumerate(sizes):
        width, height = size[0], size[1]
        largest = i == len(sizes) - 1
        size_id = file_id if largest else f"{file_id}-{i}"
        photo.append(
            {
                "file_id": size_id,
                "file_unique_id": _unique_id(size_id),
                "file_size": size[2] if len(size) > 2 else width * height // 8,
                "width": width,
                "height": height,
            }
        )
    message = _message(_private_chat(user, options), user, options, photo=photo)
    if caption is not None:
        message["caption"] = caption
    return _update("message", message, options)


def telegram_edited_message_update(
    user: int, text: str, message_id: int, **options: Unpack[TelegramOptions]
) -> Update:
    """The person edited an earlier message of theirs."""
    message = _message(_private_chat(user, options), user, options, text=text)
    message["message_id"] = message_id
    message["edit_date"] = message["date"]
    message["date"] -= 30
    return _update("edited_message", message, options)


def telegram_my_chat_member_update(
    user: int, *, blocked: bool = True, **options: Unpack[TelegramOptions]
) -> Update:
    """The person blocked (`blocked=True`) or unblocked the bot."""
    tg = options.get("tg")
    bot = tg.bot_user if tg is not None else BOT_USER
    kicked = {"user": bot, "status": "kicked", "until_date": 0}
    member = {"user": bot, "status": "member"}
    change = {
        "chat": _private_chat(user, options),
        "from": _user(user, options),
        "date": options.get("date") or _now(),
        "old_chat_member": member if blocked else kicked,
        "new_chat_member": kicked if blocked else member,
    }
    return _update("my_chat_member", change, options)


def telegram_group_text_update(
    group: int,
    user: int,
    text: str,
    *,
    title: str = "กองคลัง",
    **options: Unpack[TelegramOptions],
) -> Update:
    """A member's text message in a group the bot is in."""
    kind = "supergroup" if str(group).startswith("-100") else "group"
    chat = {"id": group, "title": title, "type": kind}
    tg = options.get("tg")
    if tg is not None:
        tg.remember_chat(chat)
    return _update("message", _message(chat, user, options, text=text), options)


def _update(kind: str, payload: dict[str, Any], options: TelegramOptions) -> Update:
    unknown = set(options) - TelegramOptions.__annotations__.keys()
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}")
    return {"update_id": options.get("update_id") or next(_update_ids), kind: payload}


def _message(chat: dict, user: int, options: TelegramOptions, **content: Any) -> dict[str, Any]:
    tg = options.get("tg")
    message_id = tg.next_message_id(chat["id"]) if tg is not None else next(_telegram_message_ids)
    return {
        "message_id": message_id,
        "from": _user(user, options),
        "chat": chat,
        "date": options.get("date") or _now(),
        **content,
    }


def _user(user: int, options: TelegramOptions) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": user,
        "is_bot": False,
        "first_name": options.get("first_name", "สมชาย"),
    }
    for key in ("last_name", "username"):
        if options.get(key):
            body[key] = options[key]
    language = options.get("language_code", "th")
    if language:
        body["language_code"] = language
    return body


def _private_chat(user: int, options: TelegramOptions) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": user, "first_name": options.get("first_name", "สมชาย")}
    if options.get("last_name"):
        chat["last_name"] = options["last_name"]
    if options.get("username"):
        chat["username"] = options["username"]
    chat["type"] = "private"
    tg = options.get("tg")
    if tg is not None:
        tg.remember_chat(chat)
    return chat


def _unique_id(file_id: str) -> str:
    return "AgAD" + hashlib.sha1(file_id.encode()).hexdigest()[:12]


def _now() -> int:
    return int(time.time())
