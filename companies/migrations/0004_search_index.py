"""The directory's search indexes: see companies/search_schema.py."""

from django.db import migrations

from companies.search_schema import STATEMENTS, VendorSQL


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0003_image_dimensions"),
    ]

    operations = [
        VendorSQL(STATEMENTS),
    ]
