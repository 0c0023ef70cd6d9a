"""The orders that pages read a few rows of are served by an index, never by sorting
everything first: what keeps a hub's page and the directory fast at 500,000 companies.

Checked on SQLite, whose plans do not depend on table statistics; on PostgreSQL the
benchmark shows it (``manage.py bench``).
"""

import pytest
from django.db import connection

from companies.filters import ORDERINGS
from companies.models import NOTABLE_ORDER, Company, Presence
from hubguide.sql import compiled
from tests.factories import make_city

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


def plan(queryset):
    sql, params = compiled(queryset)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " / ".join(row[-1] for row in cursor.fetchall())


def test_a_hubs_most_notable_presences_are_read_in_order():
    city = make_city()
    queryset = Presence.objects.filter(city=city, kind=Presence.Kind.OFFICE).order_by(
        *NOTABLE_ORDER
    )[:6]
    found = plan(queryset)
    assert "presence_city_notable_idx" in found
    assert "TEMP B-TREE" not in found


@pytest.mark.parametrize("order", ["name", "founded", "-founded"])
def test_the_directorys_orders_are_read_in_order(order):
    found = plan(Company.objects.order_by(*ORDERINGS[order])[:20])
    assert "TEMP B-TREE" not in found
