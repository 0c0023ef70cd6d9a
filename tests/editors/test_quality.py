"""The data-quality page: each rule finds the rows that need attention and no others, and
the page lists them for staff, each linking to its change page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.models import City, Figure, Policy, Zone
from companies.models import Company, Sector
from hubguide import quality
from hubguide.publishing import Status
from tests.admin import EDITOR, make_staff
from tests.factories import (
    make_city,
    make_company,
    make_figure,
    make_policy,
    make_sector,
    make_source,
    make_zone,
)

pytestmark = pytest.mark.django_db

URL = "/admin/quality/"
TODAY = datetime.date(2026, 6, 1)


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", EDITOR))
    return client


def test_figures_whose_source_has_neither_publisher_nor_link():
    bare = make_figure(source=make_source(publisher="", url=""))
    blank = make_figure(source=make_source(publisher="  ", url=" "))
    make_figure(source=make_source(publisher="Chengdu Statistics Bureau", url=""))
    make_figure(source=make_source(publisher="", url="https://example.com/yearbook"))

    assert set(quality.untraceable_figures()) == {bare, blank}


def test_figures_older_than_five_years():
    old = make_figure(year=2020)
    old_target = make_figure(year=2015, kind=Figure.Kind.TARGET)
    make_figure(year=2021)
    make_figure(year=2026)

    assert set(quality.outdated_figures(today=TODAY)) == {old, old_target}


@pytest.mark.parametrize(
    ("model", "build"),
    [
        (City, make_city),
        (Zone, make_zone),
        (Policy, make_policy),
        (Company, make_company),
        (Sector, make_sector),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_content_without_a_chinese_name(model, build):
    blank = build(name_zh="")
    spaces = build(name_zh="  ")
    build(name_zh="中文")

    assert set(quality.without_chinese_name(model)) == {blank, spaces}


def with_image(obj, field, name):
    """Give ``obj`` an image file name, with its size (so Django never opens the file)."""
    prefix = {"hero_image": "hero", "logo": "logo"}[field]
    type(obj).objects.filter(pk=obj.pk).update(
        **{field: name, f"{prefix}_width": 640, f"{prefix}_height": 480}
    )
    return type(obj).objects.get(pk=obj.pk)


def test_city_images_without_alt_text():
    unlabelled = with_image(make_city(hero_alt=""), "hero_image", "cities/a.jpg")
    with_image(make_city(hero_alt="A bridge at night."), "hero_image", "cities/b.jpg")
    make_city(hero_image="", hero_alt="")

    assert list(quality.cities_without_image_alt()) == [unlabelled]


def test_company_logos_without_alt_text():
    unlabelled = with_image(make_company(logo_alt=" "), "logo", "companies/a.png")
    with_image(make_company(logo_alt="The company's name in blue."), "logo", "companies/b.png")
    make_company(logo="", logo_alt="")

    assert list(quality.companies_without_logo_alt()) == [unlabelled]


def age(obj, days):
    """Pretend ``obj`` was last changed ``days`` ago (``updated_at`` is set on each save)."""
    then = timezone.now() - datetime.timedelta(days=days)
    type(obj).objects.filter(pk=obj.pk).update(updated_at=then)
    return obj


@pytest.mark.parametrize(
    ("model", "build"),
    [(City, make_city), (Zone, make_zone), (Policy, make_policy), (Company, make_company)],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_drafts_untouched_for_thirty_days(model, build):
    oldest = age(build(status=Status.DRAFT), 90)
    forgotten = age(build(status=Status.DRAFT), 31)
    age(build(status=Status.DRAFT), 29)
    age(build(status=Status.PUBLISHED), 90)

    assert list(quality.forgotten_drafts(model)) == [oldest, forgotten]


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_editor_sees_each_rule_and_its_rows_linked_to_their_pages(editor_client):
    untraceable = make_figure(source=make_source(publisher="", url=""), year=2024)
    outdated = make_figure(year=2001, label="Population of 2001")
    no_chinese = make_sector(name="Quantum computing", name_zh="")
    no_alt = with_image(make_company(name="Logo Co", logo_alt=""), "logo", "companies/logo.png")
    draft = age(make_policy(name="Forgotten policy", name_zh="政策", status=Status.DRAFT), 45)

    page = editor_client.get(URL)

    assert page.status_code == 200
    sections = {section["key"]: section for section in page.context["sections"]}
    assert list(sections) == [
        "untraceable-figures",
        "outdated-figures",
        "missing-chinese-names",
        "missing-alt-text",
        "forgotten-drafts",
    ]
    for key, obj in [
        ("untraceable-figures", untraceable),
        ("outdated-figures", outdated),
        ("missing-chinese-names", no_chinese),
        ("missing-alt-text", no_alt),
        ("forgotten-drafts", draft),
    ]:
        urls = [row["url"] for group in sections[key]["groups"] for row in group["rows"]]
        assert change_url(obj) in urls, key
        assert f'<a href="{change_url(obj)}">{obj}</a>' in page.text
    assert sections["outdated-figures"]["count"] == 1
    assert "2001 · Test Publisher: Source" in page.text


def test_counts_are_whole_when_only_the_first_rows_are_listed(editor_client, monkeypatch):
    monkeypatch.setattr(quality, "ROWS_SHOWN", 2)
    for _ in range(3):
        make_sector(name_zh="")

    page = editor_client.get(URL)

    (section,) = [s for s in page.context["sections"] if s["key"] == "missing-chinese-names"]
    sectors = section["groups"][-1]
    assert sectors["count"] == 3
    assert len(sectors["rows"]) == 2
    assert "the first 2 listed" in page.text


def test_the_page_runs_the_same_queries_for_few_rows_and_many(editor_client):
    def build(n):
        for _ in range(n):
            make_figure(source=make_source(publisher="", url=""), year=2001)
            make_zone(name_zh="")
            with_image(make_company(logo_alt=""), "logo", "companies/x.png")
            age(make_city(status=Status.DRAFT), 40)

    build(1)
    with CaptureQueriesContext(connection) as few:
        editor_client.get(URL)
    build(10)
    with CaptureQueriesContext(connection) as many:
        editor_client.get(URL)

    assert len(many) == len(few)


def test_staff_without_a_role_see_no_rows(client):
    make_sector(name_zh="")
    client.force_login(make_staff("nobody"))

    page = client.get(URL)

    assert page.status_code == 200
    assert page.context["sections"] == []
    assert "There is nothing here you may view." in page.text


def test_the_admin_links_to_the_page_from_its_header_and_index(editor_client):
    page = editor_client.get(reverse("admin:index"))
    assert page.text.count(f'href="{URL}"') == 2

    page = editor_client.get(reverse("admin:cities_city_changelist"))
    assert f'<a href="{URL}">Data quality</a>' in page.text
