"""Accessibility: axe-core on every type of page, and what axe cannot see (the keyboard)."""

import re

import pytest
from playwright.sync_api import expect


def test_page_has_no_accessibility_violations(live_site, axe_page, axe_check, page_type):
    response = axe_page.goto(page_type.path)
    assert response.status == page_type.status

    violations = axe_check(axe_page)

    assert not violations, "\n".join(str(violation) for violation in violations)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(live_site, page):
    """A keyboard user jumps over the header straight into the page's content."""
    page.goto("/companies/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").locator(":focus")).to_have_count(1)


FOCUS_INDICATOR = """() => {
    const style = getComputedStyle(document.activeElement);
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return outlined || style.boxShadow !== "none";
}"""


@pytest.mark.parametrize("path", ["/", "/companies/?city=beijing"])
def test_every_control_shows_where_the_keyboard_focus_is(live_site, page, path):
    """The first 40 tab stops (header, filters, first results) each show a focus ring."""
    page.goto(path)
    unmarked = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        if not page.evaluate(FOCUS_INDICATOR):
            unmarked.append(page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))
    assert unmarked == []
