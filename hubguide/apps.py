from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class HubguideConfig(AppConfig):
    name = "hubguide"
    verbose_name = _("hubguide")
    default = True

    def ready(self):
        from hubguide import cache

        # Every connection, in every thread, gets the hook that keeps cached pages current.
        connection_created.connect(cache.install_write_hook, dispatch_uid="hubguide.cache")


class AdminConfig(SimpleAdminConfig):
    """The admin, whose ``admin.py`` modules are imported with the URLconf
    (``hubguide.urls`` calls ``autodiscover``) or its checks, not as Django starts: a
    command that serves no page, such as ``rebuild_db``, then imports neither them nor
    what they import (import-export's spreadsheet formats: openpyxl alone costs about a
    tenth of a second, a quarter of Django's start-up)."""

    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_registered_admins, checks.Tags.admin)


def check_registered_admins(app_configs, **kwargs):
    """Django's checks of every registered ``ModelAdmin``, once they are all registered
    (checks run in no set order: the URLconf's may come after)."""
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)
