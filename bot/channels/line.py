"""LINE: verify and parse webhooks, render Outgoing as LINE messages, send on reply or push."""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import (
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.channels import (
    AttachmentSource,
    Delivery,
    FileFetch,
    RawEvent,
    WebhookRejected,
    parse_json,
)
from bot.redaction import protect_logs
from bot.settings import Settings
from core.events import Button, Card, FileRef, Incoming, Outgoing
from locales import _
from models.messaging import OutboxMessage

log = logging.getLogger(__name__)

MESSAGES_PER_CALL = 5  # LINE: at most 5 message objects per reply or push
TEXT_MAX = 5000  # LINE: text message length, UTF-16 code units
ALT_TEXT_MAX = 1500  # LINE: flex altText
QUICK_REPLY_MAX = 13  # LINE: quick reply buttons
QUICK_LABEL_MAX = 20  # LINE: quick reply / action label
FLEX_LABEL_MAX = 40  # LINE: flex button label
LOADING_STEP, LOADING_MAX = 5, 60  # LINE: loadingSeconds 5..60 in steps of 5
LOADING_DEFAULT = 20  # LINE's default; the animation ends when our next message arrives
REPLY_PATH, PUSH_PATH = "/v2/bot/message/reply", "/v2/bot/message/push"


def _clip_utf16(text: str, limit: int) -> str:
    """Cut text to a limit counted in UTF-16 code units, as LINE counts."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out, used = [], 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > limit - 1:
            break
        out.append(ch)
        used += units
    return "".join(out) + "…"


def _label(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class LineChannel:
    """The LINE Messaging API through line-bot-sdk v3's async clients."""

    name = "line"

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.line_channel_secret or ""
        self._token = settings.line_channel_access_token or ""
        self._api_url = settings.line_api_url
        self._data_url = settings.line_data_api_url
        self._validator = SignatureValidator(self._secret)
        protect_logs(self._secret, self._token)
        self._clients: list[AsyncApiClient] = []
        self.api: AsyncMessagingApi | None = None
        self.blob: AsyncMessagingApiBlob | None = None

    async def start(self) -> None:
        """Open the HTTP clients; must run inside the event loop (aiohttp session)."""
        self._clients = [
            await _client(self._api_url, self._token),
            await _client(self._data_url, self._token),
        ]
        api_client, data_client = self._clients
        self.api = AsyncMessagingApi(api_client)
        self.blob = AsyncMessagingApiBlob(data_client)

    async def close(self) -> None:
        for client in self._clients:
            await client.close()
        self._clients = []

    # -- in ---------------------------------------------------------------------------------

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> list[RawEvent]:
        """Check the signature over the raw body; the events are parsed later, by the inbox."""
        signature = headers.get("x-line-signature", "")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookRejected(400, "body is not UTF-8") from None
        if not signature or not self._validator.validate(text, signature):
            raise WebhookRejected(401, "bad or missing x-line-signature")
        payload = parse_json(text)
        raw_events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(raw_events, list):
            raise WebhookRejected(400, "malformed body: no list of events")
        found = []
        for raw in raw_events:
            if not isinstance(raw, dict) or raw.get("mode") == "standby":
                continue  # another module channel holds the chat: do nothing
            event_id = raw.get("webhookEventId")
            if not isinstance(event_id, str) or not event_id:
                canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False).encode()
                event_id = "sha-" + hashlib.sha256(canonical).hexdigest()[:40]
            found.append(RawEvent(event_id[:100], raw, *line_keys(raw)))
        return found

    def to_incoming(self, data: dict) -> Incoming | None:
        """One event in the neutral form; anything the SDK cannot read is logged and skipped."""
        try:
            event = Event.from_dict(data)
        except Exception as exc:  # a foreign payload may break the SDK in any way
            log.info("LINE event not understood (%s): %s", data.get("type"), exc)
            return None
        if event is None:
            return None
        try:
            return event_to_incoming(event, data)
        except Exception as exc:  # a foreign payload may break the SDK in any way
            log.info("LINE event skipped (%s): %s", data.get("type"), exc)
            return None

    # -- out --------------------------------------------------------------------------------

    async def deliver(self, rows: list[OutboxMessage], files: AttachmentSource) -> Delivery:
        """Send rows for one chat as one call: reply while the token lasts, push otherwise."""
        assert self.api is not None
        messages: list[dict] = []
        for row in rows:
            messages.extend(await render(Outgoing.from_dict(row.payload), files))
        messages = messages[:MESSAGES_PER_CALL]
        first = rows[0]
        try:
            if first.reply_token:
                await self._post(
                    REPLY_PATH, {"replyToken": first.reply_token, "messages": messages}
                )
                return Delivery(ok=True)
            answer = await self._post(
                PUSH_PATH,
                {"to": first.chat_id, "messages": messages},
                {"X-Line-Retry-Key": first.retry_key} if first.retry_key else {},
            )
            sent = answer.get("sentMessages") or [{}]
            return Delivery(ok=True, used_push=True, message_id=sent[0].get("id"))
        except ApiException as exc:
            return _failure(exc, replying=bool(first.reply_token))
        except (TimeoutError, OSError) as exc:
            return Delivery(ok=False, error=f"network: {exc!r}", used_push=not first.reply_token)

    async def _post(self, path: str, body: dict, headers: dict[str, str] | None = None) -> dict:
        """POST a message body we rendered ourselves through the SDK's API client.

        The typed calls (`reply_message(ReplyMessageRequest.from_dict(...))`) build pydantic
        models from our dicts and turn them back into the same dicts, a fifth of a reply's CPU;
        the client still adds the token, raises `ApiException` and keeps the session.
        """
        assert self.api is not None
        response = await self.api.api_client.call_api(
            path,
            "POST",
            header_params={"Accept": "application/json", "Content-Type": "application/json"}
            | (headers or {}),
            body=body,
            response_types_map={},
            auth_settings=["Bearer"],
            _host=self.api.line_base_path,
        )
        try:
            answer = json.loads(response.raw_data or "{}")
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    async def download(self, file: FileRef) -> FileFetch:
        """Fetch a file a person sent; LINE keeps content only for a while, so right away."""
        assert self.blob is not None
        try:
            data = await self.blob.get_message_content(file.file_id)
        except ApiException as exc:
            if exc.status in (404, 410):
                return FileFetch(None, _("That file is no longer available. Please send it again."))
            raise
        if data is None:  # 202: a video or audio still being prepared by LINE
            return FileFetch(
                None, _("LINE is still preparing that file. Please send it again in a minute.")
            )
        return FileFetch(bytes(data))

    async def acknowledge(self, incoming: Incoming, text: str | None) -> None:
        """LINE needs no callback answer."""
        return None

    async def show_working(self, incoming: Incoming, seconds: int) -> None:
        """The loading animation in a one-to-one chat (LINE answers 400 for groups and rooms)."""
        if incoming.chat != incoming.user or not incoming.user:
            return
        await self.show_loading(incoming.chat, seconds)

    async def show_loading(self, chat_id: str, seconds: int = LOADING_DEFAULT) -> None:
        assert self.api is not None
        seconds = min(LOADING_MAX, max(LOADING_STEP, seconds - seconds % LOADING_STEP))
        await self.api.show_loading_animation(
            ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=seconds)
        )

    async def install_rich_menu(self, menu: dict, image: bytes) -> str:
        """Create the rich menu, upload its image and make it every user's default."""
        assert self.api is not None and self.blob is not None
        created = await self.api.create_rich_menu(RichMenuRequest.from_dict(menu))
        # The SDK would otherwise try to encode the image bytes as JSON.
        await self.blob.set_rich_menu_image(
            created.rich_menu_id, body=image, _headers={"Content-Type": "image/png"}
        )
        await self.api.set_default_rich_menu(created.rich_menu_id)
        return created.rich_menu_id

    async def profile_language(self, user: str) -> str | None:
        """LINE webhooks carry no language: the profile has the one the phone is set to."""
        assert self.api is not None
        try:
            return (await self.api.get_profile(user)).language
        except ApiException as exc:
            log.info("LINE profile of %s not read: %s", user[:6], exc.status)
            return None

    async def quota(self) -> tuple[str, int | None, int]:
        """(type, monthly limit or None, used this month)."""
        assert self.api is not None
        quota = await self.api.get_message_quota()
        used = await self.api.get_message_quota_consumption()
        return quota.type, quota.value, used.total_usage


def _failure(exc: ApiException, *, replying: bool) -> Delivery:
    status = exc.status or 0
    body = exc.body if isinstance(exc.body, str) else str(exc.body)
    if status == 409 and not replying:
        return Delivery(ok=True, used_push=True)  # the retry key was accepted before: delivered
    if replying and status == 400 and "reply token" in body.lower():
        return Delivery(ok=False, reply_refused=True, error=body)
    if status == 429:
        retry = exc.headers.get("retry-after") if exc.headers else None
        monthly = "monthly limit" in body.lower()
        return Delivery(
            ok=False,
            retry_after=float(retry) if retry else None,
            permanent=monthly,
            out_of_quota=monthly,
            rate_limited=not monthly,
            used_push=not replying,
            error=f"429 {body}",
        )
    if status >= 500 or status == 0:
        return Delivery(ok=False, used_push=not replying, error=f"{status} {body}")
    return Delivery(ok=False, permanent=True, used_push=not replying, error=f"{status} {body}")


async def _client(host: str, token: str) -> AsyncApiClient:
    """The SDK's client, its session made without `trust_env`: that looks up proxies and
    ~/.netrc in the environment on every request (a tenth of a reply's CPU). A proxy the
    environment names is read here once instead."""
    proxy = (
        None
        if urllib.request.proxy_bypass(urlsplit(host).hostname or "")
        else (urllib.request.getproxies().get(urlsplit(host).scheme))
    )
    client = AsyncApiClient(Configuration(host=host, access_token=token))
    client.configuration.proxy = proxy
    rest = client.rest_client
    rest.proxy = proxy
    sdk_session = rest.pool_manager
    rest.pool_manager = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=client.configuration.connection_pool_maxsize,
            ssl=ssl.create_default_context(cafile=client.configuration.ssl_ca_cert),
        )
    )
    await sdk_session.close()
    return client


def line_keys(raw: dict) -> tuple[str, str]:
    """The chat and the sender of a raw event, as event_to_incoming reads them."""
    source = raw.get("source")
    source = source if isinstance(source, dict) else {}
    user = str(source.get("userId") or "")
    return str(source.get("groupId") or source.get("roomId") or user), user


def event_to_incoming(event: Event, raw: dict) -> Incoming | None:
    """The neutral form of a LINE event we act on; None for kinds we do not use."""
    source = event.source
    user = getattr(source, "user_id", None) or ""
    chat = getattr(source, "group_id", None) or getattr(source, "room_id", None) or user
    base = dict(
        channel="line",
        user=user,
        chat=chat,
        event_id=raw.get("webhookEventId") or f"{raw.get('type')}-{raw.get('timestamp')}-{user}",
        reply_token=getattr(event, "reply_token", None),
    )
    if isinstance(event, MessageEvent):
        message = event.message
        if isinstance(message, TextMessageContent):
            return Incoming(**base, text=message.text)
        if isinstance(message, FileMessageContent):
            ref = FileRef(file_id=message.id, name=message.file_name, size=message.file_size)
            return Incoming(**base, file=ref)
        if isinstance(message, ImageMessageContent):
            provider = getattr(message, "content_provider", None)
            if provider is not None and provider.type != "line":
                return Incoming(**base, kind="other")
            ref = FileRef(file_id=message.id, name=f"image-{message.id}.jpg", kind="image")
            return Incoming(**base, file=ref)
        return Incoming(**base, kind="other", text=None)
    if isinstance(event, PostbackEvent):
        params = event.postback.params or {}
        return Incoming(
            **base,
            kind="button",
            action=event.postback.data,
            date=params.get("date"),
        )
    if isinstance(event, FollowEvent):
        return Incoming(**base, kind="follow")
    if isinstance(event, UnfollowEvent):
        return Incoming(**base, kind="unfollow")
    if isinstance(event, JoinEvent):
        return Incoming(**base, kind="join")
    return None


# -- rendering ------------------------------------------------------------------------------


async def render(message: Outgoing, files: AttachmentSource) -> list[dict]:
    """LINE message objects for one Outgoing: a flex card or a text, links to files after."""
    text = message.text
    for attachment_id in message.files:
        link = await files.link(attachment_id)
        if link is not None:
            name, url = link
            text += f"\n📎 {name}\n{url}"
    if message.card is not None or (message.buttons and not message.quick):
        out = [_flex(message, text)]
    else:
        out = [{"type": "text", "text": _clip_utf16(text, TEXT_MAX)}]
    quick = _quick_reply(message)
    if quick:
        out[-1]["quickReply"] = quick
    return out


def _quick_reply(message: Outgoing) -> dict | None:
    items = []
    if message.quick:
        for b in message.buttons[:QUICK_REPLY_MAX]:
            items.append(
                {
                    "type": "action",
                    "action": {
                        "type": "postback",
                        "label": _label(b.label, QUICK_LABEL_MAX),
                        "data": b.action,
                        "displayText": b.label,
                    },
                }
            )
    picker = message.date_picker
    if picker is not None:
        action: dict[str, Any] = {
            "type": "datetimepicker",
            "label": _label(picker.label, QUICK_LABEL_MAX),
            "data": picker.action,
            "mode": "date",
        }
        for key in ("initial", "min", "max"):
            if getattr(picker, key):
                action[key] = getattr(picker, key)
        items.insert(0, {"type": "action", "action": action})
    return {"items": items[:QUICK_REPLY_MAX]} if items else None


def _flex(message: Outgoing, text: str) -> dict:
    """A bubble: the card's title and fields, the message text, buttons in the footer."""
    card = message.card or Card(title="")
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": _bubble_body(card, text),
        },
    }
    if message.buttons and not message.quick:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [_flex_button(b) for b in message.buttons],
        }
    alt = card.title + " · " + message.text if card.title else message.text
    return {"type": "flex", "altText": _clip_utf16(alt, ALT_TEXT_MAX), "contents": bubble}


def _bubble_body(card: Card, text: str) -> list[dict]:
    """URGENT, the title, the text, then each field as a label beside its value."""
    body: list[dict] = []
    if card.urgent:
        body.append({"type": "text", "text": _("URGENT"), "weight": "bold", "color": "#D32F2F"})
    if card.title:
        body.append(
            {"type": "text", "text": card.title, "weight": "bold", "size": "md", "wrap": True}
        )
    body.append({"type": "text", "text": _clip_utf16(text, 2000), "wrap": True, "size": "sm"})
    if card.fields:
        body.append({"type": "separator", "margin": "md"})
    for label, value in card.fields:
        body.append(
            {
                "type": "box",
                "layout": "baseline",
                "spacing": "sm",
                "margin": "sm",
                "contents": [
                    {
                        "type": "text",
                        "text": label,
                        "size": "sm",
                        "color": "#888888",
                        "flex": 2,
                        "wrap": True,
                    },
                    {"type": "text", "text": value or "-", "size": "sm", "flex": 5, "wrap": True},
                ],
            }
        )
    return body


def _flex_button(b: Button) -> dict:
    """A footer button that posts its token back (a danger button in red)."""
    button: dict[str, Any] = {
        "type": "button",
        "style": "primary" if b.style == "primary" else "secondary",
        "height": "sm",
        "action": {
            "type": "postback",
            "label": _label(b.label, FLEX_LABEL_MAX),
            "data": b.action,
            "displayText": b.label,
        },
    }
    if b.style == "danger":
        button["color"] = "#D32F2F"
    return button
