"""Facet counts beside the directory's hub, sector and kind choices: each count is the
number of companies that choosing it would show, with the search and every other
filter kept."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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


@pytest.fixture
def small_limits(monkeypatch):
    """Count, rank and count facets up to 5 companies (of the nine)."""
    for module in ("companies.filters", "companies.views"):
        monkeypatch.setattr(f"{module}.COUNT_LIMIT", 5)


def test_a_result_too_big_to_count_says_so_and_pages_up_to_the_limit(client, hubs, small_limits):
    response = get(client)
    page = response.content.decode()
    assert response.context["count_capped"]
    assert "More than 5 companies" in page
    assert "Add a word or a filter to see how many there are." in page
    assert "9 companies" not in page
    assert shown_counts(response, "city") == {}
    assert "appears beside it when there are at most 5 to count" in page
    assert "Download all:" in page
    assert len(response.context["companies"]) == 5  # pages go as far as the count


def test_a_capped_result_keeps_its_pages_up_to_the_limit(client, hubs, monkeypatch):
    monkeypatch.setattr("companies.filters.COUNT_LIMIT", 5)
    monkeypatch.setattr("companies.views.COUNT_LIMIT", 5)
    monkeypatch.setattr("companies.views.DirectoryView.paginate_by", 2)
    first, last = get(client), get(client, page="3")
    assert "of more than 5, page 1 of the first 3" in first.content.decode()
    assert len(last.context["companies"]) == 1
    seen = [c.slug for n in ("1", "2", "3") for c in get(client, page=n).context["companies"]]
    assert len(seen) == len(set(seen)) == 5
    beyond = get(client, page="4")
    assert "here is page 3, the last" in beyond.content.decode()


def test_a_narrowed_result_has_its_exact_size_and_the_facets_that_fit(client, hubs, small_limits):
    """Four companies in Shenzhen: counted exactly, with sector and kind counts; the
    hub facet, which leaves the hub out, would count all nine and is not shown."""
    response = get(client, city="shenzhen")
    assert result_count(response) == 4
    assert not response.context["count_capped"]
    assert shown_counts(response, "city") == {}
    assert sum(shown_counts(response, "kind").values()) == 4


def test_a_facet_that_would_count_too_many_is_left_out(client, hubs, small_limits):
    """Two state-owned companies; the kind facet, without its own filter, counts nine."""
    response = get(client, kind="state_owned")
    assert result_count(response) == 2
    assert shown_counts(response, "kind") == {}
    assert shown_counts(response, "sector") == {"drones": 0, "software": 0, "telecoms": 1}


def test_a_search_too_big_to_rank_is_listed_by_name_and_says_so(client, hubs, monkeypatch):
    monkeypatch.setattr("companies.filters.COUNT_LIMIT", 2)
    monkeypatch.setattr("companies.views.COUNT_LIMIT", 2)
    response = get(client, q="technology")
    page = response.content.decode()
    assert "More than 2 companies matching “technology”" in page
    names = [company.name for company in response.context["companies"]]
    assert names == sorted(names, key=str.lower)
    assert "Too many companies match to put the best matches first: they are listed by name" in page
    assert '<option value="name" selected>' in page
    assert response.context["filter"].sort_order == "name"


def test_staff_are_told_how_many_published_companies_the_export_holds(
    client, hubs, django_user_model
):
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    page = get(client, sector="drones").content.decode()
    assert "2 companies" in page
    assert "Drafts are not exported. Download the 1 published:" in page


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
    ("params", "expected"),
    [
        # The hub, sector and zone choices, the count with the facets, the page, its
        # sectors and its hubs.
        ({}, 7),
        ({"q": "technology"}, 7),
        # A word found nowhere as written is counted again with typo tolerance.
        ({"q": "tecnology", "city": "beijing", "sector": "drones", "page": "2"}, 8),
    ],
)
def test_the_facets_cost_the_same_queries_for_20_or_220_companies(client, hubs, params, expected):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = get(client, **params)
        assert response.context["companies"]
        return len(queries)

    populate(0, 20, hubs)
    small = count()
    populate(20, 220, hubs)
    assert count() == small == expected


class TestPreparedSummary:
    """Without a search, the summary's SQL is built once per set of filters and audience,
    then bound to the values chosen and the time now."""

    @pytest.fixture
    def built(self, monkeypatch):
        """How often the summary's SQL is built."""
        calls = []
        build = filters.CompanyFilter.summary_statement

        def summary_statement(filterset, **kwargs):
            calls.append(kwargs)
            return build(filterset, **kwargs)

        monkeypatch.setattr(filters.CompanyFilter, "summary_statement", summary_statement)
        monkeypatch.setattr(
            filters,
            "SUMMARIES",
            filters.PreparedFamily(filters.PreparedSQL, filters.summary_statement_for),
        )
        return calls

    def test_other_values_of_the_same_filters_need_no_new_sql(self, client, hubs, built):
        beijing = get(client, city="beijing", sector="software")
        assert result_count(beijing) == 4
        assert shown_counts(beijing, "kind") == {"chinese": 3, "multinational": 1, "state_owned": 0}
        first = len(built)
        shenzhen = get(client, city="shenzhen", sector="telecoms")
        assert len(built) == first  # bound to other values, not built again
        assert result_count(shenzhen) == 2
        assert shown_counts(shenzhen, "city") == {"beijing": 1, "shenzhen": 2, "hangzhou": 1}
        assert shown_counts(shenzhen, "sector") == {"drones": 1, "software": 2, "telecoms": 2}
        get(client, city="shenzhen")  # another set of filters: SQL of its own
        assert len(built) > first

    def test_the_time_is_a_parameter_not_built_into_the_sql(self, client, hubs, built, monkeypatch):
        """A company published for later counts once its time has come, with the same SQL."""
        launch = timezone.now() + datetime.timedelta(days=1)
        later = make_company(slug="later", name="Later", kind="chinese", publish_at=launch)
        make_presence(company=later, city=hubs["beijing"])
        assert result_count(get(client, city="beijing", kind="chinese")) == 3
        first = len(built)
        monkeypatch.setattr(timezone, "now", lambda: launch + datetime.timedelta(minutes=1))
        response = get(client, city="beijing", kind="chinese")
        assert result_count(response) == 4
        assert shown_counts(response, "city")["beijing"] == 4
        assert len(built) == first

    def test_staff_and_visitors_each_get_their_own(self, client, hubs, built, django_user_model):
        assert shown_counts(get(client, sector="drones"), "city") == {
            "beijing": 0,
            "shenzhen": 1,
            "hangzhou": 0,
        }
        client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
        response = get(client, sector="drones")
        assert result_count(response) == 2  # the draft too
        assert shown_counts(response, "city")["shenzhen"] == 2
        assert response.context["filter"].published_count == 1
