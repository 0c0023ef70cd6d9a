"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The tests share one copy of the real content (the fixtures, loaded as ``rebuild_db``
loads them) and 60 extra software companies in Beijing, so the directory has pages to
turn. A test that changes it puts back what it changed (as test_editor_workflow.py
does); none may ask for ``db`` or mark itself ``django_db``, which would flush it.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.test.testcases import QuietWSGIRequestHandler

from cities.models import City
from companies.models import Presence, Sector
from companies.roles import create_groups
from tests.factories import make_company, make_presence

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the
# tests make there (loading content, counting rows) are synchronous all the same.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# One request per connection, as gunicorn's sync workers serve the site in production.
# With HTTP/1.1 keep-alive, the live server (Django's threaded development server) now
# and then answered a request on a reused connection with another file's body — site.css
# arriving with directory.css's rules, and the page unstyled — under Debian's Chromium
# 156.0.8078.114.
QuietWSGIRequestHandler.protocol_version = "HTTP/1.0"

ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

# The extra companies: three full pages of the directory in one city and sector.
EXTRA_CITY = "beijing"
EXTRA_SECTOR = "software"
EXTRA_COMPANIES = 60


class PageType(NamedTuple):
    path: str
    status: int = 200


# One page of each type the site has, from the real content (fixtures/).
PAGE_TYPES = {
    "home": PageType("/"),
    "city list": PageType("/cities/"),
    "city profile": PageType("/cities/chengdu/"),
    "zone": PageType("/zones/chengdu-hi-tech-zone/"),
    "policy list": PageType("/policies/"),
    "policy": PageType("/policies/made-in-china-2025/"),
    "directory": PageType(f"/companies/?city={EXTRA_CITY}"),
    "directory without results": PageType("/companies/?q=no+such+company+anywhere"),
    "directory with a form error": PageType(f"/companies/?city={EXTRA_CITY}&founded_min=x"),
    "company": PageType("/companies/microsoft/"),
    "not found": PageType("/cities/atlantis/", 404),
}


def pytest_generate_tests(metafunc):
    """A test taking ``page_type`` runs once for each type of page in ``PAGE_TYPES``."""
    if "page_type" in metafunc.fixturenames:
        metafunc.parametrize("page_type", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


def missing(what, how):
    """Skip on a developer's machine; in CI a missing tool is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: {how}", pytrace=False)
    pytest.skip(f"{what} is missing: {how}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, not a browser downloaded by ``playwright install``."""
    if not CHROMIUM.exists():
        missing("Chromium", "apt-get install -y chromium fonts-wqy-microhei")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages open by path (``page.goto("/cities/")``) on the live server.

    Also stands in for pytest-playwright's own ``base_url``, which pytest 9 warns about.
    """
    return live_server.url


def add_extra_companies():
    city = City.objects.get(slug=EXTRA_CITY)
    sector = Sector.objects.get(slug=EXTRA_SECTOR)
    for n in range(1, EXTRA_COMPANIES + 1):
        company = make_company(
            sectors=[sector],
            slug=f"test-software-{n:02}",
            name=f"Test Software {n:02}",
            name_zh=f"测试软件{n:02}",
            founded=1990 + n % 30,
            summary=f"A software company made up for the browser tests, number {n}.",
        )
        make_presence(company=company, city=city, kind=Presence.Kind.OFFICE)


@pytest.fixture(scope="package")
def browser_content(django_db_setup, django_db_blocker):
    """The real content and the extra companies, loaded once for all the browser tests.

    Loading takes seconds; doing it for each of some thirty tests would double the time
    of the whole suite. So they share one copy, committed where the live server's threads
    see it, and flushed when the last one is done, as pytest-django's
    ``transactional_db`` flushes after each test.
    """
    with django_db_blocker.unblock():
        try:
            call_command("rebuild_db", "--no-migrate", verbosity=0)
            add_extra_companies()
            yield
        finally:
            for alias in connections:
                call_command("flush", database=alias, interactive=False, verbosity=0)
                restore_editor_groups(alias)
            # Django keeps connections per thread and per context, and Playwright's sync
            # API runs the tests in a context of its own: pytest-django closes only its
            # own connection before dropping the test database, which PostgreSQL refuses
            # while this one is open.
            connections.close_all()


def restore_editor_groups(alias):
    """Make the editor groups again, as their data migration did: the flush deleted
    them, and tests that run after these expect the database that migrate leaves."""
    connection = connections[alias]
    state = MigrationExecutor(connection).loader.project_state()
    with connection.schema_editor() as editor:
        create_groups(state.apps, editor)


@pytest.fixture
def transactional_db(browser_content, django_db_blocker):
    """Stands in for pytest-django's fixture, which ``live_server`` asks for.

    Database access for the test and the live server, on the content shared by all the
    browser tests, without the flush after each test.
    """
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def live_site(transactional_db, live_server):
    """The live server, with the real content and 60 more software companies in Beijing."""
    return live_server


@dataclass
class Traffic:
    """Every request a browser context makes, and what came back."""

    origin: str
    requests: list = field(default_factory=list)
    responses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)

    def watch(self, context):
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)
        context.on("console", self._on_console)
        # A request to another host is recorded, then refused: the tests never leave
        # the machine, and never wait for a host that does not answer.
        context.route(lambda url: not self.is_own(url), lambda route: route.abort())
        return self

    def is_own(self, url):
        return url.startswith((f"{self.origin}/", "data:"))

    def foreign(self):
        return [url for url, _ in self.requests if not self.is_own(url)]

    def of_type(self, *resource_types):
        return [url for url, kind in self.requests if kind in resource_types]

    def _on_request(self, request):
        self.requests.append((request.url, request.resource_type))

    def _on_response(self, response):
        request = response.request
        self.responses[request.url] = (response.status, response.headers.get("content-type", ""))
        if response.status >= 400 and not request.is_navigation_request():
            self.errors.append(f"{response.status} {request.url}")

    def _on_failed(self, request):
        # A navigation cancels the loads still under way on the page it leaves.
        if self.is_own(request.url) and request.failure != "net::ERR_ABORTED":
            self.errors.append(f"failed ({request.failure}) {request.url}")

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)


@pytest.fixture
def traffic(context, live_server):
    """Records what the ``page`` fixture's context asks for; refuses other hosts."""
    return Traffic(live_server.url).watch(context)


@dataclass
class Violation:
    """One axe-core rule a page breaks, and where."""

    id: str
    impact: str
    help: str
    nodes: list

    def __str__(self):
        lines = [f"{self.id} ({self.impact}): {self.help}"]
        for node in self.nodes:
            lines.append(f"  at {node['target']}: {node['html'][:300]}")
            lines.extend(f"      {line}" for line in node["summary"].splitlines())
        return "\n".join(lines)


@pytest.fixture
def axe_check():
    """``axe_check(page)``: the axe-core violations on the page, as a list of ``Violation``.

    Give it a page from ``axe_page`` (``bypass_csp=True``): the site's
    Content-Security-Policy rightly refuses a script it did not send itself.
    """
    if not AXE_JS.exists():
        missing("axe-core", "run `npm ci` in the project root")

    def check(page):
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async () => {
                const results = await axe.run(document, {resultTypes: ["violations"]});
                return results.violations.map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    help: violation.help,
                    nodes: violation.nodes.map((node) => ({
                        target: node.target.join(" "),
                        html: node.html,
                        summary: node.failureSummary || "",
                    })),
                }));
            }"""
        )
        return [Violation(**violation) for violation in violations]

    return check


@pytest.fixture
def axe_page(new_context):
    """A page whose context lets axe-core be injected despite the site's CSP."""
    return new_context(bypass_csp=True).new_page()


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
