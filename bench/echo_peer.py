"""Run the line-bot-sdk aiohttp echo example unchanged, its Messaging API calls sent to an emulator.

The example builds `Configuration(access_token=...)` with LINE's host; here the class's default
host becomes the emulator's URL before the example's file runs as `__main__`. bench/load.py
starts it; by hand:

    LINE_CHANNEL_SECRET=s LINE_CHANNEL_ACCESS_TOKEN=t \\
        .venv/bin/python bench/echo_peer.py path/to/examples/aiohttp-echo/app.py 8000 http://127.0.0.1:PORT
"""

from __future__ import annotations

import runpy
import sys

import linebot.v3.messaging as messaging


def point_at(api_url: str) -> None:
    """Make every Configuration built without a host talk to `api_url`."""
    original = messaging.Configuration.__init__

    def init(self: messaging.Configuration, host: str | None = None, *args, **kwargs) -> None:
        original(self, host or api_url, *args, **kwargs)

    messaging.Configuration.__init__ = init  # type: ignore[method-assign]


if __name__ == "__main__":
    app, port, api_url = sys.argv[1:4]
    point_at(api_url)
    sys.argv = [app, "--port", port]
    runpy.run_path(app, run_name="__main__")
