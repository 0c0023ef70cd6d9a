from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self):
        from companies.search_schema import restore_sqlite_triggers

        # After every migrate and flush: see companies/search_schema.py.
        post_migrate.connect(
            restore_sqlite_triggers, sender=self, dispatch_uid="companies_fts_triggers"
        )
