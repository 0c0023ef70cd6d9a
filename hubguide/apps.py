from django.apps import AppConfig
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
