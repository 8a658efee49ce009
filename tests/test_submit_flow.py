"""The staff's whole experience of asking to publish something, on both platforms."""

import asyncio
import hashlib
import json

import pytest

from models.enums import Status
from models.request import Attachment, Request
from tests.console import run_webpub, settings_env

# The smallest PDF a reader opens without repairing it: objects, a cross-reference table, startxref.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n96\n%%EOF\n"
)


async def submit_everything(
    staff,
    *,
    urgent: bool = False,
    file: tuple[str, bytes, str] = ("ประกาศรับสมัคร.pdf", PDF, "application/pdf"),
) -> None:
    """Answer every question of /new, a file (a PDF by default) included, and submit."""
    await staff.says("/new")
    await staff.taps("ประชาสัมพันธ์")
    await staff.says("ประกาศรับสมัครพนักงานจ้าง")
    await staff.says("รับสมัครพนักงานจ้างตามภารกิจ 3 อัตรา")
    await staff.sends_file(*file)
    await staff.taps("เสร็จ")
    await staff.taps("กองคลัง")
    await staff.picks_date("2026-11-01")
    await staff.picks_date("2026-11-30")
    await staff.taps("วันนี้")
    await staff.taps("30 วัน")
    if urgent:
        await staff.taps("ด่วน")
        await staff.says("ต้องประกาศก่อนสิ้นเดือน")
    else:
        await staff.taps("ปกติ")
    await staff.says("ติดต่อ 042-611-000")
    await staff.taps("รับรอง")
    await staff.taps("ส่งคำขอ")


@pytest.mark.parametrize("platform", ["line", "telegram"])
async def test_submit_with_every_field_reaches_pending(world, platform, tmp_path):
    staff = await world.enrol("สมศรี", on=platform)
    await submit_everything(staff)
    assert "WP-25" in staff.last_text
    req = await Request.get(owner_id=staff.person_id)
    assert req.status == Status.PENDING
    assert req.title == "ประกาศรับสมัครพนักงานจ้าง"
    assert req.summary.startswith("รับสมัคร")
    assert req.source == "กองคลัง"
    assert req.data_from.isoformat() == "2026-11-01" and req.data_until.isoformat() == "2026-11-30"
    assert req.remarks == "ติดต่อ 042-611-000" and req.certified
    assert (req.end_date - req.publish_date).days == 30
    files = await Attachment.filter(request_id=req.id)
    assert [(f.original_name, f.extension, f.mime_type, f.size) for f in files] == [
        ("ประกาศรับสมัคร.pdf", "pdf", "application/pdf", len(PDF))
    ]

    # What an operator sees: `webpub requests show WP-… --json` on the same database.
    env = settings_env(
        WEBPUB_DATABASE_URL=world.settings.database_url,
        WEBPUB_ORG_FILE=str(world.settings.org_file),
    )
    shown = await asyncio.to_thread(
        run_webpub, tmp_path, env, "requests", "show", req.ref, "--json"
    )
    detail = json.loads(shown.stdout)
    assert detail["status"] == "pending" and detail["ref"] == req.ref
    assert detail["category"] == "public-relations" and detail["title"] == "ประกาศรับสมัครพนักงานจ้าง"
    assert detail["summary"] == "รับสมัครพนักงานจ้างตามภารกิจ 3 อัตรา" and detail["source"] == "กองคลัง"
    assert (detail["data_from"], detail["data_until"]) == ("2026-11-01", "2026-11-30")
    assert detail["publish_date"] == req.publish_date.isoformat()
    assert detail["end_date"] == req.end_date.isoformat()
    assert detail["remarks"] == "ติดต่อ 042-611-000" and detail["certified"] is True
    assert (
        detail["urgent"] is False and detail["owner"] == "สมศรี" and detail["owner_unit"] == "กองคลัง"
    )
    assert detail["files"] == [
        {
            "name": "ประกาศรับสมัคร.pdf",
            "extension": "pdf",
            "mime_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
        }
    ]


async def test_photos_count_as_files_on_both_platforms(world):
    import io as _io

    from PIL import Image

    from tests.emulators import line_image_event, telegram_photo_update

    buffer = _io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    for platform in ("line", "telegram"):
        staff = await world.enrol(f"ช่างภาพ {platform}", on=platform)
        await staff.says("/new")
        await staff.taps("ประชาสัมพันธ์")
        await staff.says("ภาพกิจกรรมวันเด็ก")
        await staff.taps("ข้าม")
        if platform == "line":
            world.line.add_content("77001", jpeg, content_type="image/jpeg")
            await world.post_line(line_image_event(staff.user, "77001", line=world.line))
        else:
            world.tg.add_file("AgACphoto1", jpeg, file_size=len(jpeg))
            await world.post_telegram(
                telegram_photo_update(
                    int(staff.user), "AgACphoto1", ((32, 24), (64, 48, len(jpeg))), tg=world.tg
                )
            )
        await world.settle()
        req = await Request.filter(owner_id=staff.person_id).order_by("-id").first()
        (photo,) = await Attachment.filter(request_id=req.id)
        assert (photo.extension, photo.mime_type, photo.size) == ("jpg", "image/jpeg", len(jpeg))
        assert photo.sha256 == hashlib.sha256(jpeg).hexdigest()
