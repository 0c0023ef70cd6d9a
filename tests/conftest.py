import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command

# The admin's models are registered with the URLconf (hubguide.apps.AdminConfig), as on
# a served site; tests that read the registry directly find them there too.
admin.autodiscover()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached in one never leaks into another."""
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    """A MEDIA_ROOT of the test's own: what it uploads and draws lands there."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def article(db):
    """The real content: the fixtures as rebuild_db loads them."""
    call_command("rebuild_db", "--no-migrate", verbosity=0)
