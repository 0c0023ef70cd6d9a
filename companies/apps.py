import re
from importlib import import_module

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

SEARCH_MIGRATION = "companies.migrations.0004_search_index"
CREATED_NAME = re.compile(r"CREATE\s+(?:TRIGGER|INDEX)\s+(\w+)", re.IGNORECASE)


def restore_sqlite_search_index(using="default", **kwargs):
    """Put back the FTS5 triggers and index that a later migration's table remake dropped.

    On SQLite, Django alters a column by copying the table, which loses the triggers
    and indexes the model does not know about (migration 0004 creates them with raw
    SQL). Any missing one is created again after each ``migrate``, and the full-text
    index rebuilt from the table so it misses nothing written meanwhile.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    statements = import_module(SEARCH_MIGRATION).SQLITE_FORWARD
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'companies_company_fts'")
        if cursor.fetchone() is None:
            return  # migration 0004 not applied (yet, or rolled back)
        cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'companies_company'")
        present = {row[0] for row in cursor.fetchall()}
        missing = [
            sql
            for sql in statements
            if (match := CREATED_NAME.search(sql)) and match.group(1) not in present
        ]
        for sql in missing:
            cursor.execute(sql)
        if missing:
            cursor.execute(
                "INSERT INTO companies_company_fts (companies_company_fts) VALUES ('rebuild')"
            )


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self):
        post_migrate.connect(restore_sqlite_search_index, sender=self)
