"""The LINE rich menu (new request / my requests / help), its image drawn in Sarabun."""

from __future__ import annotations

import io

import fontpkg_sarabun
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 2500, 843  # LINE: a compact full-width rich menu image
BACKGROUND = (16, 83, 145)
DIVIDER = (255, 255, 255, 90)
TEXT = (255, 255, 255)

# (postback data, Thai label, English label, icon); the router reads "menu:<command>".
AREAS = (
    ("menu:new", "ขอเผยแพร่ข้อมูล", "New request", "plus"),
    ("menu:status", "คำขอของฉัน", "My requests", "list"),
    ("menu:help", "วิธีใช้", "Help", "?"),
)


def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fontpkg_sarabun.ROOT / "files" / f"Sarabun-{weight}.ttf"), size)


def draw_image() -> bytes:
    """The menu as a PNG: three equal panels with a Thai label over an English one."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image, "RGBA")
    panel = WIDTH // len(AREAS)
    small, icon = _font("Regular", 72), _font("Bold", 200)
    for index, (_data, thai, english, symbol) in enumerate(AREAS):
        centre = index * panel + panel // 2
        if index:
            draw.line([(index * panel, 80), (index * panel, HEIGHT - 80)], fill=DIVIDER, width=6)
        _icon(draw, symbol, centre, 250, icon)
        draw.text(
            (centre, 520), thai, font=_fitting(draw, thai, panel - 120), fill=TEXT, anchor="mm"
        )
        draw.text((centre, 680), english, font=small, fill=TEXT, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fitting(draw: ImageDraw.ImageDraw, text: str, width: int) -> ImageFont.FreeTypeFont:
    """The largest bold Sarabun (up to 120 px) in which the text fits the width."""
    for size in range(120, 40, -4):
        font = _font("Bold", size)
        if draw.textlength(text, font=font) <= width:
            return font
    return _font("Bold", 40)


def _icon(
    draw: ImageDraw.ImageDraw, kind: str, x: int, y: int, font: ImageFont.FreeTypeFont
) -> None:
    """Plain shapes (Sarabun has no pictograms): a plus, three list lines, or a character."""
    if kind == "plus":
        draw.line([(x - 80, y), (x + 80, y)], fill=TEXT, width=28)
        draw.line([(x, y - 80), (x, y + 80)], fill=TEXT, width=28)
    elif kind == "list":
        for dy in (-60, 0, 60):
            draw.line([(x - 80, y + dy), (x + 80, y + dy)], fill=TEXT, width=24)
    else:
        draw.text((x, y), kind, font=font, fill=TEXT, anchor="mm")


def menu_request() -> dict:
    """The rich menu object as the Messaging API takes it."""
    panel = WIDTH // len(AREAS)
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": "webpub",
        "chatBarText": "เมนู / Menu",
        "areas": [
            {
                "bounds": {"x": i * panel, "y": 0, "width": panel, "height": HEIGHT},
                "action": {"type": "postback", "data": data, "displayText": thai, "label": english},
            }
            for i, (data, thai, english, _icon) in enumerate(AREAS)
        ],
    }
