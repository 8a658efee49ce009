"""Telegram: verify and parse webhooks, render Outgoing as HTML with inline keyboards, send."""

from __future__ import annotations

import hmac
import html
import logging
import os
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels import (
    AttachmentSource,
    Delivery,
    FileFetch,
    RawEvent,
    WebhookRejected,
    parse_json,
)
from bot.redaction import protect_logs
from bot.secrets import telegram_webhook_secret
from bot.settings import Settings
from core.events import FileRef, Incoming, Outgoing
from locales import _
from models.messaging import OutboxMessage

log = logging.getLogger(__name__)

TEXT_MAX = 4096  # Telegram Bot API: message text after entity parsing
CAPTION_MAX = 1024  # Telegram Bot API: caption length
CALLBACK_DATA_MAX = 64  # Telegram Bot API limit, bytes
DOWNLOAD_MAX = 20 * 1024 * 1024  # Telegram Bot API: getFile downloads at most 20 MB
BUTTONS_PER_ROW = 2
COMMANDS_MAX = 100  # Telegram Bot API: setMyCommands takes at most 100 commands
COMMAND_DESCRIPTION_MAX = 256  # Telegram Bot API: command description, characters


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token.

    WEBPUB_TELEGRAM_SECRET_TOKEN, else a random one kept in the data directory: never anything
    computed from the bot token, which whoever reads a log line of the HTTP client would know.
    """
    if settings.telegram_secret_token:
        return settings.telegram_secret_token
    return telegram_webhook_secret(settings.data_dir)


class TelegramChannel:
    """The Telegram Bot API through python-telegram-bot's Bot, used as a plain client."""

    name = "telegram"

    def __init__(self, settings: Settings) -> None:
        # Opt in to PTB 23's timedelta retry_after now; the int form warns on every 429.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._secret = webhook_secret(settings)
        protect_logs(settings.telegram_token, self._secret)
        self.bot = Bot(
            settings.telegram_token or "",
            base_url=settings.telegram_api_url,
            base_file_url=settings.telegram_file_url,
            request=HTTPXRequest(connection_pool_size=16, read_timeout=15, write_timeout=30),
            get_updates_request=HTTPXRequest(read_timeout=40),
        )

    async def start(self) -> None:
        """getMe; a Telegram that fails now must not stop the server, so it is asked again later."""
        try:
            await self.bot.initialize()
        except TelegramError as exc:
            log.warning(
                "Telegram did not answer getMe at start (%s); asking again on first use", exc
            )

    async def _ready(self) -> None:
        await self.bot.initialize()  # nothing once it has succeeded

    async def close(self) -> None:
        await self.bot.shutdown()

    # -- in ---------------------------------------------------------------------------------

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> list[RawEvent]:
        """Check the secret token header; the update is parsed later, by the inbox."""
        given = headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            raise WebhookRejected(401, "bad or missing secret token")
        data = parse_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise WebhookRejected(400, "malformed update: no update_id")
        return [telegram_event(data)]

    def to_incoming(self, data: dict[str, Any]) -> Incoming | None:
        try:
            update = Update.de_json(data, self.bot)
        except Exception as exc:  # a foreign payload may break the SDK in any way
            log.info("Telegram update %s not understood: %s", data.get("update_id"), exc)
            return None
        try:
            return update_to_incoming(update)
        except Exception as exc:  # a foreign payload may break the SDK in any way
            log.info("Telegram update %s skipped: %s", data.get("update_id"), exc)
            return None

    # -- out --------------------------------------------------------------------------------

    async def deliver(self, rows: list[OutboxMessage], files: AttachmentSource) -> Delivery:
        """Send one row (Telegram has no batching): an edit, or a message and its files."""
        row = rows[0]
        message = Outgoing.from_dict(row.payload)
        try:
            await self._ready()
            if message.edit_of is not None:
                return await self._edit(row.chat_id, message)
            sent = await self.bot.send_message(
                chat_id=row.chat_id,
                text=render_html(message),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
                disable_web_page_preview=True,
            )
            for attachment_id in message.files:
                found = await files.read(attachment_id)
                if found is not None:
                    name, data = found
                    await self.bot.send_document(
                        chat_id=row.chat_id,
                        document=data,
                        filename=name,
                        caption=html.escape(name)[:CAPTION_MAX],
                        parse_mode=ParseMode.HTML,
                    )
            return Delivery(ok=True, message_id=str(sent.message_id), used_push=True)
        except RetryAfter as exc:
            return Delivery(ok=False, retry_after=_seconds(exc), rate_limited=True, error=str(exc))
        except (Forbidden, BadRequest) as exc:
            return Delivery(ok=False, permanent=True, error=f"{type(exc).__name__}: {exc}")
        except TimedOut as exc:
            # The request went out and no answer came: Telegram may have delivered it.
            return Delivery(ok=False, maybe_sent=True, error=f"{type(exc).__name__}: {exc}")
        except NetworkError as exc:
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")
        except TelegramError as exc:
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")

    async def _edit(self, chat_id: str, message: Outgoing) -> Delivery:
        """A sent card's buttons off; with text, the card rewritten to say how it ended."""
        target = message.extra.get("message_id")
        if not target:
            return Delivery(ok=True)
        try:
            if message.text:
                await self.bot.edit_message_text(
                    chat_id=chat_id,
                    message_id=int(target),
                    text=render_html(message),
                    parse_mode=ParseMode.HTML,
                    reply_markup=None,
                    disable_web_page_preview=True,
                )
            else:
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=int(target), reply_markup=None
                )
        except BadRequest as exc:
            # "message is not modified" or gone: the buttons are not there either way.
            log.info("edit of %s/%s skipped: %s", chat_id, target, exc)
        return Delivery(ok=True)

    async def profile_language(self, user: str) -> str | None:
        return None  # every Telegram update carries the sender's language_code

    async def download(self, file: FileRef) -> FileFetch:
        if file.size is not None and file.size > DOWNLOAD_MAX:
            return FileFetch(None, _too_big())
        await self._ready()
        try:
            handle = await self.bot.get_file(file.file_id)
            return FileFetch(bytes(await handle.download_as_bytearray()))
        except BadRequest as exc:
            if "too big" in str(exc).lower():
                return FileFetch(None, _too_big())
            return FileFetch(None, _("That file could not be fetched. Please send it again."))

    async def acknowledge(self, incoming: Incoming, text: str | None) -> None:
        """Stop the button's progress spinner, with a short notice when there is one."""
        if not incoming.callback_id:
            return
        try:
            await self.bot.answer_callback_query(
                incoming.callback_id, text=(text or None) and text[:200]
            )
        except TelegramError as exc:
            log.info("callback answer for %s failed: %s", incoming.callback_id, exc)

    async def show_working(self, incoming: Incoming, seconds: int) -> None:
        """Nothing: a tapped button spins until answered, and answers come fast."""
        return None

    # -- setup ------------------------------------------------------------------------------

    async def set_webhook(self, url: str) -> None:
        await self.bot.set_webhook(
            url=url, secret_token=self._secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def set_menu(
        self,
        commands: list[tuple[str, str]],
        *,
        chat_id: str | None = None,
        language: str | None = None,
    ) -> None:
        """The command menu: everyone's in a language (None: the fallback), or one chat's."""
        scope = (
            BotCommandScopeChat(int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id)
            if chat_id
            else None
        )
        await self.bot.set_my_commands(
            [BotCommand(c, d[:COMMAND_DESCRIPTION_MAX]) for c, d in commands[:COMMANDS_MAX]],
            scope=scope,
            language_code=language,
        )

    async def poll(self, offset: int | None, wait_seconds: int = 30) -> list[dict[str, Any]]:
        """Long-poll for updates (offices without a public HTTPS address)."""
        updates = await self.bot.get_updates(
            offset=offset, timeout=wait_seconds, allowed_updates=list(ALLOWED_UPDATES)
        )
        return [u.to_dict() for u in updates]


ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


def _too_big() -> str:
    return _(
        "Telegram does not let bots fetch files over 20 MB. Please send a smaller file, "
        "or split it into parts."
    )


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # int vs timedelta deprecation in PTB 22
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def telegram_event(data: dict[str, Any]) -> RawEvent:
    """An update as the inbox records it, with its chat and sender read off the dict (any
    shape: a hostile update only loses its keys)."""
    chat = user = ""
    for key, part in data.items():
        if key == "update_id" or not isinstance(part, dict):
            continue
        sender, where = part.get("from"), part.get("chat")
        if not isinstance(where, dict) and isinstance(part.get("message"), dict):
            where = part["message"].get("chat")
        user = str(sender.get("id") or "") if isinstance(sender, dict) else ""
        chat = str(where.get("id") or "") if isinstance(where, dict) else user
        break
    return RawEvent(str(data["update_id"]), data, chat[:100], user[:100])


def update_to_incoming(update: Update) -> Incoming | None:
    """The neutral form of an update we act on; None for kinds we do not use."""
    if update.callback_query is not None:
        return _tap(update.callback_query, str(update.update_id))
    if update.my_chat_member is not None:
        member = update.my_chat_member
        kind = "unfollow" if member.new_chat_member.status in ("kicked", "left") else "follow"
        return Incoming(
            channel="telegram",
            user=str(member.from_user.id),
            chat=str(member.chat.id),
            event_id=str(update.update_id),
            kind=kind,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    return _message(message, str(update.update_id))


def _tap(query: CallbackQuery, event_id: str) -> Incoming:
    """A tap on an inline keyboard button."""
    chat = query.message.chat.id if query.message else query.from_user.id
    return Incoming(
        channel="telegram",
        user=str(query.from_user.id),
        chat=str(chat),
        event_id=event_id,
        kind="button",
        action=query.data,
        callback_id=query.id,
        message_id=str(query.message.message_id) if query.message else None,
        language=query.from_user.language_code,
        display_name=query.from_user.full_name,
    )


def _message(message: Message, event_id: str) -> Incoming:
    """A message from a person: a document, a photo (its largest size), text, or anything else."""
    assert message.from_user is not None
    base = dict(
        channel="telegram",
        user=str(message.from_user.id),
        chat=str(message.chat.id),
        event_id=event_id,
        language=message.from_user.language_code,
        display_name=message.from_user.full_name,
        message_id=str(message.message_id),
    )
    if message.document is not None:
        doc = message.document
        ref = FileRef(
            file_id=doc.file_id,
            name=doc.file_name or f"file-{doc.file_unique_id}",
            size=doc.file_size,
            mime_type=doc.mime_type,
        )
        return Incoming(**base, file=ref, text=message.caption)
    if message.photo:
        photo = message.photo[-1]
        ref = FileRef(
            file_id=photo.file_id,
            name=f"photo-{photo.file_unique_id}.jpg",
            size=photo.file_size,
            kind="image",
        )
        return Incoming(**base, file=ref, text=message.caption)
    if message.text is not None:
        return Incoming(**base, text=message.text)
    return Incoming(**base, kind="other")


# -- rendering ------------------------------------------------------------------------------


def render_html(message: Outgoing) -> str:
    """The message as Telegram HTML: the card's title bold, its fields as lines, text escaped."""
    parts = []
    card = message.card
    if card is not None:
        if card.urgent:
            parts.append("🔴 <b>" + html.escape(_("URGENT")) + "</b>")
        parts.append("<b>" + html.escape(card.title) + "</b>")
    parts.append(html.escape(message.text))
    if card is not None and card.fields:
        parts.append(
            "\n".join(f"<b>{html.escape(k)}:</b> {html.escape(v or '-')}" for k, v in card.fields)
        )
    if message.date_picker is not None:
        parts.append(
            "<i>" + html.escape(_("Type a date such as 25/11/2569 or 25 พ.ย. 69.")) + "</i>"
        )
    if card is not None and card.footer:
        parts.append("<i>" + html.escape(card.footer) + "</i>")
    text = "\n\n".join(parts)
    if len(text) > TEXT_MAX:
        text = html.escape(message.text[: TEXT_MAX - 200]) + "…"
    return text


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(b.label, callback_data=b.action)
        for b in message.buttons
        if 0 < len(b.action.encode()) <= CALLBACK_DATA_MAX
    ]
    if not buttons:
        return None
    per_row = 1 if any(len(b.text) > 18 for b in buttons) else BUTTONS_PER_ROW
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)
