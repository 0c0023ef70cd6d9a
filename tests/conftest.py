import pytest
from django.core.management import call_command


@pytest.fixture
def article(db):
    """The real content: the fixtures as rebuild_db loads them."""
    call_command("rebuild_db", "--no-migrate", verbosity=0)
