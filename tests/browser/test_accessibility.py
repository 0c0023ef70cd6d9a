"""axe-core finds no accessibility violation on any type of page (conftest's PAGE_TYPES)."""


def test_page_has_no_accessibility_violations(live_site, axe_page, axe_check, page_type):
    response = axe_page.goto(page_type.path)
    assert response.status == page_type.status

    violations = axe_check(axe_page)

    assert not violations, "\n".join(str(violation) for violation in violations)
