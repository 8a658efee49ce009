"""Local emulators of the LINE Messaging API and the Telegram Bot API, and webhook factories.

The real SDK clients talk to them over HTTP on 127.0.0.1:

    async with LineEmulator(access_token="t") as line, TelegramEmulator("123:abc") as tg:
        line_config = Configuration(host=line.url, access_token="t")
        bot = Bot("123:abc", base_url=f"{tg.url}/bot", base_file_url=f"{tg.url}/file/bot")

Each module's docstring lists its API: `line.py`, `telegram.py`, `payloads.py`.
"""

from . import payloads
from ._server import RequestRecord
from ._telegram_parts import (
    CallbackAnswer,
    TelegramEdit,
    TelegramFile,
    TelegramMessage,
    TelegramWebhook,
)
from .line import LineEmulator, LineMessage
from .payloads import *  # noqa: F403 - the factories, listed once in payloads.__all__
from .telegram import TelegramEmulator

__all__ = [  # the payload factories join the emulators' own names
    "CallbackAnswer",
    "LineEmulator",
    "LineMessage",
    "RequestRecord",
    "TelegramEdit",
    "TelegramEmulator",
    "TelegramFile",
    "TelegramMessage",
    "TelegramWebhook",
    *payloads.__all__,
]
