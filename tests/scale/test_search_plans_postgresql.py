"""A search that names a big sector stays fast on PostgreSQL at scale: the query walks the
companies and looks up each one's own sector links, rather than hashing every link of the
sector first (80,000 at 500,000 companies: 50–100 ms before the first row).

PostgreSQL chooses by its statistics, so the tables get enough rows to make hashing look
worth it, and ANALYZE.
"""

import pytest
from django.db import connection

from companies.filters import ORDERINGS
from companies.models import Company
from companies.search import search_condition
from hubguide.publishing import Status
from hubguide.sql import compiled
from tests.factories import make_sector

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]


def plan(queryset):
    sql, params = compiled(queryset)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_search_naming_a_big_sector_does_not_hash_the_whole_sector_first():
    drones = make_sector(slug="drones", name="Drones")
    others = make_sector(slug="telecoms", name="Telecoms")
    companies = Company.objects.bulk_create(
        Company(
            slug=f"maker-{n:05}",
            name=f"Maker {n:05}",
            kind=Company.Kind.CHINESE,
            summary="Makes things.",
            status=Status.PUBLISHED,
        )
        for n in range(20_000)
    )
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
