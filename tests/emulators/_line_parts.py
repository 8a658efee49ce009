"""LINE's checks on message objects (with its error details shape) and HTTP helpers.

Only the limits webpub can run into are checked; the SDK validates most of them too, but a
hand-built dict (or a flex JSON) bypasses the SDK models.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from ._server import ApiError

MAX_MESSAGES = 5  # LINE: messages per reply/push/multicast
TEXT_MAX = 5000  # LINE: text message, UTF-16 code units
ALT_TEXT_MAX = {"flex": 1500, "template": 400}  # LINE: altText
QUICK_REPLY_MAX = 13  # LINE: quick reply buttons
ACTION_DATA_MAX = 300  # LINE: postback / datetimepicker data
BUBBLE_MAX_BYTES = 30 * 1024  # LINE: flex bubble JSON
CAROUSEL_MAX_BYTES = 50 * 1024  # LINE: flex carousel JSON
CAROUSEL_MAX_BUBBLES = 12  # LINE: bubbles in a flex carousel
MESSAGE_TYPES = {
    "text",
    "textV2",
    "sticker",
    "image",
    "video",
    "audio",
    "location",
    "imagemap",
    "template",
    "flex",
}
PICKER_MODES = {"date", "time", "datetime"}

Detail = dict[str, str]


def utf16_length(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def body_error(details: list[Detail]) -> dict[str, Any]:
    """LINE's 400 body for invalid request properties."""
    return {"message": f"The request body has {len(details)} error(s)", "details": details}


def check_messages(messages: Any) -> list[Detail]:
    """Every problem LINE would report in a `messages` array, as error details."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [{"message": f"Size must be between 1 and {MAX_MESSAGES}", "property": "messages"}]
    details: list[Detail] = []
    for i, message in enumerate(messages):
        details.extend(_check_message(message, f"messages[{i}]"))
    return details


def _check_message(message: Any, where: str) -> list[Detail]:
    if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
        return [{"message": "Invalid message type", "property": f"{where}.type"}]
    kind = message["type"]
    details: list[Detail] = []
    if kind in ("text", "textV2"):
        text = message.get("text")
        if not isinstance(text, str) or not 1 <= utf16_length(text) <= TEXT_MAX:
            details.append(_detail(f"Length must be between 1 and {TEXT_MAX}", f"{where}.text"))
    if kind in ALT_TEXT_MAX:
        alt = message.get("altText")
        if not isinstance(alt, str) or not 1 <= len(alt) <= ALT_TEXT_MAX[kind]:
            limit = ALT_TEXT_MAX[kind]
            details.append(_detail(f"Length must be between 1 and {limit}", f"{where}.altText"))
    if kind == "flex":
        details.extend(_check_flex(message.get("contents"), f"{where}.contents"))
    items = (message.get("quickReply") or {}).get("items")
    if items is not None and (not isinstance(items, list) or len(items) > QUICK_REPLY_MAX):
        details.append(
            _detail(f"Size must be between 1 and {QUICK_REPLY_MAX}", f"{where}.quickReply.items")
        )
    details.extend(_check_actions(message, where))
    return details


def _check_flex(contents: Any, where: str) -> list[Detail]:
    if not isinstance(contents, dict):
        return [_detail("must be specified", where)]
    size = len(json.dumps(contents, ensure_ascii=False).encode())
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents") or []
        if len(bubbles) > CAROUSEL_MAX_BUBBLES:
            return [_detail(f"Size must be between 1 and {CAROUSEL_MAX_BUBBLES}", where)]
        if size > CAROUSEL_MAX_BYTES:
            return [_detail("Size of the carousel exceeds the limit", where)]
    elif size > BUBBLE_MAX_BYTES:
        return [_detail("Size of the bubble exceeds the limit", where)]
    return []


def _check_actions(node: Any, where: str) -> list[Detail]:
    """Walk the message and check every postback and datetime picker action in it."""
    details: list[Detail] = []
    if isinstance(node, dict):
        if node.get("type") in ("postback", "datetimepicker"):
            data = node.get("data")
            if not isinstance(data, str) or len(data) > ACTION_DATA_MAX:
                limit = ACTION_DATA_MAX
                details.append(_detail(f"Length must be between 0 and {limit}", f"{where}.data"))
            if node["type"] == "datetimepicker" and node.get("mode") not in PICKER_MODES:
                details.append(_detail("Invalid mode", f"{where}.mode"))
        for key, value in node.items():
            details.extend(_check_actions(value, f"{where}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            details.extend(_check_actions(value, f"{where}[{i}]"))
    return details


def _detail(message: str, prop: str) -> Detail:
    return {"message": message, "property": prop}


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object of a request body, or LINE's 400."""
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise ApiError(400, "The request body could not be parsed as JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body could not be parsed as JSON")
    return body


def new_request_id() -> str:
    """A value for the x-line-request-id header."""
    return str(uuid.uuid4())


def json_response(
    body: Any,
    status: int = 200,
    *,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON answer with the x-line-request-id header LINE puts on every response."""
    all_headers = {"x-line-request-id": request_id or new_request_id(), **(headers or {})}
    return web.json_response(body, status=status, headers=all_headers)
