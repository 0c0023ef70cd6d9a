"""An editor's day in the admin, in Chromium: draft a company, preview it, publish it, find
it in the directory as a visitor; then change a city's summary and restore the version
before, in two clicks from its history.

Unlike the other browser tests this one writes to the shared content; its fixture puts
back what it changed (the city's summary comes back through the revert itself).
"""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from cities.models import City
from companies.models import Company

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "browser-editor", "a long and known test password"
COMPANY, COMPANY_SLUG = "Hubguide Test Drones", "hubguide-test-drones"
CITY_SLUG = "hangzhou"
SECTOR = "Drones"


@pytest.fixture
def editor_account(live_site):
    """An Editor who logs in with a password; afterwards, the content as it was before."""
    started = timezone.now()
    city = City.objects.get(slug=CITY_SLUG)
    user = User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    yield user
    for company in Company.objects.filter(slug=COMPANY_SLUG):
        company.history.all().delete()
        company.delete()
    City.history.filter(id=city.pk, history_date__gte=started).delete()
    City.objects.filter(pk=city.pk).update(summary=city.summary, updated_at=city.updated_at)
    user.delete()


def log_in(page):
    page.goto("/admin/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").or_(page.locator('input[value="Log in"]')).click()
    expect(page.locator("#user-tools").get_by_role("link", name="Data quality")).to_be_visible()


def success_message(page):
    return page.locator("ul.messagelist li.success")


def test_an_editor_drafts_previews_publishes_and_restores(
    editor_account, page, traffic, screenshot
):
    city = City.objects.get(slug=CITY_SLUG)
    old_summary = city.summary
    new_summary = "A summary written in the browser test, to be taken back."

    log_in(page)

    # A new company, as a draft: the slug fills itself in from the name.
    page.goto("/admin/companies/company/add/")
    page.locator("#id_name").press_sequentially(COMPANY)
    expect(page.locator("#id_slug")).to_have_value(COMPANY_SLUG)
    page.locator("#id_kind").select_option("chinese")
    page.locator("#id_summary").fill("Drones for mapping farmland, made up for a test.")
    page.locator(".field-sectors .select2-search__field").fill(SECTOR)
    page.locator(".select2-results__option", has_text=re.compile(rf"^{SECTOR}$")).click()
    # The body's preview follows the typing, through the sanitiser.
    page.locator("#id_body").fill("## Fleet\n\nOver **200** drones.<script>alert(1)</script>")
    preview = page.locator("[data-markdown-preview]")
    expect(preview.locator("strong")).to_have_text("200")
    expect(preview.locator("h2")).to_have_text("Fleet")
    assert "alert" not in preview.inner_html()
    screenshot(page, "admin-company-draft-with-preview")
    expect(page.locator("#id_status")).to_have_value("draft")
    page.locator('input[name="_continue"]').first.click()
    expect(success_message(page)).to_contain_text("was added successfully")
    company = Company.objects.get(slug=COMPANY_SLUG)
    assert [sector.name for sector in company.sectors.all()] == [SECTOR]

    # Preview on the site: the draft banner says visitors cannot see it.
    page.get_by_role("link", name="Preview on site").click()
    expect(page).to_have_url(re.compile(rf"/companies/{COMPANY_SLUG}/$"))
    expect(page.get_by_role("status")).to_contain_text("Draft — visitors cannot see this page.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)

    # Back in the admin, publish it with the action on its page.
    page.go_back()
    page.locator('select[name$="action"]').select_option("publish")
    page.get_by_role("button", name="Run").click()
    expect(success_message(page)).to_have_text("1 company published.")

    # Logged out, a visitor finds it in the directory.
    page.get_by_role("button", name="Log out").click()
    page.goto(f"/companies/?q={COMPANY.replace(' ', '+')}")
    expect(page.get_by_role("link", name=COMPANY, exact=True)).to_be_visible()

    # Logged in again: change the city's summary…
    log_in(page)
    page.goto("/admin/cities/city/")
    page.get_by_role("link", name=city.name, exact=True).click()
    page.locator("#id_summary").fill(new_summary)
    page.locator('input[name="_save"]').first.click()
    expect(success_message(page)).to_contain_text("was changed successfully")
    page.goto(f"/cities/{CITY_SLUG}/")
    expect(page.get_by_text(new_summary)).to_be_visible()

    # …and restore the version before: History, the version, Revert.
    page.goto(f"/admin/cities/city/{city.pk}/change/")
    page.get_by_role("link", name="History").click()
    history = page.locator("#change-history")
    expect(history).to_contain_text("Summary:")
    expect(history).to_contain_text(new_summary)
    screenshot(page, "admin-city-history")
    history.locator("tbody tr").nth(1).locator("th a").click()
    expect(page.locator("#id_summary")).to_have_value(old_summary)
    screenshot(page, "admin-city-revert")
    page.locator('input[value="Revert"]').first.click()
    expect(success_message(page)).to_contain_text("was changed successfully")

    page.goto(f"/cities/{CITY_SLUG}/")
    expect(page.get_by_text(old_summary)).to_be_visible()
    expect(page.get_by_text(new_summary)).to_have_count(0)

    # The data-quality page, for the record.
    page.goto("/admin/")
    page.locator("#data-quality-module").get_by_role("link", name="Data quality").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality")
    screenshot(page, "admin-data-quality")

    assert traffic.errors == []
    assert traffic.console_errors == []
