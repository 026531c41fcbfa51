"""Browser journeys: Playwright driving Debian's Chromium against Django's live server.

Every journey gets a `journey` fixture. Each page it lands on is checked with axe-core (serious
and critical violations fail the test), and a journey that navigates to a page it never checked
fails at the end, so no page slips through unchecked. Screenshots go to tests/artifacts/.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.support import require

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
BLOCKING_IMPACTS = {"serious", "critical"}


class Journey:
    """A person's walk through the portal in one browser tab."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.checked: set[str] = set()
        self.visited: list[str] = []
        self.csp_violations: list[str] = []
        page.on("framenavigated", self._record_navigation)
        page.on("console", self._record_csp_violation)

    def _record_csp_violation(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _record_navigation(self, frame) -> None:
        if frame == self.page.main_frame:
            self.visited.append(frame.url.split("#")[0])

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check_accessibility()

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        # Wait for the page the form posts to, not the load state of the sign-in page itself,
        # which has long loaded: on a busy machine the next line would read the old page.
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        self.check_accessibility()

    def click(self, *args, within=None, **kwargs) -> None:
        """Click something (by role and name, optionally within a locator) that loads a new
        page, then check that page."""
        (within or self.page).get_by_role(*args, **kwargs).click()
        self.page.wait_for_load_state()
        self.check_accessibility()

    def check_accessibility(self) -> None:
        page = self.page
        # axe-core arrives as an init script (see _journey), which the CSP does not block.
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in BLOCKING_IMPACTS
        ]
        assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(blocking)
        self.checked.add(page.url.split("#")[0])

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def unchecked_pages(self) -> list[str]:
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    require(AXE.exists(), "axe-core (run `npm ci`)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _journey(browser, live_server, viewport: dict) -> Iterator[Journey]:
    context = new_context(browser, viewport)
    journey = Journey(context.new_page(), live_server.url)
    yield journey
    context.close()
    assert not journey.unchecked_pages(), (
        f"pages visited without an accessibility check: {journey.unchecked_pages()}"
    )
    assert not journey.csp_violations, "\n".join(journey.csp_violations)


def new_context(browser, viewport: dict):
    """A fresh browser profile with axe-core loaded into every page before the page's own
    scripts: the Content Security Policy stays enforced, and any violation fails the journey."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    return context


@pytest.fixture
def journey(browser, live_server) -> Iterator[Journey]:
    """A journey on a laptop-sized screen."""
    yield from _journey(browser, live_server, LAPTOP)


@pytest.fixture
def phone_journey(browser, live_server) -> Iterator[Journey]:
    """A journey on a phone-sized screen."""
    yield from _journey(browser, live_server, PHONE)
