"""A recruiter's day in a real headless Chromium: log in, find a candidate, log a call from
the candidate page and see it on the timeline without a page load; clear a row of the Today
queue with one click and see the counts drop; upload a call log and read its report."""

import os
import shutil
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CANDIDLY_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CANDIDLY_REQUIRE_BROWSER") == "1"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_or_skip():
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "the playwright package is not installed"
    if why is None and not shutil.which(CHROMIUM):
        why = (
            f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CANDIDLY_CHROMIUM)"
        )
    if why:
        if REQUIRED:
            pytest.fail(f"Browser test required (CANDIDLY_REQUIRE_BROWSER=1) but {why}.")
        pytest.skip(f"Browser test skipped: {why}.")
    return sync_playwright


@pytest.fixture
def page(live_server):
    sync_playwright = _browser_or_skip()
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body
    # are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()
        # While Playwright's loop runs, Django keeps this context's connection apart from the
        # test's own; close it so the test database can be dropped afterwards.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _log_in(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")  # home is the Today queue


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_a_call_from_the_candidate_page(page, live_server, recruiter, candidate):
    _log_in(page, live_server)
    # The stylesheet is served and applied: the top bar is dark, not the browser's default.
    bar = page.locator("header.topbar")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 35, 48)"

    page.locator("header.topbar").get_by_role("link", name="Candidates").click()
    page.get_by_label("Search candidates").fill("ellis")
    page.locator("#results").get_by_role("link", name="Jordan Ellis").click()
    page.wait_for_url(f"**/candidates/{candidate.pk}/")
    page.get_by_text("Nothing recorded yet.").wait_for()

    page.get_by_label("Email", exact=True).check()
    assert page.get_by_label("Call outcome").is_hidden()  # an email has no call outcome
    page.get_by_label("Call", exact=True).check()
    page.get_by_label("Call outcome").select_option("connected")
    page.get_by_label("Notes").fill("Walked through the onsite agenda")
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    page.get_by_role("button", name="Log it").click()

    entry = page.locator(".timeline .entry").first
    entry.get_by_text("Walked through the onsite agenda").wait_for()
    assert "Outbound call · connected" in entry.inner_text()
    assert "10 min" in entry.inner_text()
    assert page.evaluate("window.loadedOnce") is True
    assert page.get_by_label("Notes").input_value() == ""
    assert page.get_by_role("status").inner_text() == "Logged."
    assert Activity.objects.get().body == "Walked through the onsite agenda"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clear_a_row_of_the_today_queue(page, live_server, recruiter, candidate):
    ago = timezone.now() - timedelta(days=9)
    for at in (ago, ago - timedelta(days=3)):
        activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail",
                     direction="inbound", occurred_at=at)  # fmt: skip
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound",
                 subject="Next steps?", occurred_at=ago)  # fmt: skip
    _log_in(page, live_server)
    page.get_by_role("heading", name="Today", exact=True).wait_for()
    nav = page.locator("#nav-counts")
    assert "3 overdue" in nav.inner_text()
    assert page.locator("#count-overdue").inner_text() == "3"
    reply = Obligation.objects.get(kind="reply")
    row = page.locator(f"#ob-{reply.pk}")
    assert "Next steps?" in row.inner_text()
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    row.get_by_role("button", name="Mark replied").click()

    row.wait_for(state="detached")
    assert page.get_by_role("status").inner_text() == "Reply to Jordan Ellis logged."
    assert page.locator("#count-overdue").inner_text() == "2"
    assert "2 overdue" in nav.inner_text()
    assert page.evaluate("window.loadedOnce") is True
    reply.refresh_from_db()
    assert reply.state == "met" and reply.met_by.subject == "Re: Next steps?"

    # One call answers both voicemails: both rows go.
    page.locator(".queue-rows tbody tr").first.get_by_role("button", name="Log call").click()
    page.get_by_text("Nothing overdue.").wait_for()
    assert "0 overdue" in nav.inner_text()
    assert not Obligation.objects.filter(state="open").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_a_call_log(page, live_server, recruiter, candidate):
    """An upload in the page: the report replaces the form's answer in place, the refused row
    says why (its text shown as text), and the missed call opens a callback."""
    from candidly.calls.services import recruiter_line_add

    recruiter_line_add(user=recruiter, number="+16175550100")
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    log = (
        "call_id,direction,from,to,start,duration,disposition\n"
        f"c1,inbound,+14155550199,+16175550100,{at},0,missed\n"
        f"c2,inbound,+14155550199,+16175550100,{at},0,<b>lost</b>\n"
    )
    _log_in(page, live_server)
    page.goto(live_server.url + "/calls/")
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    page.locator("input[type=file]").set_input_files(
        {"name": "calls.csv", "mimeType": "text/csv", "buffer": log.encode()}
    )
    page.get_by_role("button", name="Import").click()

    report = page.locator("#report")
    report.get_by_text("imported").wait_for()
    text = report.inner_text()
    assert "1 imported" in text and "1 refused" in text
    assert "<b>lost</b>" in text  # the file's text, never markup
    assert page.evaluate("window.loadedOnce") is True
    assert Activity.objects.get().kind == "call"
    assert Obligation.objects.get().kind == "callback"
