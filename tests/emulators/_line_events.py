"""LINE webhook events and bodies; `payloads` documents them."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import os
import time
import uuid
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

if TYPE_CHECKING:
    from .line import LineEmulator

DESTINATION = "Ub0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"  # the bot's own LINE user id
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_line_message_ids = itertools.count(468789577898262530)

Event = dict[str, Any]


class LineOptions(TypedDict, total=False):
    reply_token: str | None
    line: LineEmulator | None
    redelivery: bool
    mode: str  # "active" | "standby"
    event_id: str | None
    timestamp: int | None


def new_webhook_event_id(timestamp_ms: int | None = None) -> str:
    """A ULID, as LINE's webhookEventId: 10 characters of time, 16 of randomness."""
    value = (timestamp_ms or _now_ms()) << 80 | int.from_bytes(os.urandom(10))
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def line_body(*events: Event, destination: str = DESTINATION) -> bytes:
    """The webhook request body LINE posts: compact UTF-8 JSON."""
    body = {"destination": destination, "events": list(events)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def line_signature(body: bytes | str, secret: str) -> str:
    """The x-line-signature header for `body`: base64 of HMAC-SHA256 with the channel secret."""
    raw = body.encode() if isinstance(body, str) else body
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def redelivered(event: Event) -> Event:
    """The same event redelivered: same webhookEventId and reply token, isRedelivery true."""
    again = copy.deepcopy(event)
    again["deliveryContext"]["isRedelivery"] = True
    return again


def line_text_event(user: str, text: str, **options: Unpack[LineOptions]) -> Event:
    """A user's text message in a one-to-one chat."""
    message = {"type": "text", "id": _line_message_id(), "quoteToken": _token(), "text": text}
    return _line_message(_user_source(user), user, message, options)


def line_group_text_event(
    group: str, user: str, text: str, **options: Unpack[LineOptions]
) -> Event:
    """A member's text message in a group; replies go to the group."""
    message = {"type": "text", "id": _line_message_id(), "quoteToken": _token(), "text": text}
    source = {"type": "group", "groupId": group, "userId": user}
    return _line_message(source, group, message, options)


def line_postback_event(
    user: str, data: str, params: dict[str, str] | None = None, **options: Unpack[LineOptions]
) -> Event:
    """A tap on a postback button, or a date picked (`params={"date": "2026-11-25"}`)."""
    postback: dict[str, Any] = {"data": data}
    if params is not None:
        postback["params"] = params
    return _line_event("postback", _user_source(user), user, options, postback=postback)


def line_file_event(
    user: str, message_id: str, file_name: str, file_size: int, **options: Unpack[LineOptions]
) -> Event:
    """A file sent by the user; fetch its content with the message id."""
    message = {"type": "file", "id": message_id, "fileName": file_name, "fileSize": file_size}
    return _line_message(_user_source(user), user, message, options)


def line_image_event(user: str, message_id: str, **options: Unpack[LineOptions]) -> Event:
    """A photo sent by the user, stored by LINE (contentProvider "line")."""
    message = {
        "type": "image",
        "id": message_id,
        "quoteToken": _token(),
        "contentProvider": {"type": "line"},
    }
    return _line_message(_user_source(user), user, message, options)


def line_sticker_event(
    user: str,
    package_id: str = "446",
    sticker_id: str = "1988",
    **options: Unpack[LineOptions],
) -> Event:
    """A sticker sent by the user."""
    message = {
        "type": "sticker",
        "id": _line_message_id(),
        "quoteToken": _token(),
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "keywords": ["OK", "Thanks"],
    }
    return _line_message(_user_source(user), user, message, options)


def line_location_event(
    user: str,
    latitude: float = 16.5453,
    longitude: float = 104.7235,
    title: str | None = "เทศบาลเมืองมุกดาหาร",
    address: str | None = "ถนนพิทักษ์พนมเขต ตำบลมุกดาหาร อำเภอเมืองมุกดาหาร",
    **options: Unpack[LineOptions],
) -> Event:
    """A location shared by the user."""
    message: dict[str, Any] = {
        "type": "location",
        "id": _line_message_id(),
        "latitude": latitude,
        "longitude": longitude,
    }
    if title is not None:
        message["title"] = title
    if address is not None:
        message["address"] = address
    return _line_message(_user_source(user), user, message, options)


def line_follow_event(user: str, unblocked: bool = False, **options: Unpack[LineOptions]) -> Event:
    """The user added the account as a friend (or unblocked it)."""
    follow = {"isUnblocked": unblocked}
    return _line_event("follow", _user_source(user), user, options, follow=follow)


def line_unfollow_event(user: str, **options: Unpack[LineOptions]) -> Event:
    """The user blocked the account; there is no reply token."""
    return _line_event("unfollow", _user_source(user), None, options)


def line_unsend_event(user: str, message_id: str, **options: Unpack[LineOptions]) -> Event:
    """The user unsent a message; there is no reply token."""
    unsend = {"messageId": message_id}
    return _line_event("unsend", _user_source(user), None, options, unsend=unsend)


def line_join_event(group: str, **options: Unpack[LineOptions]) -> Event:
    """The account was added to a group."""
    return _line_event("join", {"type": "group", "groupId": group}, group, options)


def _line_message(source: dict, chat: str, message: dict, options: LineOptions) -> Event:
    message["markAsReadToken"] = _token()[:22]
    return _line_event("message", source, chat, options, message=message)


def _line_event(
    kind: str, source: dict, chat: str | None, options: LineOptions, **body: Any
) -> Event:
    """The properties every event has; a reply token when the event kind has one."""
    unknown = set(options) - LineOptions.__annotations__.keys()
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}")
    mode = options.get("mode", "active")
    timestamp = options.get("timestamp") or _now_ms()
    event: Event = {"type": kind, **body}
    if chat is not None and mode == "active":
        event["replyToken"] = _reply_token(chat, options)
    event.update(
        {
            "webhookEventId": options.get("event_id") or new_webhook_event_id(timestamp),
            "deliveryContext": {"isRedelivery": options.get("redelivery", False)},
            "timestamp": timestamp,
            "source": source,
            "mode": mode,
        }
    )
    return event


def _reply_token(chat: str, options: LineOptions) -> str:
    if options.get("reply_token"):
        return options["reply_token"]
    line = options.get("line")
    return line.new_reply_token(chat) if line is not None else _token()


def _user_source(user: str) -> dict[str, str]:
    return {"type": "user", "userId": user}


def _line_message_id() -> str:
    return str(next(_line_message_ids))


def _token() -> str:
    return uuid.uuid4().hex


def _now_ms() -> int:
    return int(time.time() * 1000)
