"""The platform commands: rich menu, Telegram webhook, LINE quota, through the real SDKs."""

import asyncio
import io
import json
from pathlib import Path

from PIL import Image

from bot.richmenu import AREAS, HEIGHT, WIDTH, draw_image
from tests.console import run_webpub, settings_env
from tests.emulators import LineEmulator, TelegramEmulator, line_postback_event
from tests.harness import LINE_SECRET, LINE_TOKEN, ROOT, TG_SECRET, TG_TOKEN


def test_richmenu_image_is_a_full_width_png_under_lines_limit():
    data = draw_image()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert len(data) < 1024 * 1024  # LINE: rich menu images are at most 1 MB


async def webpub(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the real console script (in a folder with no .env) and collect what it prints."""
    settings = settings_env(WEBPUB_ORG_FILE=str(ROOT / "org.example.toml"), **env)
    done = await asyncio.to_thread(run_webpub, tmp_path, settings, *args)
    return done.returncode, done.stdout, done.stderr


def line_env(line: LineEmulator) -> dict[str, str]:
    return {
        "WEBPUB_LINE_CHANNEL_SECRET": LINE_SECRET,
        "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "WEBPUB_LINE_API_URL": line.url,
        "WEBPUB_LINE_DATA_API_URL": line.url,
    }


async def test_richmenu_command_installs_the_menu_as_default(tmp_path):
    async with LineEmulator(access_token=LINE_TOKEN) as line:
        args = ("line", "richmenu", "--image-out", str(tmp_path / "m.png"))
        code, _out, err = await webpub(tmp_path, line_env(line), *args)
        assert code == 0, err
        ((menu_id, menu),) = line.rich_menus.items()
        assert line.default_rich_menu == menu_id
        assert [a["action"]["data"] for a in menu["areas"]] == [data for data, *_ in AREAS]
        assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


async def test_richmenu_new_request_tap_starts_the_submission(world):
    staff = await world.enrol("วิภา", on="line")
    await world.post_line(line_postback_event(staff.user, "menu:new", line=world.line))
    await world.settle()
    assert "หมวด" in staff.last_text or "Which category" in staff.last_text


async def test_line_quota_command_shows_use_and_warns_when_low(tmp_path):
    async with LineEmulator(access_token=LINE_TOKEN, monthly_quota=300) as line:
        line.quota_used = 250
        code, out, _err = await webpub(tmp_path, line_env(line), "line", "quota")
        assert code == 0 and "250 of 300" in out and "running low" in out
        code, out, _err = await webpub(tmp_path, line_env(line), "line", "quota", "--json")
        assert json.loads(out) == {"type": "limited", "limit": 300, "used": 250, "left": 50}
    code, _out, err = await webpub(tmp_path, {}, "line", "quota")
    assert code == 2 and "WEBPUB_LINE_CHANNEL_SECRET" in err


async def test_telegram_set_webhook_sends_the_secret_and_the_command_menu(tmp_path):
    async with TelegramEmulator(token=TG_TOKEN) as tg:
        env = {
            "WEBPUB_TELEGRAM_TOKEN": TG_TOKEN,
            "WEBPUB_TELEGRAM_SECRET_TOKEN": TG_SECRET,
            "WEBPUB_TELEGRAM_API_URL": f"{tg.url}/bot",
            "WEBPUB_TELEGRAM_FILE_URL": f"{tg.url}/file/bot",
        }
        code, _out, err = await webpub(tmp_path, env, "db", "upgrade")
        assert code == 0, err
        code, _out, err = await webpub(
            tmp_path,
            env,
            "telegram",
            "set-webhook",
            "https://webpub.example.go.th/webhooks/telegram",
        )
        assert code == 0, err
        assert tg.webhook.url == "https://webpub.example.go.th/webhooks/telegram"
        assert tg.webhook.secret_token == TG_SECRET
        assert {c["command"] for c in tg.get_commands()} >= {
            "new",
            "status",
            "cancel",
            "help",
            "link",
        }
        assert tg.get_commands()[0]["description"] == "ยื่นคำขอเผยแพร่ข้อมูลบนเว็บไซต์"
        assert tg.get_commands("en")[0]["description"] == (
            "ask to publish information on the website"
        )


async def test_admins_are_warned_once_a_month_when_line_pushes_run_low(world):
    from datetime import UTC, datetime

    from bot.keys import CHANNELS
    from models.enums import Role
    from scheduler.quota import warn_low_quota

    admin = await world.enrol("ผู้ดูแลระบบ", Role.ADMIN, on="telegram")
    line = world.client.server.app[CHANNELS]["line"]
    world.line.monthly_quota, world.line.quota_used = 300, 100
    assert await warn_low_quota(world.rt, line.quota, datetime(2026, 11, 26, tzinfo=UTC)) == 0
    world.line.quota_used = 250
    assert await warn_low_quota(world.rt, line.quota, datetime(2026, 11, 26, tzinfo=UTC)) == 1
    assert await warn_low_quota(world.rt, line.quota, datetime(2026, 11, 27, tzinfo=UTC)) == 0
    await world.settle()
    assert "250" in admin.last_text and "300" in admin.last_text
