"""The LINE rich menu: drawn in Sarabun, installed through the SDK, and its taps start flows."""

import asyncio
import io
import os
import sys
from pathlib import Path

from PIL import Image

from bot.richmenu import AREAS, HEIGHT, WIDTH, draw_image
from tests.emulators import LineEmulator, line_postback_event
from tests.harness import LINE_SECRET, LINE_TOKEN, ROOT


def test_richmenu_image_is_a_full_width_png_under_lines_limit():
    data = draw_image()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert len(data) < 1024 * 1024  # LINE: rich menu images are at most 1 MB


async def test_richmenu_command_installs_the_menu_as_default(tmp_path):
    async with LineEmulator(access_token=LINE_TOKEN) as line:
        env = {
            "PATH": os.environ["PATH"],
            "WEBPUB_ORG_FILE": str(ROOT / "org.example.toml"),
            "WEBPUB_LINE_CHANNEL_SECRET": LINE_SECRET,
            "WEBPUB_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "WEBPUB_LINE_API_URL": line.url,
            "WEBPUB_LINE_DATA_API_URL": line.url,
        }
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "webpub"),
            "line",
            "richmenu",
            "--image-out",
            str(tmp_path / "m.png"),
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        ((menu_id, menu),) = line.rich_menus.items()
        assert line.default_rich_menu == menu_id
        assert [a["action"]["data"] for a in menu["areas"]] == [data for data, *_ in AREAS]
        assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


async def test_richmenu_new_request_tap_starts_the_submission(world):
    staff = await world.enrol("วิภา", on="line")
    await world.post_line(line_postback_event(staff.user, "menu:new", line=world.line))
    await world.settle()
    assert "หมวด" in staff.last_text or "Which category" in staff.last_text
