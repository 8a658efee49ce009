"""Signs of life on LINE: the loading animation while a file is fetched and on slow steps."""

import pytest

from bot.keys import INBOX
from tests.emulators import line_group_text_event
from tests.test_submit_flow import PDF

LINE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@LINE_ONLY
async def test_line_file_shows_the_loading_animation_before_the_answer(world):
    staff = await world.enrol("ประภา", on="line")
    await staff.says("/new")
    await staff.taps("ประชาสัมพันธ์")
    await staff.says("ประกาศผลการสอบ")
    await staff.taps("ข้าม")
    world.line.loading.clear()

    said = await staff.sends_file("ประกาศ.pdf", PDF)

    assert world.line.loading == [(staff.user, 20)]
    assert any("ประกาศ.pdf" in t for t in said)


@LINE_ONLY
async def test_line_slow_step_shows_the_animation_and_the_answer_follows(world):
    staff = await world.enrol("ประภา", on="line")
    world.client.server.app[INBOX].slow_step = 0.0  # every step counts as slow now
    world.line.loading.clear()
    said = await staff.says("/help")
    assert world.line.loading == [(staff.user, 10)]
    assert any("/new" in t for t in said)


@LINE_ONLY
async def test_line_no_animation_in_groups(world):
    staff = await world.enrol("ประภา", on="line")
    world.client.server.app[INBOX].slow_step = 0.0
    world.line.loading.clear()
    group = "C" + "1" * 32
    await world.post_line(line_group_text_event(group, staff.user, "/help", line=world.line))
    await world.settle()
    assert world.line.loading == []  # LINE shows it in one-to-one chats only
