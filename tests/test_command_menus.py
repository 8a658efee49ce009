"""Telegram's command menus: per person (BotCommandScopeChat), for their roles, in their
language, matching what /help shows them; set at enrolment, on role changes and at start."""

import asyncio

import pytest

from bot.keys import CHANNELS
from bot.menus import set_person_menus
from models.enums import Role
from models.people import RoleAssignment
from tests.emulators import telegram_command_update

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EVERYONE = ["new", "status", "cancel", "link", "language", "help"]


def chat_menu(world, actor) -> list[dict[str, str]]:
    """The menu Telegram shows in this person's private chat (any language)."""
    return world.tg.get_commands("", {"type": "chat", "chat_id": int(actor.user)})


def menu_commands(world, actor) -> list[str]:
    return [c["command"] for c in chat_menu(world, actor)]


def help_lines(text: str) -> dict[str, str]:
    """/help's lines by command: {"new": "/new or ขอเผยแพร่ข้อมูล: ...", ...}."""
    return {
        line[1:].split(" ", 1)[0].split(":", 1)[0]: line
        for line in text.splitlines()
        if line.startswith("/")
    }


async def wait_for(check, what: str) -> None:
    """Until check() holds (a background task is at work), or fail after a few seconds."""
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


@SQLITE_ONLY
async def test_menus_per_role_in_thai_and_english_match_help(world):
    staff = await world.enrol("ประภา", on="telegram")
    webmaster = await world.enrol("Wirat", Role.WEBMASTER, on="telegram", language="en")
    await wait_for(lambda: chat_menu(world, staff) and chat_menu(world, webmaster), "menus")

    assert chat_menu(world, staff) == [
        {"command": "new", "description": "ยื่นคำขอเผยแพร่ข้อมูลบนเว็บไซต์"},
        {"command": "status", "description": "ดูคำขอของท่านและสถานะล่าสุด"},
        {"command": "cancel", "description": "ยกเลิกรายการที่กำลังทำอยู่"},
        {"command": "link", "description": "เชื่อมบัญชี LINE และ Telegram ของท่านเข้าด้วยกัน"},
        {"command": "language", "description": "เลือกภาษาไทยหรือภาษาอังกฤษ"},
        {"command": "help", "description": "แสดงวิธีใช้งานนี้"},
    ]
    assert menu_commands(world, webmaster) == [
        *EVERYONE,
        "tasks",
        "verbal",
        "webmastergroup",
        "report",
    ]
    assert chat_menu(world, webmaster)[6] == {
        "command": "tasks",
        "description": "publishing tasks to claim and your claimed ones (webmasters)",
    }
    # Each person's menu is what /help shows them, in the same words.
    for actor in (staff, webmaster):
        [shown] = await actor.says("/help")
        lines = help_lines(shown)
        assert list(lines) == menu_commands(world, actor)
        for entry in chat_menu(world, actor):
            assert lines[entry["command"]].endswith(": " + entry["description"])


@SQLITE_ONLY
async def test_menus_follow_a_role_change_and_are_set_for_everyone_at_start(world):
    approver = await world.enrol("Palad", Role.APPROVER, on="telegram", language="en")
    line_only = await world.enrol("สมศรี", on="line")
    await wait_for(lambda: chat_menu(world, approver), "the approver's menu")
    assert menu_commands(world, approver) == [*EVERYONE, "reassign", "delegate"]

    await RoleAssignment.create(person_id=approver.person_id, role=Role.WEBMASTER)
    channels = world.client.server.app[CHANNELS]
    assert (
        await set_person_menus(world.rt, channels, [approver.person_id, line_only.person_id]) == 1
    )
    assert menu_commands(world, approver) == [
        *EVERYONE, "tasks", "verbal", "reassign", "delegate", "webmastergroup", "report"
    ]  # fmt: skip

    world.tg._commands.clear()  # as if Telegram had forgotten them all
    await world.restart()
    await wait_for(lambda: chat_menu(world, approver), "the approver's menu set at start")
    assert menu_commands(world, approver)[-1] == "report"
    everyone_th = world.tg.get_commands("")
    everyone_en = world.tg.get_commands("en")
    assert [c["command"] for c in everyone_th] == EVERYONE == [c["command"] for c in everyone_en]
    assert everyone_th[0]["description"] == "ยื่นคำขอเผยแพร่ข้อมูลบนเว็บไซต์"
    assert everyone_en[0]["description"] == "ask to publish information on the website"


@SQLITE_ONLY
async def test_menu_set_at_enrolment_in_polling_mode(world):
    from bot.server import poll_telegram
    from models.enrol import create_invite

    code = await create_invite(
        world.rt.org_id, Role.WEBMASTER, "Dusit", key=world.rt.secret_key
    )
    world.tg.queue_update(
        telegram_command_update(6161, "/start", code, tg=world.tg, language_code="en")
    )
    poller = asyncio.create_task(poll_telegram(world.client.server.app))
    try:
        menu = lambda: world.tg.get_commands("", {"type": "chat", "chat_id": 6161})  # noqa: E731
        await wait_for(menu, "the new webmaster's menu")
    finally:
        poller.cancel()
    assert [c["command"] for c in menu()] == [
        *EVERYONE,
        "tasks",
        "verbal",
        "webmastergroup",
        "report",
    ]
    assert menu()[0]["description"] == "ask to publish information on the website"
