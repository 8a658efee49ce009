"""What the questions of the submission flow share: the question, the step, small checks."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from handlers.base import Context
from locales import _
from models.request import Category, Request

TITLE_MIN, TITLE_MAX = 3, 300
TEXT_MAX = 2000
SOURCE_MAX = 300
REASON_MAX = 500
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

SKIP_WORDS = {"-", "ข้าม", "ไม่มี", "skip", "none", "no"}
YES_WORDS = {"ยืนยัน", "ใช่", "ตกลง", "รับรอง", "yes", "ok", "confirm", "y"}

Choice = tuple[str, str]  # (label, value)


@dataclass(frozen=True)
class Ask:
    """A question: its text, the choices offered as buttons, and whether a date picker helps."""

    text: str
    choices: tuple[Choice, ...] = ()
    date_picker: tuple[str, date | None, date | None] | None = None  # label, min, max
    card: bool = False


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Context, Request], Awaitable[Ask]]
    take_text: Callable[[Context, Request, str], Awaitable[str | None]]
    take_choice: Callable[[Context, Request, str], Awaitable[str | None]]
    applies: Callable[[Request], bool] = lambda req: True


def today(ctx: Context) -> date:
    return ctx.rt.today(ctx.now)


async def category_of(req: Request) -> Category | None:
    return await Category.get_or_none(id=req.category_id) if req.category_id else None


def len_error(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return _(
            "That is too long ({count} characters). Please keep it under {limit} characters."
        ).format(count=len(text), limit=limit)
    return None


async def no_choice(ctx: Context, req: Request, value: str) -> str | None:
    return _("Please type your answer.")
