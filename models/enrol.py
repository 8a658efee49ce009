"""One-time codes: invitations that enrol a person, and link codes that join a second platform."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.audit import append_event
from models.db import atomic
from models.enums import Role
from models.people import CodeThrottle, Identity, InviteCode, Person, RoleAssignment

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 8
INVITE_TTL = timedelta(days=14)
LINK_TTL = timedelta(minutes=10)
WRONG_CODES_MAX = 5  # wrong codes one platform account may send per window, then a pause
THROTTLE_WINDOW = timedelta(minutes=15)
ALERT_AGAIN_AFTER = timedelta(days=1)  # the admins hear of one account's guessing once a day


def hash_code(code: str, key: bytes) -> str:
    """The stored form of a code: an HMAC with the server key, so a copied table guesses nothing."""
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    cleaned = normalize_code(text)
    return len(cleaned) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in cleaned)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def create_invite(
    org_id: int,
    role: Role,
    name: str,
    unit: str = "",
    position: str = "",
    ttl: timedelta = INVITE_TTL,
    *,
    key: bytes,
) -> str:
    """A one-time enrolment code for a named person in a role; only its hash is stored."""
    code = _new_code()
    async with atomic():
        await InviteCode.create(
            org_id=org_id,
            kind="invite",
            code_hash=hash_code(code, key),
            role=role,
            name=name,
            unit=unit,
            position=position,
            expires_at=datetime.now(UTC) + ttl,
        )
        await append_event(org_id, "invite.created", data={"role": role.value, "name": name})
    return code


async def create_link_code(org_id: int, person_id: int, *, key: bytes) -> str:
    """A one-time code that joins another platform account to this person, for 10 minutes."""
    code = _new_code()
    await InviteCode.create(
        org_id=org_id,
        kind="link",
        code_hash=hash_code(code, key),
        person_id=person_id,
        expires_at=datetime.now(UTC) + LINK_TTL,
    )
    return code


class CodeRefused(Exception):
    """The code is unknown, spent or expired."""


async def redeem(
    org_id: int,
    code: str,
    channel: str,
    platform_user_id: str,
    chat_id: str,
    display_name: str = "",
    language_code: str | None = None,
    *,
    key: bytes,
) -> tuple[Person, str]:
    """Spend a code for a platform account; returns the person and the code's kind."""
    now = datetime.now(UTC)
    async with atomic():
        invite = await InviteCode.get_or_none(code_hash=hash_code(code, key), org_id=org_id)
        if invite is None or invite.used_at is not None or invite.expires_at < now:
            raise CodeRefused()
        # Spend it first, conditionally: two accounts racing for one code, one wins.
        spent = await InviteCode.filter(id=invite.id, used_at__isnull=True).update(used_at=now)
        if not spent:
            raise CodeRefused()
        existing = await Identity.get_or_none(channel=channel, platform_user_id=platform_user_id)
        if invite.kind == "link":
            person = await Person.get(id=invite.person_id, org_id=org_id)
            if existing is not None and existing.person_id != person.id:
                raise CodeRefused()
        elif existing is not None:
            person = await Person.get_or_none(id=existing.person_id, org_id=org_id)
            if person is None:
                raise CodeRefused()  # an account of another organization stays there
        else:
            person = await Person.create(
                org_id=org_id,
                name=invite.name or display_name,
                unit=invite.unit,
                position=invite.position,
            )
        if invite.role is not None and invite.role != Role.STAFF:
            await RoleAssignment.get_or_create(person_id=person.id, role=invite.role)
        if existing is None:
            await Identity.create(
                person_id=person.id,
                channel=channel,
                platform_user_id=platform_user_id,
                chat_id=chat_id,
                display_name=display_name,
                language_code=language_code,
            )
        await InviteCode.filter(id=invite.id).update(used_by_id=person.id)
        await append_event(
            org_id,
            f"{invite.kind}.redeemed",
            actor_id=person.id,
            data={"channel": channel, "role": invite.role.value if invite.role else None},
        )
    return person, invite.kind


@dataclass(frozen=True)
class Throttle:
    """Where one platform account stands with wrong codes."""

    blocked: bool  # too many wrong codes lately: not even a right one is checked now
    retry_after: timedelta = timedelta(0)
    failures: int = 0
    alert: bool = False  # the admins should hear of it now (once)


async def throttle_of(channel: str, platform_user_id: str, now: datetime) -> Throttle:
    """Whether an account may try a code now."""
    row = await CodeThrottle.get_or_none(channel=channel, platform_user_id=platform_user_id)
    if row is None or now - row.window_started_at >= THROTTLE_WINDOW:
        return Throttle(blocked=False)
    if row.failures < WRONG_CODES_MAX:
        return Throttle(blocked=False, failures=row.failures)
    return Throttle(True, row.window_started_at + THROTTLE_WINDOW - now, row.failures)


async def record_wrong_code(
    org_id: int, channel: str, platform_user_id: str, now: datetime
) -> Throttle:
    """Count a wrong code; the one that reaches the limit blocks the account and may alert."""
    async with atomic():
        row = await CodeThrottle.select_for_update().get_or_none(
            channel=channel, platform_user_id=platform_user_id
        )
        if row is None:
            row = await CodeThrottle.create(
                org_id=org_id,
                channel=channel,
                platform_user_id=platform_user_id,
                failures=0,
                window_started_at=now,
            )
        if now - row.window_started_at >= THROTTLE_WINDOW:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        blocked = row.failures >= WRONG_CODES_MAX
        alert = blocked and (row.alerted_at is None or now - row.alerted_at >= ALERT_AGAIN_AFTER)
        if alert:
            row.alerted_at = now
        await row.save()
        if alert:
            await append_event(
                org_id,
                "code.throttled",
                at=now,
                data={"channel": channel, "failures": row.failures},
            )
    retry = row.window_started_at + THROTTLE_WINDOW - now
    return Throttle(blocked, retry if blocked else timedelta(0), row.failures, alert)


async def forget_wrong_codes(channel: str, platform_user_id: str) -> None:
    """A right code clears the count."""
    await CodeThrottle.filter(channel=channel, platform_user_id=platform_user_id).delete()
