"""A visitor finds a software company in Beijing, clicking as a person would.

Home → Beijing → its companies in the directory → narrowed to one sector with the filter
form → page 2 → a company. On a desktop screen and on a 375 px wide phone, where nothing
may overflow sideways. Screenshots of the pages land in artifacts/screenshots/.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from companies.models import Company, Sector

CITY, CITY_NAME = "beijing", "Beijing"
SECTOR = "software"

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
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
    """The site's stylesheet arrived: the page is not in the browser's default look."""
    stylesheets = {url: traffic.responses.get(url) for url in traffic.of_type("stylesheet") if url}
    assert stylesheets, "no stylesheet requested"
    for url, (status, content_type) in stylesheets.items():
        assert status in (200, 304) and content_type.startswith("text/css"), url
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
    assert_fits_the_screen(page)
    screenshot(page, f"city-{CITY}-{screen}")
    page.get_by_role("link", name=re.compile(rf"companies in {CITY_NAME}", re.I)).click()

    # The directory, filtered to the city.
    expect(page).to_have_url(re.compile(r"/companies/\?"))
    assert query(page).get("city") == CITY
    expect(page.get_by_label("City")).to_have_value(CITY)
    expect(page.get_by_text(re.compile(rf"\b{in_city} compan", re.I))).to_be_visible()

    # Narrowed to a sector with the form: a select and a submit button.
    page.get_by_label("Sector").select_option(label=sector_name)
    page.get_by_role("button", name=re.compile(r"^(filter|apply|show|search)", re.I)).click()
    expect(page).to_have_url(re.compile(rf"sector={SECTOR}"))
    assert query(page)["city"] == CITY
    result_count = page.get_by_text(re.compile(rf"\b{in_city_and_sector} compan", re.I))
    expect(result_count).to_be_visible()
    expect(page.get_by_label("City")).to_have_value(CITY)
    expect(page.get_by_label("Sector")).to_have_value(SECTOR)
    assert_fits_the_screen(page)
    screenshot(page, f"directory-{screen}")
    results = page.get_by_role("main").get_by_role("article")
    first_page = results.all_inner_texts()
    assert first_page

    # Page 2 keeps the city and the sector.
    pagination = page.get_by_role("navigation", name=re.compile("pag", re.I))
    pagination.get_by_role("link", name=re.compile(r"^(next|page 2|2)\b", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert {key: query(page).get(key) for key in ("city", "sector", "page")} == {
        "city": CITY,
        "sector": SECTOR,
        "page": "2",
    }
    expect(result_count).to_be_visible()
    expect(page.get_by_label("City")).to_have_value(CITY)
    expect(page.get_by_label("Sector")).to_have_value(SECTOR)
    second_page = results.all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    assert_fits_the_screen(page)

    # A company from page 2.
    link = results.first.get_by_role("link").first
    name = link.inner_text()
    link.click()
    expect(page).to_have_url(re.compile(r"/companies/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("main").get_by_text(CITY_NAME).first).to_be_visible()
    assert_fits_the_screen(page)
    screenshot(page, f"company-{screen}")

    assert traffic.foreign() == []
    assert traffic.errors == []
