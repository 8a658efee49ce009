"""`/language` (ภาษา): each person chooses Thai or English, kept with them on every platform.

/language ──► [ไทย] [English] ──tap──► kept; every message after it is in that language
/language en | /language ไทย ──► kept at once
"""

from __future__ import annotations

from core.errors import Refusal
from core.events import Outgoing
from handlers.base import Context
from handlers.common import personal_button
from handlers.guards import own_button
from handlers.routing import Router
from locales import LOCALES, _, using_locale
from models.messaging import ButtonToken
from models.people import Person

router = Router("language")

# The words that name each language, in either language.
NAMES = {
    "th": {"th", "thai", "ไทย", "ภาษาไทย"},
    "en": {"en", "eng", "english", "อังกฤษ", "ภาษาอังกฤษ"},
}
LABELS = {"th": "ไทย", "en": "English"}


@router.command("language", "ภาษา", "lang")
async def choose(ctx: Context, rest: str) -> None:
    """Keep the language named, or offer both."""
    assert ctx.person is not None
    wanted = rest.strip().casefold()
    if wanted:
        locale = next((code for code, words in NAMES.items() if wanted in words), None)
        if locale is None:
            raise Refusal(_("Please choose ไทย or English, e.g. /language en."))
        await _keep(ctx, locale)
        return
    buttons = tuple(
        [
            await personal_button(ctx, LABELS[code], "language", None, data={"locale": code})
            for code in LOCALES
        ]
    )
    ctx.reply(Outgoing(text=_("Which language should I use with you?"), buttons=buttons))


@router.button("language")
async def tapped(ctx: Context, token: ButtonToken) -> None:
    own_button(ctx, token)
    await _keep(ctx, token.data.get("locale", ""))


async def _keep(ctx: Context, locale: str) -> None:
    assert ctx.person is not None
    if locale not in LOCALES:
        raise Refusal(_("Please choose ไทย or English, e.g. /language en."))
    await Person.filter(id=ctx.person.id).update(locale=locale)
    ctx.person.locale = locale
    ctx.menus.add(ctx.person.id)  # their Telegram menu in the new language
    ctx.locale = locale
    with using_locale(locale):
        ctx.reply(_("From now on I will write to you in English."))
