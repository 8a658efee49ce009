"""Spending a one-time code: throttled per platform account, the admins told of guessing,
both accounts told of a link."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from core.errors import Refusal
from core.events import Outgoing
from core.runtime import Runtime
from locales import _, using_locale
from models import enrol as codes
from models.directory import people_with_role
from models.enums import Role
from models.people import Identity, Person
from notices.outbox import enqueue_to_identity, locale_of, notify

PLATFORM_NAMES = {"line": "LINE", "telegram": "Telegram", "sandbox": "sandbox"}


@dataclass(frozen=True)
class Account:
    """The platform account that sent a code."""

    channel: str
    user: str
    chat: str
    display_name: str = ""
    language: str | None = None


async def spend_code(rt: Runtime, account: Account, code: str, now: datetime) -> tuple[Person, str]:
    """The person a code enrols or links, and its kind; a Refusal when wrong or throttled."""
    throttle = await codes.throttle_of(account.channel, account.user, now)
    if throttle.blocked:
        raise Refusal(_try_later(throttle))
    try:
        person, kind = await codes.redeem(
            rt.org_id,
            code,
            account.channel,
            account.user,
            account.chat,
            display_name=account.display_name,
            language_code=account.language,
            key=rt.secret_key,
        )
    except codes.CodeRefused:
        throttle = await codes.record_wrong_code(rt.org_id, account.channel, account.user, now)
        if throttle.alert:
            await _tell_admins(rt, account, throttle)
        if throttle.blocked:
            raise Refusal(_try_later(throttle)) from None
        raise Refusal(
            _(
                "That code is not valid: it may be mistyped, used already or expired. Please ask the administrator for a new one."
            )
        ) from None
    await codes.forget_wrong_codes(account.channel, account.user)
    if kind == "link":
        await _tell_other_accounts(rt, person, account)
    return person, kind


def _try_later(throttle: codes.Throttle) -> str:
    minutes = max(1, math.ceil(throttle.retry_after.total_seconds() / 60))
    return _(
        "Too many wrong codes. Please try again in {minutes} minutes, or ask the administrator."
    ).format(minutes=minutes)


async def _tell_admins(rt: Runtime, account: Account, throttle: codes.Throttle) -> None:
    """Every admin hears, once, that an account keeps sending wrong codes."""
    minutes = int(codes.THROTTLE_WINDOW.total_seconds() // 60)
    for admin in await people_with_role(rt.org_id, Role.ADMIN):

        def build(_locale: str) -> Outgoing:
            return Outgoing(
                text=_(
                    "Someone on {platform} ({name}) has sent {count} wrong enrolment codes within "
                    "{minutes} minutes. Further tries from that account wait {minutes} minutes."
                ).format(
                    platform=PLATFORM_NAMES.get(account.channel, account.channel),
                    name=account.display_name or account.user,
                    count=throttle.failures,
                    minutes=minutes,
                )
            )

        await notify(admin, build, default_locale=rt.default_locale, kind="code.throttled")


async def _tell_other_accounts(rt: Runtime, person: Person, account: Account) -> None:
    """The accounts the person had before hear that another one now acts as them."""
    others = await Identity.filter(person_id=person.id).exclude(
        channel=account.channel, platform_user_id=account.user
    )
    with using_locale(await locale_of(person, rt.default_locale)):
        text = _(
            "Your {platform} account is now linked to this one and acts as you. If that was not "
            "you, tell the administrator at once."
        ).format(platform=PLATFORM_NAMES.get(account.channel, account.channel))
        for identity in others:
            await enqueue_to_identity(identity, Outgoing(text=text), kind="link.other")
