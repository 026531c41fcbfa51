"""A teacher signs by keyboard alone and keeps the PDF receipt; an outsider with no account
follows the receipt's instructions: downloads the published text, computes its SHA-256 and
checks the receipt on the public check page."""

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from acknowledgements.models import SignOff
from people.models import Role
from tests.factories import import_source, person, publish
from tests.journeys import ARTIFACTS, LAPTOP, Journey, new_context
from tests.support import require

pytestmark = pytest.mark.browser

# From the top of the page: the skip link to the main content, the skip link to the
# confirmation, then the checkbox. A few more are allowed for what a page gains above it.
MOST_TABS_TO_THE_CHECKBOX = 6


def focused(page) -> str:
    """What has the keyboard focus: its id, or its text."""
    return page.evaluate(
        "() => document.activeElement.id || document.activeElement.textContent.trim()"
    )


def tab_to(page, target: str, *, limit: int) -> int:
    """Press Tab until `target` (an id or a text) has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page) == target:
            return presses
    raise AssertionError(f"{target!r} not reached in {limit} Tabs (at {focused(page)!r})")


def pdf_text(pdf: bytes) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (Debian's poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def policy(st_elisabeths):
    person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart")
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    return publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))


def test_a_teacher_signs_by_keyboard_and_an_outsider_checks_the_pdf_receipt(
    journey, browser, live_server, settings, policy
):
    settings.SITE_URL = live_server.url  # the address the receipt prints
    page = journey.page
    journey.sign_in("teacher@se.example")
    journey.goto(f"/acknowledgements/sign/{policy.pk}/")

    # By keyboard: skip the navigation, skip the policy's clause links, tick, sign.
    presses = tab_to(page, "Skip to main content", limit=3)
    page.keyboard.press("Enter")
    presses += tab_to(page, "Skip to the confirmation", limit=3)
    page.screenshot(path=str(ARTIFACTS / "receipt-0-skip-link-focused.png"))
    page.keyboard.press("Enter")
    # The confirmation scrolls into view (smoothly: Bootstrap's scroll-behavior) and has focus.
    page.wait_for_function(
        "() => document.getElementById('your-confirmation').getBoundingClientRect().top"
        " < window.innerHeight"
    )
    assert focused(page) == "your-confirmation"
    presses += tab_to(page, "confirm", limit=2)
    assert presses <= MOST_TABS_TO_THE_CHECKBOX
    page.keyboard.press("Space")
    assert page.locator("#confirm").is_checked()
    # The viewport, where the keyboard has taken the reader (the whole page is 9,000px tall).
    page.screenshot(path=str(ARTIFACTS / "receipt-1-signing-by-keyboard.png"))
    tab_to(page, "Sign version 1", limit=1)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check_accessibility()
    assert page.get_by_role("heading", name="Sign-off receipt").is_visible()
    signoff = SignOff.objects.get(user__email="teacher@se.example", version=policy)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download receipt (PDF)").click()
    receipt = pdf_text(Path(download.value.path()).read_bytes())
    reference = re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", receipt).group()
    fingerprint = re.search(r"\b[0-9a-f]{64}\b", receipt).group()
    text_url = re.search(r"http\S+/text\.txt", receipt).group()
    assert fingerprint == signoff.text_sha256
    filename = policy.public_text_filename
    for command in (
        f"certutil -hashfile {filename} SHA256",
        f"(Get-FileHash -Algorithm SHA256 {filename}).Hash",
        f"shasum -a 256 {filename}",
        f"sha256sum {filename}",
    ):
        assert command in receipt, command  # each on one line, as typed

    # Where St Elisabeth's source lost its section 5, the reader is told so, in place.
    journey.goto(f"/policies/{policy.policy_id}/#clause-4-2")
    gap = page.locator(".source-gap")
    assert gap.is_visible() and "Section 5 is missing" in gap.inner_text()
    page.wait_for_function("() => window.scrollY > 0")  # at 4.2, scrolled smoothly
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "receipt-4-section-5-gap-note.png"))

    # An outsider: a fresh browser, no account, only the paper receipt.
    context = new_context(browser, LAPTOP)
    outsider = Journey(context.new_page(), live_server.url)
    try:
        with outsider.page.expect_download() as text_download:
            try:
                outsider.page.goto(text_url)
            except Exception as error:  # a download is not a page: Chromium aborts the load
                assert "Download is starting" in str(error) or "ERR_ABORTED" in str(error)
        assert text_download.value.suggested_filename == filename
        downloaded = Path(text_download.value.path()).read_bytes()
        assert hashlib.sha256(downloaded).hexdigest() == fingerprint

        check_url = re.search(r"http\S+/public/receipts/check/", receipt).group()
        outsider.goto(check_url.removeprefix(live_server.url))
        outsider.page.get_by_label("Receipt reference").fill(reference.lower())
        outsider.page.get_by_label("Fingerprint (SHA-256)").fill(
            hashlib.sha256(downloaded).hexdigest().upper()  # as PowerShell prints it
        )
        outsider.click("button", name="Check the receipt")
        result = outsider.page.locator("#check-result")
        assert "This receipt matches a sign-off" in result.inner_text()
        assert "version 1, made on" in result.inner_text()
        assert "Tom" not in outsider.page.content()
        outsider.screenshot("receipt-2-outsider-checks-the-receipt")

        outsider.page.get_by_label("Fingerprint (SHA-256)").fill(fingerprint[:40])
        outsider.click("button", name="Check the receipt")
        assert outsider.page.get_by_text("A fingerprint is 64 characters").is_visible()
        assert outsider.page.get_by_label("Fingerprint (SHA-256)").input_value() == fingerprint[:40]
        outsider.screenshot("receipt-3-outsider-mistypes")
        assert not outsider.unchecked_pages()
        assert not outsider.csp_violations
    finally:
        context.close()
