"""Query plans that keep a hub's page and the directory fast at 500,000 companies.

The orders that pages read a few rows of are served by an index, never by sorting
everything first: checked on SQLite, whose plans do not depend on table statistics; on
PostgreSQL the benchmark shows it (``manage.py bench``).

A search that names a big sector walks the companies and looks up each one's own sector
links, rather than hashing every link of the sector first (80,000 at 500,000 companies:
50–100 ms before the first row): checked on PostgreSQL, which chooses by its statistics,
so the tables get enough rows to make hashing look worth it, and ANALYZE.
"""

import pytest
from django.db import connection

from companies.filters import ORDERINGS
from companies.models import NOTABLE_ORDER, Company, Presence
from companies.search import search_condition
from hubguide.sql import compiled
from tests.factories import make_city, make_companies, make_sector

pytestmark = pytest.mark.django_db
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's query plans"
)


def plan(queryset):
    sql, params = compiled(queryset)
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}", params)
        return " / ".join(str(row[-1]) for row in cursor.fetchall())


@on_sqlite
def test_a_hubs_most_notable_presences_are_read_in_order():
    city = make_city()
    queryset = Presence.objects.filter(city=city, kind=Presence.Kind.OFFICE).order_by(
        *NOTABLE_ORDER
    )[:6]
    found = plan(queryset)
    assert "presence_city_notable_idx" in found
    assert "TEMP B-TREE" not in found


@on_sqlite
@pytest.mark.parametrize("order", ["name", "founded", "-founded"])
def test_the_directorys_orders_are_read_in_order(order):
    found = plan(Company.objects.order_by(*ORDERINGS[order])[:20])
    assert "TEMP B-TREE" not in found


@on_postgresql
def test_a_search_naming_a_big_sector_does_not_hash_the_whole_sector_first():
    drones = make_sector(slug="drones", name="Drones")
    others = make_sector(slug="telecoms", name="Telecoms")
    companies = make_companies(20_000, "Maker")
    links = Company.sectors.through
    links.objects.bulk_create(
        links(company=company, sector=drones if n % 3 else others)
        for n, company in enumerate(companies)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    condition = search_condition("drones", hubs=[], sectors=[drones, others])

    first_page = Company.objects.filter(condition).order_by(*ORDERINGS["name"])[:20]

    found = plan(first_page)
    assert "hashed SubPlan" not in found, found
    assert len(first_page) == 20
