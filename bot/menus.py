"""Telegram's command menus: each person's chat shows the commands /help lists for their roles.

Everyone's menu (the default scope, one per language) holds the commands every staff member
has; each enrolled person's private chat gets a menu of its own (BotCommandScopeChat) in the
person's language. Set for everyone when the server starts and by `webpub telegram
set-webhook`; for one person when they enrol or link an account. Whatever changes a person's
roles or language calls `set_person_menus` (or, in a handler, adds the id to `ctx.menus`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from bot.channels import Channel, CommandMenus
from core.runtime import Runtime
from handlers.enrol import command_menu
from locales import LOCALES, pick_locale, using_locale
from models.directory import roles_of
from models.enums import Channel as Platform
from models.enums import Role
from models.people import Identity

log = logging.getLogger(__name__)

Menu = list[tuple[str, str]]  # (command, description)


def everyone_menus(default_locale: str) -> list[tuple[str | None, Menu]]:
    """(language code or None for the fallback, menu) of the default scope."""
    out: list[tuple[str | None, Menu]] = []
    for locale in (default_locale, *(x for x in LOCALES if x != default_locale)):
        with using_locale(locale):
            out.append((None if locale == default_locale else locale, command_menu({Role.STAFF})))
    return out


async def person_menus(
    rt: Runtime, person_ids: Iterable[int] | None = None
) -> list[tuple[str, Menu]]:
    """(Telegram chat id, menu) for each enrolled person's Telegram account, in their language."""
    query = Identity.filter(
        channel=Platform.TELEGRAM, person__org_id=rt.org_id, person__active=True
    ).prefetch_related("person")
    if person_ids is not None:
        query = query.filter(person_id__in=list(person_ids))
    menus = []
    for identity in await query.order_by("id"):
        locale = pick_locale(identity.person.locale, identity.language_code, rt.default_locale)
        roles = await roles_of(identity.person_id)
        with using_locale(locale):
            menus.append((identity.chat_id, command_menu(roles)))
    return menus


async def set_everyone_menus(rt: Runtime, channels: Mapping[str, Channel]) -> int:
    """The default menus and every enrolled person's own; the number of menus set."""
    telegram = channels.get("telegram")
    if not isinstance(telegram, CommandMenus):
        return 0
    for language, menu in everyone_menus(rt.default_locale):
        await telegram.set_menu(menu, language=language)
    return len(LOCALES) + await set_person_menus(rt, channels, None)


async def set_person_menus(
    rt: Runtime, channels: Mapping[str, Channel], person_ids: Iterable[int] | None
) -> int:
    """These people's own menus (everyone's when None); a failed one is logged, not raised."""
    telegram = channels.get("telegram")
    if not isinstance(telegram, CommandMenus):
        return 0
    done = 0
    for chat_id, menu in await person_menus(rt, person_ids):
        try:
            await telegram.set_menu(menu, chat_id=chat_id)
            done += 1
        except Exception as exc:  # a blocked bot or a network fault costs this menu only
            log.warning("Telegram menu for chat %s not set: %s", chat_id, exc)
    return done
