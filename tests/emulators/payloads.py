"""Webhook bodies as LINE and Telegram send them, built from a few facts with defaults.

LINE (each event gets a ULID webhookEventId, deliveryContext, a timestamp in ms, source and
mode). Every LINE factory takes the keyword options (`LineOptions`) reply_token=None,
line=None, redelivery=False, mode="active", event_id=None, timestamp=None (ms):

    line_text_event(user, text, **o)             line_postback_event(user, data, params=None, **o)
    line_file_event(user, message_id, file_name, file_size, **o)
    line_image_event(user, message_id, **o)      line_sticker_event(user, package_id=, sticker_id=, **o)
    line_location_event(user, latitude=, longitude=, title=, address=, **o)
    line_follow_event(user, unblocked=False, **o)                 line_unfollow_event(user, **o)
    line_unsend_event(user, message_id, **o)     line_join_event(group, **o)
    line_group_text_event(group, user, text, **o)
    line_body(*events, destination=DESTINATION) -> bytes          line_signature(body, secret) -> str
    redelivered(event) -> the same event with deliveryContext.isRedelivery = true

  The reply token is `reply_token=` if given, else a new one from `line=` (a LineEmulator,
  so replies to it work), else a random one LINE would reject. `mode="standby"` events, and
  unfollow and unsend events, carry no reply token.

Telegram (update_id from a module counter; `user` and `group` are numeric ids). Every
Telegram factory takes the keyword options (`TelegramOptions`) update_id=None, tg=None,
first_name="สมชาย", last_name=None, username=None, language_code="th", date=None (s);
`tg=` is a TelegramEmulator, which then numbers message ids per chat, names chats, and
accepts the callback ids:

    telegram_text_update(user, text, **o)        telegram_command_update(user, "/start", "CODE", **o)
    telegram_callback_update(user, data, message_id, *, callback_id=None, **o)
    telegram_document_update(user, file_id, file_name, file_size, mime_type, *, caption=None, **o)
    telegram_photo_update(user, file_id, sizes=PHOTO_SIZES, *, caption=None, **o)
    telegram_edited_message_update(user, text, message_id, **o)
    telegram_my_chat_member_update(user, *, blocked=True, **o)
    telegram_group_text_update(group, user, text, *, title="กองคลัง", **o)
"""

from ._line_events import (
    DESTINATION,
    LineOptions,
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
)
from ._telegram_updates import (
    BOT_USER,
    PHOTO_SIZES,
    TelegramOptions,
    telegram_callback_update,
    telegram_command_update,
    telegram_document_update,
    telegram_edited_message_update,
    telegram_group_text_update,
    telegram_my_chat_member_update,
    telegram_photo_update,
    telegram_text_update,
)

__all__ = [
    "BOT_USER",
    "DESTINATION",
    "PHOTO_SIZES",
    "LineOptions",
    "TelegramOptions",
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
