"""Facet counts beside the directory's hub, sector and kind choices: each count is the
number of companies that choosing it would show, with the search and every other
filter kept."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from companies import filters
from companies.models import Company, Presence
from hubguide.publishing import Status
from tests.factories import make_city, make_company, make_presence, make_sector, make_zone

DIRECTORY = reverse("companies:directory")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """The directory's own answers, not the page cache's (tests/test_cache.py has those)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def hubs():
    """Three hubs, three sectors and companies of every kind spread across them."""
    beijing = make_city(slug="beijing", name="Beijing", name_zh="北京")
    shenzhen = make_city(slug="shenzhen", name="Shenzhen", name_zh="深圳")
    hangzhou = make_city(slug="hangzhou", name="Hangzhou", name_zh="杭州")
    zgc = make_zone(city=beijing, slug="zhongguancun", name="Zhongguancun")
    drones = make_sector(slug="drones", name="Drones")
    software = make_sector(slug="software", name="Software")
    telecoms = make_sector(slug="telecoms", name="Telecoms")
    hq, office, lab, factory = "headquarters", "office", "research_lab", "factory"
    plan = [
        # slug, kind, sectors, presences (hub, kind, zone)
        ("dji", "chinese", [drones], [(shenzhen, hq, None)]),
        ("huawei", "chinese", [telecoms, software], [(shenzhen, hq, None)]),
        ("baidu", "chinese", [software], [(beijing, hq, zgc)]),
        ("lenovo", "chinese", [software], [(beijing, hq, zgc), (shenzhen, factory, None)]),
        ("alibaba", "chinese", [software], [(hangzhou, hq, None), (beijing, office, None)]),
        ("microsoft", "multinational", [software], [(beijing, lab, zgc), (beijing, office, None)]),
        (
            "intel",
            "multinational",
            [telecoms],
            [(shenzhen, office, None), (hangzhou, office, None)],
        ),
        ("comac", "state_owned", [], []),
        ("china-mobile", "state_owned", [telecoms], [(beijing, hq, None)]),
    ]
    for slug, kind, sectors, presences in plan:
        company = make_company(
            slug=slug,
            name=slug.replace("-", " ").title(),
            kind=kind,
            sectors=sectors,
            summary=f"{slug} builds technology.",
        )
        for city, presence_kind, zone in presences:
            make_presence(company=company, city=city, kind=presence_kind, zone=zone)
    draft = make_company(slug="secret", name="Secret", sectors=[drones], status=Status.DRAFT)
    make_presence(company=draft, city=shenzhen)
    return {"beijing": beijing, "shenzhen": shenzhen, "drones": drones}


def get(client, **params):
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    return response


def shown_counts(response, name):
    """``{option value: count}`` as the page shows them in the select ``name``."""
    page = response.content.decode()
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, flags=re.S)
    counts = {}
    for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[1]):
        found = re.search(r"\(([\d,]+)\)$", unescape(label).strip())
        if value and found:
            counts[value] = int(found[1].replace(",", ""))
    return counts


def result_count(response):
    return response.context["paginator"].count


QUERIES = [
    {},
    {"q": "technology"},
    {"q": "baidu OR lenovo OR intel"},
    {"sector": "software"},
    {"kind": "chinese"},
    {"presence": "headquarters"},
    {"zone": "zhongguancun"},
    {"city": "beijing", "presence": "office"},
    {"q": "tech", "sector": "software", "kind": "chinese", "founded_min": "1990"},
    {"city": "shenzhen", "sector": "telecoms", "presence": "factory"},
]


@pytest.mark.parametrize("params", QUERIES)
@pytest.mark.parametrize("facet", ["city", "sector", "kind"])
def test_each_count_shown_is_the_result_of_choosing_it(client, hubs, params, facet):
    response = get(client, **params)
    counts = shown_counts(response, facet)
    assert counts, f"no counts shown for {facet}"
    for value, count in counts.items():
        chosen = get(client, **{**params, facet: value})
        assert result_count(chosen) == count, (facet, value)


def test_the_counts_for_a_search_and_a_filter(client, hubs):
    response = get(client, sector="software")
    assert shown_counts(response, "city") == {"beijing": 4, "shenzhen": 2, "hangzhou": 1}
    assert shown_counts(response, "sector") == {"drones": 1, "software": 5, "telecoms": 3}
    assert shown_counts(response, "kind") == {"chinese": 4, "multinational": 1, "state_owned": 0}
    assert '<option value="beijing">Beijing (4)</option>' in response.content.decode()


def test_a_facet_keeps_counting_the_other_choices_when_one_is_chosen(client, hubs):
    response = get(client, city="beijing")
    assert result_count(response) == 5
    assert shown_counts(response, "city")["shenzhen"] == 4
    assert '<option value="beijing" selected>Beijing (5)</option>' in response.content.decode()


def test_a_hub_counts_the_presences_that_meet_the_other_presence_filters(client, hubs):
    """Lenovo has its headquarters in Beijing and a factory in Shenzhen."""
    counts = shown_counts(get(client, presence="factory"), "city")
    assert counts == {"beijing": 0, "shenzhen": 1, "hangzhou": 0}


def test_drafts_count_for_staff_only(client, hubs, django_user_model):
    assert shown_counts(get(client), "sector")["drones"] == 1
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    assert shown_counts(get(client), "sector")["drones"] == 2


def test_a_result_too_big_to_count_shows_no_counts_but_its_exact_size(client, hubs, monkeypatch):
    monkeypatch.setattr(filters, "FACET_LIMIT", 5)
    monkeypatch.setattr("companies.views.FACET_LIMIT", 5)
    big = get(client)
    assert result_count(big) == 9
    assert shown_counts(big, "city") == {}
    assert "Numbers of companies appear beside the choices" in big.content.decode()
    small = get(client, city="shenzhen")
    assert shown_counts(small, "city")["shenzhen"] == 4


def populate(first, last, hubs):
    """Companies ``first`` to ``last``, each with two sectors and two hubs."""
    companies = Company.objects.bulk_create(
        Company(
            slug=f"bulk-{i:03}",
            name=f"Bulk Technology {i:03}",
            kind="chinese",
            founded=1980 + i % 40,
            summary="Made in bulk.",
            status=Status.PUBLISHED,
        )
        for i in range(first, last)
    )
    hubs["drones"].companies.add(*companies)
    Presence.objects.bulk_create(
        Presence(slug=f"{company.slug}-{city.slug}", company=company, city=city, kind="office")
        for company in companies
        for city in (hubs["beijing"], hubs["shenzhen"])
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "technology"},
        {"q": "tecnology", "city": "beijing", "sector": "drones", "kind": "chinese", "page": "2"},
    ],
)
def test_the_facets_cost_the_same_queries_for_20_or_220_companies(client, hubs, params):
    def count():
        with CaptureQueriesContext(connection) as queries:
            get(client, **params)
        return len(queries)

    populate(0, 20, hubs)
    small = count()
    populate(20, 220, hubs)
    assert count() == small == 8
