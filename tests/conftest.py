import pytest
from django.core.cache import cache
from django.core.management import call_command


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
