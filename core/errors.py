"""The one error a person is told about: whatever refuses what they asked raises a Refusal.

The router catches it once and says it politely (on the tapped button's toast and in the
chat); every other exception is a fault of ours and is logged, never shown.
"""

from __future__ import annotations


class Refusal(Exception):
    """Something a person asked that cannot be done; the message is for them, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
