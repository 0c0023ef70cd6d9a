"""Prepared queries: SQL built once, the right rows for every value."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from companies.models import Company, Presence, Sector
from hubguide.publishing import published_q
from hubguide.sql import Prepared, PreparedSQL, Statement, named_placeholders, together
from tests.factories import (
    make_company,
    make_figure,
    make_policy,
    make_presence,
    make_sector,
    make_zone,
)

pytestmark = pytest.mark.django_db


class Counting:
    """``make`` for a Prepared, counting how often Django has to build the queryset."""

    def __init__(self, make):
        self.make, self.calls = make, 0

    def __call__(self, *values):
        self.calls += 1
        return self.make(*values)


def slugs(rows):
    return sorted(row.slug for row in rows)


def test_each_value_finds_its_own_rows_and_the_queryset_is_built_once_per_process(
    django_assert_num_queries,
):
    robots, chips = make_sector(name="Robots"), make_sector(name="Chips")
    first = make_company(sectors=[robots, chips])
    second = make_company(sectors=[chips])
    make = Counting(lambda pk: Sector.objects.filter(companies=pk).order_by("name"))
    sectors = Prepared(make)

    assert [s.name for s in sectors(first.pk)] == ["Chips", "Robots"]
    built = make.calls
    with django_assert_num_queries(1):
        assert [s.name for s in sectors(second.pk)] == ["Chips"]
    assert sectors(first.pk + second.pk + 100) == []
    assert make.calls == built


def test_rows_come_back_whole_as_model_instances():
    company = make_company(name="Tencent", name_zh="腾讯", founded=1998)
    by_slug = Prepared(lambda slug: Company.objects.filter(slug=slug))

    by_slug("no-such-company")
    (found,) = by_slug(company.slug)
    assert isinstance(found, Company)
    assert (found.pk, found.name, found.name_zh, found.founded, found.publish_at) == (
        company.pk,
        "Tencent",
        "腾讯",
        1998,
        company.publish_at,
    )
    assert found.is_published


def test_a_value_equal_to_another_parameter_replaces_only_its_own():
    """ "Alibaba" is a name asked for and the summary every company here has: the second
    call must change the name only."""
    alibaba = make_company(name="Alibaba", summary="Alibaba")
    tencent = make_company(name="Tencent", summary="Alibaba")
    make_company(name="Tencent", summary="Games")
    named = Prepared(lambda name: Company.objects.filter(name=name, summary="Alibaba"))

    assert slugs(named("Alibaba")) == [alibaba.slug]
    assert slugs(named("Tencent")) == [tencent.slug]


def test_a_lookup_that_transforms_its_value_still_finds_the_right_rows():
    """``icontains`` puts "%ten%" among the parameters, not "ten": nothing to swap, so
    each call is built as Django builds it."""
    tencent = make_company(name="Tencent")
    make_company(name="Baidu")
    containing = Prepared(lambda text: Company.objects.filter(name__icontains=text))

    assert slugs(containing("ten")) == [tencent.slug]
    assert slugs(containing("cent")) == [tencent.slug]
    assert slugs(containing("xyz")) == []


def test_a_value_of_another_type_gets_its_own_statement():
    company = make_company()
    by_pk = Prepared(lambda pk: Company.objects.filter(pk=pk))

    assert slugs(by_pk(company.pk)) == [company.slug]
    assert slugs(by_pk(str(company.pk))) == [company.slug]
    assert slugs(by_pk(company.pk)) == [company.slug]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's server-side prepared statements"
)
def test_a_page_asked_for_again_and_again_runs_statements_prepared_on_the_server(client, settings):
    """The company page's queries, the same statements each time, are parsed (and in the
    end planned) once per connection, not once per request."""
    settings.PAGE_CACHE_SECONDS = 0  # each request renders the page
    company = make_company(slug="repeat", sectors=[make_sector()])
    for _ in range(8):
        assert client.get(company.get_absolute_url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql = false")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("companies_company_sectors" in statement for statement in prepared), prepared


def test_deferred_fields_stay_deferred_and_annotations_come_back():
    company = make_company(name="Xiaomi", summary="Phones and more.")
    make_presence(company=company)
    named = Prepared(lambda pk: Company.objects.filter(pk=pk).only("slug", "name"))
    counted = Prepared(
        lambda pk: Company.objects.filter(pk=pk).annotate(presence_count=Count("presences"))
    )

    (found,) = named(company.pk)
    assert found.name == "Xiaomi"
    assert {"summary", "founded"} <= found.get_deferred_fields()
    assert found.summary == "Phones and more."  # read when asked for, as Django does
    (found,) = counted(company.pk)
    assert (found.name, found.presence_count) == ("Xiaomi", 1)


def test_rows_with_related_rows_come_back_whole_and_converted():
    """``select_related``: the presence, its hub and its company, with the company's
    publishing time a datetime (SQLite stores text) whatever the call."""
    later = timezone.now() + datetime.timedelta(days=1)
    first = make_presence(company=make_company(name="Baidu", publish_at=later))
    second = make_presence(company=make_company(name="Lenovo"))
    make = Counting(
        lambda pk: Presence.objects.filter(pk=pk).select_related("company", "city", "zone")
    )
    with_hub = Prepared(make)

    for presence in (first, second, first):
        (found,) = with_hub(presence.pk)
        assert (found.pk, found.company.name, found.city.name, found.zone) == (
            presence.pk,
            presence.company.name,
            presence.city.name,
            None,
        )
    assert found.company.publish_at == later
    assert not found.company.is_published
    assert with_hub(second.pk + first.pk + 100) == []
    assert make.calls == 2  # the first call's queryset, and one to find its parameters


def test_a_value_in_several_places_and_a_time_are_each_swapped_everywhere():
    launch = timezone.now()
    make_company(name="Alibaba", summary="Alibaba")
    soon = make_company(name="Alibaba", summary="Alibaba", publish_at=launch)
    make_company(name="Tencent", summary="Tencent")
    make = Counting(
        lambda name, now: Company.objects.filter(
            published_q(now=now), Q(name=name) | Q(summary=name)
        )
    )
    named = Prepared(make)

    assert len(named("Alibaba", launch - datetime.timedelta(seconds=1))) == 1
    assert len(named("Alibaba", launch)) == 2
    assert slugs(named("Tencent", launch)) == slugs(Company.objects.filter(name="Tencent"))
    assert named("Baidu", launch) == []
    assert soon.publish_at == launch
    assert make.calls == 2


def test_placeholders_are_numbered_in_order_and_a_literal_percent_stays():
    sql = "SELECT %s, 'a%%s', 100 %% 7 WHERE x = %s OR y LIKE %s"
    assert named_placeholders(sql) == (
        "SELECT %(p0)s, 'a%%s', 100 %% 7 WHERE x = %(p1)s OR y LIKE %(p2)s"
    )


def test_a_statement_with_a_literal_percent_gives_the_same_rows_each_time():
    """Bound by name on SQLite, by position elsewhere: the SQL's own ``%`` survive."""
    percent = PreparedSQL(
        lambda text, number: Statement(
            connection.alias, "SELECT %s || '%%s', 100 %% %s, %s", [text, number, text]
        )
    )

    for _ in range(2):
        assert percent("50", 7) == [("50%s", 2, "50")]
        assert percent("9", 9) == [("9%s", 1, "9")]


def test_queries_run_together_each_give_their_own_result_in_their_order(
    django_assert_num_queries,
):
    """A page's queries that need none of the others' results run together: the rows of
    each are those it would have found alone, whether a queryset's, a statement's or
    one without a prepared shape (run when asked, before the others)."""
    robots, chips = make_sector(name="Robots"), make_sector(name="Chips")
    company = make_company(name="DJI", sectors=[robots, chips])
    make_presence(company=company)
    sectors = Prepared(lambda pk: Sector.objects.filter(companies=pk).order_by("name"))
    names = PreparedSQL(
        lambda pk: Statement(
            connection.alias, "SELECT name FROM companies_company WHERE id = %s", [pk]
        )
    )
    unshaped = Prepared(lambda text: Company.objects.filter(name__icontains=text))
    presences = Prepared(lambda pk: Presence.objects.filter(company=pk).select_related("city"))
    together(sectors.pending(company.pk), names.pending(company.pk))  # shapes found

    with django_assert_num_queries(4):
        found = together(
            sectors.pending(company.pk),
            unshaped.pending("dj"),
            names.pending(company.pk),
            presences.pending(company.pk),
        )
    assert [sector.name for sector in found[0]] == ["Chips", "Robots"]
    assert slugs(found[1]) == [company.slug]
    assert found[2] == [("DJI",)]
    assert [presence.city.name for presence in found[3]] == [company.presences.get().city.name]
    assert together() == []


def company_page():
    company = make_company(sectors=[make_sector()])
    make_presence(company=company)
    return company.get_absolute_url()


def hub_page():
    zone = make_zone()
    make_figure(city=zone.city)
    make_policy(cities=[zone.city])
    make_presence(city=zone.city, zone=zone)
    return zone.city.get_absolute_url()


def zone_page():
    zone = make_zone()
    make_policy(zones=[zone])
    make_presence(city=zone.city, zone=zone)
    return zone.get_absolute_url()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipeline mode")
@pytest.mark.parametrize(
    ("make_page", "queries"),
    [(company_page, 4), (hub_page, 7), (zone_page, 5)],
    ids=["company", "hub", "zone"],
)
def test_on_postgresql_a_pages_queries_go_in_one_round_trip(client, settings, make_page, queries):
    """A company's, a hub's or a zone's page reads the row and everything it shows by the
    row's slug: the queries are sent to PostgreSQL together, in a pipeline, and wait for
    it once."""
    settings.PAGE_CACHE_SECONDS = 0
    url = make_page()
    pipelined = []

    def note(execute, sql, params, many, context):
        pipelined.append(context["connection"].connection.pgconn.pipeline_status != 0)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        assert client.get(url).status_code == 200
    assert pipelined == [True] * queries


def test_a_failing_query_run_together_is_a_database_error_and_the_connection_goes_on():
    sectors = Prepared(lambda pk: Sector.objects.filter(companies=pk))
    broken = PreparedSQL(
        lambda pk: Statement(connection.alias, "SELECT * FROM no_such_table WHERE id = %s", [pk])
    )
    company = make_company(sectors=[make_sector(name="Robots")])

    with pytest.raises(DatabaseError), transaction.atomic():
        together(sectors.pending(company.pk), broken.pending(company.pk))
    (found,) = together(sectors.pending(company.pk))
    assert [sector.name for sector in found] == ["Robots"]
