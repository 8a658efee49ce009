"""One-time codes: invitations that enrol a person, and link codes that join a second platform."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models.audit import append_event
from models.enums import Role
from models.people import Identity, InviteCode, Person, RoleAssignment

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 8
INVITE_TTL = timedelta(days=14)
LINK_TTL = timedelta(minutes=15)


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


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
) -> str:
    """A one-time enrolment code for a named person in a role; only its hash is stored."""
    code = _new_code()
    async with in_transaction():
        await InviteCode.create(
            org_id=org_id,
            kind="invite",
            code_hash=hash_code(code),
            role=role,
            name=name,
            unit=unit,
            position=position,
            expires_at=datetime.now(UTC) + ttl,
        )
        await append_event(org_id, "invite.created", data={"role": role.value, "name": name})
    return code


async def create_link_code(org_id: int, person_id: int) -> str:
    code = _new_code()
    await InviteCode.create(
        org_id=org_id,
        kind="link",
        code_hash=hash_code(code),
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
) -> tuple[Person, str]:
    """Spend a code for a platform account; returns the person and the code's kind."""
    now = datetime.now(UTC)
    async with in_transaction():
        invite = await InviteCode.get_or_none(code_hash=hash_code(code), org_id=org_id)
        if invite is None or invite.used_at is not None or invite.expires_at < now:
            raise CodeRefused()
        # Spend it first, conditionally: two accounts racing for one code, one wins.
        spent = await InviteCode.filter(id=invite.id, used_at__isnull=True).update(used_at=now)
        if not spent:
            raise CodeRefused()
        existing = await Identity.get_or_none(channel=channel, platform_user_id=platform_user_id)
        if invite.kind == "link":
            person = await Person.get(id=invite.person_id)
            if existing is not None and existing.person_id != person.id:
                raise CodeRefused()
        elif existing is not None:
            person = await Person.get(id=existing.person_id)
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
