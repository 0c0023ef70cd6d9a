import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached in one never leaks into another."""
    cache.clear()


@pytest.fixture
def article(db):
    """The real content: the fixtures as rebuild_db loads them."""
    call_command("rebuild_db", "--no-migrate", verbosity=0)
