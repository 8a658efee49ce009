"""The demo office the sandbox starts with, and "Reset demo" that starts it over."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError, OperationalError

from core.runtime import Runtime
from intake.files import store_file
from models.enums import Channel, Role
from models.people import Identity, Person, RoleAssignment
from models.request import Attachment, Category, Request
from procedure import submit, transition


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    unit: str
    position: str
    roles: tuple[Role, ...]
    channel: Channel
    user_id: str


# LINE user ids are "U" and 32 hex digits; Telegram user ids are numbers.
PEOPLE = (
    DemoPerson(
        "staff",
        "สมศรี ใจดี",
        "กองคลัง",
        "นักวิชาการเงินและบัญชี",
        (Role.STAFF,),
        Channel.LINE,
        "U" + "5a" * 16,
    ),
    DemoPerson(
        "approver",
        "ประเสริฐ รักษ์เมือง",
        "สำนักปลัด",
        "ปลัดเทศบาล",
        (Role.STAFF, Role.APPROVER),
        Channel.TELEGRAM,
        "7000100",
    ),
    DemoPerson(
        "webmaster-line",
        "วิไล เว็บดี",
        "สำนักปลัด",
        "นักประชาสัมพันธ์",
        (Role.STAFF, Role.WEBMASTER),
        Channel.LINE,
        "U" + "7b" * 16,
    ),
    DemoPerson(
        "webmaster-telegram",
        "ธนา ดูแลเว็บ",
        "กองยุทธศาสตร์",
        "นักวิชาการคอมพิวเตอร์",
        (Role.STAFF, Role.WEBMASTER),
        Channel.TELEGRAM,
        "7000200",
    ),
    DemoPerson(
        "checker",
        "กมล ตรวจทาน",
        "กองยุทธศาสตร์",
        "หัวหน้าฝ่ายแผนและงบประมาณ",
        (Role.STAFF, Role.CHECKER),
        Channel.TELEGRAM,
        "7000300",
    ),
    DemoPerson(
        "admin",
        "อดิศร ผู้ดูแล",
        "สำนักปลัด",
        "เจ้าพนักงานธุรการ",
        (Role.STAFF, Role.ADMIN),
        Channel.LINE,
        "U" + "9c" * 16,
    ),
)


def demo_pdf(title: str) -> bytes:
    """A small, genuine one-page PDF (no scripts) to attach to the demo requests."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def is_seeded(rt: Runtime) -> bool:
    return await Person.filter(org_id=rt.org_id).exists()


async def seed(rt: Runtime, now: datetime | None = None) -> dict[str, Person]:
    """The demo office: six people on both platforms and requests in several states."""
    now = now or datetime.now(UTC)
    people: dict[str, Person] = {}
    for spec in PEOPLE:
        person = await Person.create(
            org_id=rt.org_id, name=spec.name, unit=spec.unit, position=spec.position
        )
        for role in spec.roles:
            await RoleAssignment.create(person_id=person.id, role=role)
        await Identity.create(
            person_id=person.id,
            channel=spec.channel,
            platform_user_id=spec.user_id,
            chat_id=spec.user_id,
            display_name=spec.name,
        )
        people[spec.key] = person
    today = now.astimezone(rt.tz).date()
    staff, approver, webmaster = people["staff"], people["approver"], people["webmaster-line"]
    old = await _request(
        rt,
        staff,
        "ประกาศรับสมัครพนักงานจ้าง",
        "public-relations",
        today - timedelta(days=40),
        today - timedelta(days=1),
    )
    await submit(rt, old.id, staff.id, now=now)
    await transition(rt, old.id, "approve", approver.id, now=now)
    await transition(rt, old.id, "publish", webmaster.id, now=now, url=f"{_site(rt)}/news/recruit")
    await transition(rt, old.id, "expire", None, now=now)
    live = await _request(
        rt,
        staff,
        "ผลการจัดซื้อจัดจ้าง ไตรมาส 4",
        "public-relations",
        today - timedelta(days=20),
        today + timedelta(days=6),
    )
    await submit(rt, live.id, staff.id, now=now)
    await transition(rt, live.id, "approve", approver.id, now=now)
    await transition(
        rt, live.id, "publish", webmaster.id, now=now, url=f"{_site(rt)}/procurement/q4"
    )
    waiting = await _request(
        rt, staff, "คู่มือการขอรับบริการ", "service-manual", today, today + timedelta(days=90)
    )
    await submit(rt, waiting.id, staff.id, now=now)
    return people


async def _request(
    rt: Runtime, owner: Person, title: str, category: str, publish: date, end: date
) -> Request:
    cat = await Category.get_or_none(org_id=rt.org_id, key=category)
    if cat is None:
        cat = await Category.filter(org_id=rt.org_id).order_by("id").first()
    assert cat is not None, "the organization has no categories"
    req = await Request.create(
        org_id=rt.org_id,
        owner_id=owner.id,
        owner_unit=owner.unit,
        category_id=cat.id,
        title=title,
        summary=title,
        source=owner.unit,
        publish_date=publish,
        end_date=end,
        certified=True,
    )
    data = demo_pdf(f"webpub demo {req.id}")
    store_file(data, rt.data_dir)
    await Attachment.create(
        request_id=req.id,
        original_name=f"{title}.pdf",
        extension="pdf",
        mime_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return req


KEPT_TABLES = {"organization", "category"}


async def wipe() -> None:
    """Every row but the organization and its categories; children go before their parents."""
    conn = Tortoise.get_connection("default")
    tables = [
        model._meta.db_table
        for model in Tortoise.apps["models"].values()
        if model._meta.db_table not in KEPT_TABLES
    ]
    for _attempt in range(len(tables) + 1):
        left = []
        for table in tables:
            try:
                await conn.execute_script(f'DELETE FROM "{table}"')
            except (IntegrityError, OperationalError):
                left.append(table)
        if not left:
            return
        tables = left
    raise RuntimeError(f"could not empty {', '.join(tables)}")


def _site(rt: Runtime) -> str:
    """The organization's website, where the demo's published pages are."""
    return rt.org.organization.website.rstrip("/")
