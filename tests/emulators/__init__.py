"""Local emulators of the LINE Messaging API and the Telegram Bot API, and webhook factories.

The real SDK clients talk to them over HTTP on 127.0.0.1:

    async with LineEmulator(access_token="t") as line, TelegramEmulator("123:abc") as tg:
        line_config = Configuration(host=line.url, access_token="t")
        bot = Bot("123:abc", base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")

Each module's docstring lists its API: `line.py`, `telegram.py`, `payloads.py`.
"""

from ._server import RequestRecord
from ._telegram_parts import (
    CallbackAnswer,
    TelegramEdit,
    TelegramFile,
    TelegramMessage,
    TelegramWebhook,
)
from .line import LineEmulator, LineMessage
from .payloads import (
    DESTINATION,
    line_body,
    line_file_event,
    line_follow_event,
    line_group_text_event,
    line_image_event,
    line_join_event,
    line_location_event,
    line_postback_event,
    line_signature,
    line_sticker_event,
    line_text_event,
    line_unfollow_event,
    line_unsend_event,
    new_webhook_event_id,
    redelivered,
    telegram_callback_update,
    telegram_command_update,
    telegram_document_update,
    telegram_edited_message_update,
    telegram_group_text_update,
    telegram_my_chat_member_update,
    telegram_photo_update,
    telegram_text_update,
)
from .telegram import TelegramEmulator

__all__ = [
    "DESTINATION",
    "CallbackAnswer",
    "LineEmulator",
    "LineMessage",
    "RequestRecord",
    "TelegramEdit",
    "TelegramEmulator",
    "TelegramFile",
    "TelegramMessage",
    "TelegramWebhook",
    "line_body",
    "line_file_event",
    "line_follow_event",
    "line_group_text_event",
    "line_image_event",
    "line_join_event",
    "line_location_event",
    "line_postback_event",
    "line_signature",
    "line_sticker_event",
    "line_text_event",
    "line_unfollow_event",
    "line_unsend_event",
    "new_webhook_event_id",
    "redelivered",
    "telegram_callback_update",
    "telegram_command_update",
    "telegram_document_update",
    "telegram_edited_message_update",
    "telegram_group_text_update",
    "telegram_my_chat_member_update",
    "telegram_photo_update",
    "telegram_text_update",
]
