"""The sandbox in a real browser: a request's whole life across a LINE and a Telegram phone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from locales import _, using_locale
from tests.harness import ROOT
from tests.sandbox_kit import sandbox_server

CHROMIUM = Path("/usr/bin/chromium")
BROWSER = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's picture; a run writes it there only when asked, so a test run leaves no change.
README_SCREENSHOT = ROOT / "docs" / "sandbox.png"
UPDATE_SCREENSHOT = os.environ.get("WEBPUB_UPDATE_SCREENSHOT") == "1"
PDF = ROOT / "tests" / "sandbox_sample.pdf"


def thai(message: str) -> str:
    with using_locale("th"):
        return _(message)


playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright for Python is not installed (dev extras)"
)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium at /usr/bin/chromium (make test installs it with apt on Debian/Ubuntu)",
)


async def test_sandbox_request_lifecycle_across_line_and_telegram_phones(tmp_path):
    expect = playwright_api.expect
    async with sandbox_server(tmp_path) as (base, _app), playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=BROWSER,
            args=CHROMIUM_FLAGS,
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        expect.set_options(timeout=15_000)
        await page.goto(f"{base}/sandbox")
        line = page.locator("#phone-line")
        telegram = page.locator("#phone-telegram")
        await expect(page.locator("#requests")).to_contain_text("WP-2569-0003")

        bot_said = line.locator(".msg.bot")

        async def answered(step) -> None:
            """Do one step and wait for the bot's answer, so the next tap meets the next question."""
            before = await bot_said.count()
            await step()
            await expect(bot_said).not_to_have_count(before)

        async def staff_types(text: str) -> None:
            async def step():
                await line.get_by_role("textbox").fill(text)
                await line.get_by_role("textbox").press("Enter")

            await answered(step)

        async def staff_taps_chip(label: str) -> None:
            await answered(line.locator(".quick .chip", has_text=label).click)

        async def staff_picks(day: str) -> None:
            await line.locator(".quick .picker-chip").click()
            await answered(line.locator(f".picker .day[data-date='{day}']").click)

        # The staff member on LINE asks to publish, answering with chips and the date picker.
        await expect(line.get_by_role("combobox")).to_have_value(
            "line:U5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
        )
        await staff_types("/new")
        await staff_taps_chip("ประชาสัมพันธ์")
        await expect(line.locator(".msg.me").last).to_contain_text("ประชาสัมพันธ์")
        await staff_types("ประกาศผลการคัดเลือกพนักงาน")
        await staff_types("รายชื่อผู้ผ่านการคัดเลือก 3 คน")
        await answered(lambda: line.locator("input[type=file]").set_input_files(str(PDF)))
        await expect(line.locator(".msg.me .document").last).to_contain_text("sandbox_sample.pdf")
        await staff_taps_chip("เสร็จ")
        await staff_taps_chip("กองคลัง")
        picker_chip = line.locator(".quick .picker-chip")
        await picker_chip.click()
        header = line.locator(".picker .month")
        await expect(header).to_contain_text("25")  # the Buddhist-era year: 25xx
        day = await line.locator(".picker .day:not([disabled])").first.get_attribute("data-date")
        await answered(line.locator(f".picker .day[data-date='{day}']").click)
        await staff_picks(day)
        await staff_taps_chip("วันนี้")
        await staff_taps_chip("30 วัน")
        await staff_taps_chip("ปกติ")
        await staff_types("ติดต่อ 042-611-000")
        await staff_taps_chip("รับรอง")
        await line.locator(".fx-button, .chip", has_text="ส่งคำขอ").last.click()
        await expect(line.locator(".msg.bot").last).to_contain_text("WP-2569-0004")

        # The approver on Telegram opens the file, then approves with one tap.
        card = telegram.locator(".msg.bot", has_text="ประกาศผลการคัดเลือกพนักงาน").last
        await expect(card.locator(".kb", has_text="อนุมัติ").first).to_be_visible()
        document = telegram.locator(".document", has_text="sandbox_sample.pdf").last
        await expect(document).to_be_visible()
        await page.locator(".req", has_text="WP-2569-0004").click()
        await expect(page.locator("#timeline")).to_contain_text("pending")
        shot = README_SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / "sandbox.png"
        await page.screenshot(path=str(shot))
        assert shot.stat().st_size > 20_000
        async with page.expect_popup() as opened:
            await document.click()
        popup = await opened.value
        await popup.wait_for_load_state()
        response = await page.request.get(base + await document.get_attribute("href"))
        assert response.ok and (await response.body()).startswith(b"%PDF")
        await popup.close()
        await card.locator(".kb", has_text="อนุมัติ").first.click()
        await expect(card.locator(".edited")).to_be_visible()  # the buttons went away in an edit
        await expect(card.locator(".kb")).to_have_count(0)

        # A webmaster on Telegram claims the task and marks it published with the page's URL.
        await telegram.get_by_role("combobox").select_option("telegram:7000200")
        task = telegram.locator(".msg.bot", has_text="ประกาศผลการคัดเลือกพนักงาน").last
        await task.locator(".kb", has_text="รับงาน").click()
        await telegram.locator(".msg.bot .kb", has_text="เผยแพร่แล้ว").last.click()
        url = "https://www.mukdahancity.go.th/news/selection-results"
        await telegram.get_by_role("textbox").fill(url)
        await telegram.get_by_role("textbox").press("Enter")
        # The sandbox cannot reach the office's real website to check the page, so the
        # webmaster is told so and confirms it by hand.
        anyway = telegram.locator(".msg.bot .kb", has_text=thai("Published anyway")).last
        await anyway.click()
        await expect(line.locator(".msg.bot a", has_text=url).last).to_be_visible()

        # The clock: the day before the end date warns, the end date raises the takedown task.
        await page.get_by_role("button", name="1 วันก่อนวันสิ้นสุด").click()
        warning = line.locator(".msg.bot", has_text=thai("Your items leave the website soon")).last
        await expect(warning).to_contain_text("ประกาศผลการคัดเลือกพนักงาน")
        await expect(page.locator("#clock-real")).to_be_hidden()
        await page.get_by_role("button", name="วันสิ้นสุด", exact=True).click()
        takedown = telegram.locator(".msg.bot", has_text="ประกาศผลการคัดเลือกพนักงาน").last
        await expect(takedown.locator(".kb", has_text=thai("Taken down"))).to_be_visible()
        await page.get_by_role("button", name="กลับสู่เวลาจริง").click()
        await expect(page.locator("#clock-real")).to_be_visible()

        # Reset: the demo office as it started.
        await page.get_by_role("button", name="เริ่มเดโมใหม่").click()
        await expect(page.locator("#requests .req")).to_have_count(3)
        await expect(page.locator("#requests")).not_to_contain_text("WP-2569-0004")
        await expect(line.locator(".msg.bot a", has_text=url)).to_have_count(0)
        await browser.close()
