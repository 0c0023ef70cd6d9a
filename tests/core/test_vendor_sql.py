"""The migrations' SQL for each database vendor (companies.search_schema.VendorSQL)."""

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState

from companies.search_schema import VendorSQL

# SQLite opens a schema editor outside a transaction only.
pytestmark = pytest.mark.django_db(transaction=True)


def collected_sql(operation, direction):
    """The SQL ``operation`` runs on this database, ``"forwards"`` or ``"backwards"``."""
    state = ProjectState()
    with connection.schema_editor(collect_sql=True) as editor:
        getattr(operation, f"database_{direction}")("companies", editor, state, state)
    return [sql.rstrip(";") for sql in editor.collected_sql]


def test_it_runs_this_vendors_statements_forwards_and_backwards_and_no_others():
    operation = VendorSQL(
        {
            connection.vendor: (["SELECT 1", "SELECT 2"], ["SELECT 3"]),
            "some other vendor": (["DROP TABLE everything"], ["DROP TABLE the rest"]),
        }
    )
    assert collected_sql(operation, "forwards") == ["SELECT 1", "SELECT 2"]
    assert collected_sql(operation, "backwards") == ["SELECT 3"]


def test_a_vendor_it_has_no_statements_for_gets_none():
    operation = VendorSQL({"some other vendor": (["DROP TABLE everything"], [])})
    assert collected_sql(operation, "forwards") == []
    assert collected_sql(operation, "backwards") == []
