"""The editors' groups: see companies/roles.py."""

from django.db import migrations

from companies.roles import create_groups, remove_groups


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cities", "0001_initial"),
        ("companies", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
