"""The editing and callback methods of the Telegram emulator."""

from __future__ import annotations

from typing import Any

from ._server import Clock
from ._telegram_parts import (
    TEXT_MAX,
    CallbackAnswer,
    TelegramEdit,
    TelegramMessage,
    bad_request,
    check_reply_markup,
    formatted,
)

CALLBACK_TEXT_MAX = 200  # Telegram Bot API: answerCallbackQuery text
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class EditMethods:
    """Mixed into TelegramEmulator: editMessageText, editMessageReplyMarkup, deleteMessage,
    answerCallbackQuery (using the emulator's `_chat_id` and `_message_json`)."""

    clock: Clock
    callback_ttl: float
    edits: list[TelegramEdit]
    callback_answers: list[CallbackAnswer]
    _sent: list[TelegramMessage]
    _callbacks: dict[str, float]

    async def _m_editMessageText(self, params: dict, uploads: dict) -> dict[str, Any]:
        message = self._message_to_edit(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("message text is empty")
        plain, entities = formatted(text, params.get("parse_mode"), params.get("entities"))
        if len(plain) > TEXT_MAX:
            raise bad_request("message is too long")
        markup = check_reply_markup(params.get("reply_markup"))
        if (plain, entities, markup) == (message.plain, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.text, message.plain, message.entities = text, plain, entities
        message.parse_mode, message.reply_markup = params.get("parse_mode"), markup
        return self._edited(message, "editMessageText")

    async def _m_editMessageReplyMarkup(self, params: dict, uploads: dict) -> dict[str, Any]:
        message = self._message_to_edit(params)
        markup = check_reply_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message, "editMessageReplyMarkup")

    async def _m_deleteMessage(self, params: dict, uploads: dict) -> bool:
        message = self._find(params)
        if message is None:
            raise bad_request("message to delete not found")
        message.deleted = True
        return True

    def _message_to_edit(self, params: dict) -> TelegramMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        message = self._find(params)
        if message is None:
            raise bad_request("message to edit not found")
        return message

    def _find(self, params: dict) -> TelegramMessage | None:
        chat_id, message_id = self._chat_id(params), params.get("message_id")
        return next(
            (
                m
                for m in self._sent
                if m.chat_id == chat_id and m.message_id == message_id and not m.deleted
            ),
            None,
        )

    def _edited(self, message: TelegramMessage, method: str) -> dict[str, Any]:
        message.edit_date = int(self.clock())
        self.edits.append(
            TelegramEdit(
                chat_id=message.chat_id,
                message_id=message.message_id,
                method=method,
                text=message.text,
                parse_mode=message.parse_mode,
                reply_markup=message.reply_markup,
                time=self.clock(),
            )
        )
        return self._message_json(message)

    async def _m_answerCallbackQuery(self, params: dict, uploads: dict) -> bool:
        callback_id = str(params.get("callback_query_id", ""))
        issued = self._callbacks.pop(callback_id, None)
        if issued is None or self.clock() - issued > self.callback_ttl:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(text) > CALLBACK_TEXT_MAX:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=callback_id,
                text=text,
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
                time=self.clock(),
            )
        )
        return True
