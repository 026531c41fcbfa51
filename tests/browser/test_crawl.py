"""Every demo account, on a laptop and on a phone, walks every page it can reach by links.

The crawl signs in as each account of the demo (README "Demo accounts"; `seed_demo` into the
test database, MFA not required as in the demo), follows the same-origin links of every page it
lands on, and on each page runs axe-core (a serious or critical violation fails) and checks that
nothing is wider than the window (a page that scrolls sideways fails, naming its widest
element), at 1280 px and again at 375 px. Every problem of every page is collected and reported
together at the end, so one run shows them all.

Bounded so that it stays a few minutes on two CPUs: one browser, one context per account, each
page loaded once and resized (not reloaded) for the phone check; at most PER_NAME addresses of
one URL name per account, and at most GLOBAL_PER_NAME across all accounts (every account's home
page is its own, so "home" is exempt); at most PAGES_PER_ACCOUNT pages per account.
"""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from seeding.demo.people import DEMO_PASSWORD
from tests.journeys import BLOCKING_IMPACTS, new_context

pytestmark = pytest.mark.browser

# README "Demo accounts": every account of the table.
ACCOUNTS = [
    f"{mailbox}@{domain}"
    for domain in ("stelisabeths.example", "villiers.example")
    for mailbox in (
        "head", "deputy.head", "dsl", "deputy.dsl", "teacher", "chair", "governor", "governor2",
        "vice.chair", "clerk",
    )
] + ["dpl@stelisabeths.example", "dpl@shine.example", "hr@shine.example", "it@shine.example"]  # fmt: skip

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 800}
PER_NAME = 1
GLOBAL_PER_NAME = 4
PAGES_PER_ACCOUNT = 30

# Not pages to look at: signing out, files (PDF, CSV, JSON, text, evidence), the admin, and the
# pages that only exist to be posted to. By URL name, or by path when a route has no name.
SKIP_NAMES = {
    "account_logout",
    "policies:pdf",
    "policies:text",
    "acknowledgements:receipt_pdf",
    "incidents:evidence",
    "audit:subject_access",
    "governance:school_csv",
    "governance:school_pdf",
    "governance:trust_csv",
    "governance:trust_pdf",
    "notifications:bell",
}
SKIP_PATH = re.compile(r"^/(admin|static|media)/|\.(pdf|csv|json|txt)$")
EXEMPT_FROM_GLOBAL_CAP = {"home"}
REACHED = {
    "usersessions_list", "mfa_index", "account_change_password", "people:list", "people:settings",
    "policies:list", "policies:read", "audit:log", "governance:school", "governance:trust",
    "incidents:queue", "incidents:case", "incidents:report", "acknowledgements:my_record",
}  # fmt: skip

# The page's links, as absolute addresses, read after the page's own scripts have run.
LINKS = "() => Array.from(document.querySelectorAll('a[href]:not([download])'), a => a.href)"
# Whether the page scrolls sideways, and if so its widest elements (innermost first) as
# "tag#id.class 'text'" with how far their right edge reaches.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  const wide = Array.from(document.body.querySelectorAll('*'))
    .map((el) => [el, el.getBoundingClientRect().right])
    .filter(([el, right]) => right > width + 1 && !el.closest('.visually-hidden'))
    .filter(([el]) => !Array.from(el.children).some((c) => c.getBoundingClientRect().right > width + 1));
  wide.sort((a, b) => b[1] - a[1]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    width,
    widest: wide.slice(0, 3).map(([el, right]) => `${describe(el)} to ${Math.round(right)} px`),
  };
}"""
AXE_RUN = "async () => await axe.run(document, {resultTypes: ['violations']})"


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name if match.url_name else path


class Crawl:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.problems: list[str] = []
        self.seen_names: dict[str, int] = {}
        self.pages = 0

    def wanted(self, href: str, visited: set[str], per_account: dict[str, int]) -> str | None:
        """The path to visit for a link, or None to leave it."""
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in visited or SKIP_PATH.search(parts.path):
            return None
        name = url_name(parts.path)
        if name is None or name in SKIP_NAMES:
            return None
        if per_account.get(name, 0) >= PER_NAME:
            return None
        if name not in EXEMPT_FROM_GLOBAL_CAP and self.seen_names.get(name, 0) >= GLOBAL_PER_NAME:
            return None
        return path

    def check(self, page, who: str, path: str, width: str) -> None:
        where = f"{who} at {width} on {path}"
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            self.problems.append(
                f"{where}: {overflow['scrollWidth'] - overflow['width']} px too wide; widest: "
                + "; ".join(overflow["widest"])
            )
        result = page.evaluate(AXE_RUN)
        for violation in result["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(
                    f"{where}: axe {violation['id']} ({violation['impact']}) {targets}"
                )

    def account(self, browser, email: str) -> None:
        context = new_context(browser, DESKTOP)
        page = context.new_page()
        csp: list[str] = []
        page.on(
            "console",
            lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(self.base_url + "/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        with page.expect_navigation():  # the page the form posts to, not the sign-in page
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if urlsplit(page.url).path.startswith("/accounts/login"):
            self.problems.append(f"{email} could not sign in")
            context.close()
            return
        queue, visited, per_account = [urlsplit(page.url).path], set(), {}
        while queue and len(visited) < PAGES_PER_ACCOUNT:
            path = queue.pop(0)
            if path in visited:
                continue
            visited.add(path)
            name = url_name(urlsplit(path).path) or path
            per_account[name] = per_account.get(name, 0) + 1
            self.seen_names[name] = self.seen_names.get(name, 0) + 1
            response = page.goto(self.base_url + path)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            if response.status >= 500:
                self.problems.append(f"{email} on {path}: {response.status}")
                continue
            self.pages += 1
            self.check(page, email, path, "1280 px")
            page.set_viewport_size(PHONE)
            self.check(page, email, path, "375 px")
            page.set_viewport_size(DESKTOP)
            for href in page.evaluate(LINKS):
                wanted = self.wanted(href.split("#")[0], visited, per_account)
                if wanted and wanted not in queue:
                    queue.append(wanted)
        self.problems.extend(f"{email}: CSP: {text}" for text in csp)
        context.close()


def test_every_page_every_demo_account_reaches_is_accessible_and_fits_a_phone(
    browser, live_server, settings
):
    settings.MFA_REQUIRED = False  # as in the demo (README "Security")
    call_command("seed_demo", stdout=None)
    crawl = Crawl(live_server.url)
    started = time.monotonic()
    for email in ACCOUNTS:
        crawl.account(browser, email)
    took = time.monotonic() - started
    print(f"crawl: {crawl.pages} pages for {len(ACCOUNTS)} accounts in {took:.0f} s")
    assert crawl.pages > 5 * len(ACCOUNTS), "the crawl reached too few pages to mean anything"
    # The pages this gate was made for, and one of each kind of person's: if the links to them
    # go, the crawl would pass without looking at them.
    never = REACHED - set(crawl.seen_names)
    assert not never, f"the crawl never reached {sorted(never)}"
    assert not crawl.problems, f"{len(crawl.problems)} problems:\n" + "\n".join(crawl.problems)
