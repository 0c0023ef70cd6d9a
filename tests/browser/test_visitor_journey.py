"""A visitor finds a software company in Beijing, clicking as a person would.

Home → Beijing → its companies in the directory → narrowed to one sector with the filter
form → page 2 → a company. On a desktop screen and on a 375 px wide phone, where nothing
may overflow sideways, with JavaScript and without. Screenshots of the pages land in
artifacts/screenshots/ for a person to look at.
"""

import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from companies.models import Company, Sector

CITY, CITY_NAME = "beijing", "Beijing"
SECTOR = "software"
PAGE_SIZE = 20

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    # Every feature works without JavaScript: filters and pages are links and GET forms.
    "phone-without-javascript": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "java_script_enabled": False,
    },
}


def query(page):
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def count_companies(**filters):
    return Company.objects.published().filter(**filters).distinct().count()


def assert_fits_the_screen(page):
    """Nothing sticks out sideways: the page scrolls only up and down."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        f"{page.url} is wider than the {width} px screen"
    )


def assert_styled(page, traffic):
    """The site's stylesheets arrived: the page is not in the browser's default look."""
    stylesheets = traffic.of_type("stylesheet")
    assert stylesheets, "no stylesheet requested"
    for url in stylesheets:
        status, content_type = traffic.responses.get(url, (None, ""))
        assert status == 200 and content_type.startswith("text/css"), (url, status, content_type)
    assert "Times" not in page.evaluate("getComputedStyle(document.body).fontFamily")


@pytest.mark.parametrize(
    "screen",
    [
        pytest.param(name, marks=pytest.mark.browser_context_args(**args))
        for name, args in VIEWPORTS.items()
    ],
)
def test_visitor_goes_from_home_to_a_company_in_a_city_and_sector(
    live_site, page, traffic, screenshot, screen
):
    sector_name = Sector.objects.get(slug=SECTOR).name
    in_city = count_companies(presences__city__slug=CITY)
    in_city_and_sector = count_companies(presences__city__slug=CITY, sectors__slug=SECTOR)

    # Home: the guide's hubs, each one a link.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_styled(page, traffic)
    assert_fits_the_screen(page)
    screenshot(page, f"home-{screen}")
    page.get_by_role("heading", name=re.compile(rf"^{CITY_NAME}\b")).get_by_role("link").click()

    # The city profile, with a way into the directory.
    expect(page).to_have_url(re.compile(rf"/cities/{CITY}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(CITY_NAME)
    expect(page.get_by_role("heading", name="Companies present")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"\b{in_city} companies in the guide"))).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, f"city-{CITY}-{screen}")
    page.get_by_role("link", name=re.compile(rf"companies in {CITY_NAME}", re.I)).click()

    # The directory, filtered to the city.
    hub = page.get_by_label("Hub", exact=True)
    sector = page.get_by_label("Sector", exact=True)
    expect(page).to_have_url(re.compile(r"/companies/\?"))
    assert query(page) == {"city": CITY}
    expect(page.get_by_role("heading", level=1)).to_have_text("Company directory")
    expect(page.get_by_role("heading", name=f"{in_city} companies", exact=True)).to_be_visible()
    expect(hub).to_have_value(CITY)
    expect(sector).to_have_value("")

    # Narrowed to a sector with the form: a select and a submit button.
    # Options carry the facet count for the current result, e.g. "Software (63)".
    expect(sector.locator(f'option[value="{SECTOR}"]')).to_contain_text(sector_name)
    sector.select_option(value=SECTOR)
    page.get_by_role("button", name=re.compile(r"^(filter|apply|show|search)", re.I)).click()
    expect(page).to_have_url(re.compile(rf"sector={SECTOR}"))
    assert query(page)["city"] == CITY
    results = page.get_by_role("region", name=f"{in_city_and_sector} companies", exact=True)
    expect(results).to_be_visible()
    expect(hub).to_have_value(CITY)
    expect(sector).to_have_value(SECTOR)
    assert_fits_the_screen(page)
    assert_styled(page, traffic)
    screenshot(page, f"directory-{screen}")
    result_links = results.get_by_role("heading", level=3).get_by_role("link")
    first_page = result_links.all_inner_texts()
    assert len(first_page) == PAGE_SIZE

    # Page 2 keeps the city and the sector, in the address and in the form.
    pagination = page.get_by_role("navigation", name=re.compile("pages", re.I))
    pagination.get_by_role("link", name=re.compile(r"^(page 2|next)\b", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert {key: query(page).get(key) for key in ("city", "sector", "page")} == {
        "city": CITY,
        "sector": SECTOR,
        "page": "2",
    }
    expect(results).to_be_visible()
    expect(pagination).to_contain_text(f"page 2 of {math.ceil(in_city_and_sector / PAGE_SIZE)}")
    expect(hub).to_have_value(CITY)
    expect(sector).to_have_value(SECTOR)
    second_page = result_links.all_inner_texts()
    assert len(second_page) == min(PAGE_SIZE, in_city_and_sector - PAGE_SIZE)
    assert not set(first_page) & set(second_page), "page 2 repeats companies from page 1"
    assert_fits_the_screen(page)

    # A company from page 2.
    name = result_links.first.inner_text()
    result_links.first.click()
    expect(page).to_have_url(re.compile(r"/companies/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    presences = page.get_by_role("region", name="Presence in the hubs")
    expect(presences.get_by_role("heading", name=re.compile(rf" in {CITY_NAME}$"))).to_be_visible()
    expect(page.get_by_role("link", name=sector_name, exact=True)).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, f"company-{screen}")

    assert traffic.foreign() == []
    assert traffic.errors == []
