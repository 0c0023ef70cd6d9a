from django.db import migrations

from companies import search_schema


class Migration(migrations.Migration):
    """A bounded pending list for the search's GIN indexes (PostgreSQL only): see
    companies.search_schema.GIN_PENDING_LIST_KB."""

    dependencies = [
        ("companies", "0010_order_indexes_with_literals"),
    ]

    operations = [
        search_schema.VendorSQL(search_schema.PENDING_LIST_STATEMENTS),
    ]
