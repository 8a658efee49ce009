"""The checker against a stand-in office website: what passes, and each way a page fails, said precisely."""

from __future__ import annotations

import hashlib

import pytest

from locales import using_locale
from tests.office_site import MB, OfficeSite
from website.fetch import USER_AGENT, Limits, client_session
from website.verdict import Expectation, check_gone, check_shown, describe

PDF = b"%PDF-1.4 job posting 2569 approved version\n%%EOF"
OTHER_PDF = b"%PDF-1.4 job posting 2569 an older draft\n%%EOF"
SHA = hashlib.sha256(PDF).hexdigest()
APPROVED = Expectation(files=frozenset({SHA}), title="Job posting 2569")


@pytest.fixture
async def site():
    site = await OfficeSite().start()
    yield site
    await site.close()


async def shown(site: OfficeSite, path: str, expect: Expectation = APPROVED, **limits):
    async with client_session() as session:
        return await check_shown(session, site.at(path), expect, Limits(site.url, **limits))


def said(outcome, locale: str = "en") -> str:
    with using_locale(locale):
        return describe(outcome.code, outcome.detail)


async def test_check_a_page_linking_to_the_approved_file_passes(site):
    site.file("/files/job.pdf", PDF)
    site.page("/news/1", title="Job posting 2569", links=["/files/other.doc", "/files/job.pdf"])
    outcome = await shown(site, "/news/1")
    assert outcome.passed and outcome.found_sha256 == SHA
    assert {agent for _path, agent in site.hits} == {USER_AGENT}


async def test_check_the_file_itself_passes_and_a_web_link_passes_by_its_title(site):
    site.file("/files/job.pdf", PDF)
    assert (await shown(site, "/files/job.pdf")).passed
    site.page("/links/egp", title="e-GP  ระบบจัดซื้อจัดจ้าง")
    by_title = Expectation(title="e-GP ระบบจัดซื้อจัดจ้าง", by_title=True)
    assert (await shown(site, "/links/egp", by_title)).passed
    outcome = await shown(site, "/links/egp", Expectation(title="Tax portal", by_title=True))
    assert not outcome.passed and said(outcome) == "the page does not show the title “Tax portal”"


async def test_check_a_missing_page_says_it_answers_404(site):
    outcome = await shown(site, "/news/404")
    assert (outcome.result, said(outcome)) == ("failed", "the page answers 404")
    assert said(outcome, "th") == "หน้าเว็บตอบกลับรหัส 404"


async def test_check_a_page_with_another_pdf_says_the_pdf_differs(site):
    site.file("/files/job.pdf", OTHER_PDF)
    site.page("/news/1", links=["/files/job.pdf"])
    outcome = await shown(site, "/news/1")
    assert said(outcome) == "the PDF on the page differs from the approved file"
    site.page("/news/2", title="no files here")
    assert (
        said(await shown(site, "/news/2")) == "the page neither is nor links to the approved file"
    )


async def test_check_a_redirect_to_another_host_is_not_followed(site):
    site.redirect("/moved", f"http://localhost:{site.server.port}/files/job.pdf")
    site.file("/files/job.pdf", PDF)
    outcome = await shown(site, "/moved")
    assert (outcome.result, said(outcome)) == (
        "unchecked",
        "the page redirects away from the website, to localhost",
    )
    assert [path for path, _agent in site.hits] == ["/moved"]  # the other host never asked


async def test_check_follows_three_redirects_on_the_host_but_not_four(site):
    site.file("/files/job.pdf", PDF)
    for n in range(4):
        site.redirect(f"/r{n}", f"/r{n + 1}" if n < 3 else "/files/job.pdf")
    assert (await shown(site, "/r1")).passed  # r1 → r2 → r3 → the file
    outcome = await shown(site, "/r0")
    assert said(outcome) == "the page redirects more than 3 times"


@pytest.mark.parametrize("announced", [True, False])
async def test_check_a_50_mb_response_is_cut_at_20_mb(site, announced):
    site.huge("/files/big.pdf", 50 * MB, announced=announced)
    outcome = await shown(site, "/files/big.pdf")
    assert (outcome.result, said(outcome)) == ("unchecked", "the page is larger than 20 MB")


async def test_check_a_hanging_page_times_out(site):
    site.hang("/slow")
    outcome = await shown(site, "/slow", timeout=0.2)
    assert (outcome.result, said(outcome)) == (
        "unchecked",
        "the page did not answer within 0.2 seconds",
    )


async def test_check_a_website_that_is_down_cannot_be_checked(site):
    limits = Limits("http://127.0.0.1:9")  # nothing listens on the discard port
    async with client_session() as session:
        outcome = await check_shown(session, "http://127.0.0.1:9/x", APPROVED, limits)
    assert outcome.result == "unchecked" and said(outcome).startswith(
        "the website could not be reached"
    )


async def test_gone_passes_on_404_or_a_page_without_the_file_and_fails_while_it_is_there(site):
    site.file("/files/job.pdf", PDF)
    site.page("/news/1", links=["/files/job.pdf"])
    async with client_session() as session:
        limits = Limits(site.url)
        still = await check_gone(session, site.at("/news/1"), APPROVED, limits)
        assert said(still) == "the page is still online and still carries the item"
        site.page("/news/1", title="This announcement has ended")
        assert (await check_gone(session, site.at("/news/1"), APPROVED, limits)).passed
        site.remove("/news/1")
        assert (await check_gone(session, site.at("/news/1"), APPROVED, limits)).passed
