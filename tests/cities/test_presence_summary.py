"""The per-kind queries of a hub's page: compiled once, right for every kind."""

import pytest
from django.db import connection

from cities.views import _per_kind
from companies.models import Presence
from hubguide.sql import union_all
from tests.factories import make_presence

pytestmark = pytest.mark.django_db

KINDS = [Presence.Kind.OFFICE, Presence.Kind.FACTORY, Presence.Kind.RESEARCH_LAB]


def run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


@pytest.fixture
def presences():
    return [
        make_presence(kind=Presence.Kind.OFFICE),
        make_presence(kind=Presence.Kind.OFFICE, summary="office"),
        make_presence(kind=Presence.Kind.FACTORY, summary="office"),
        make_presence(kind=Presence.Kind.RESEARCH_LAB),
        make_presence(kind=Presence.Kind.HEADQUARTERS),
    ]


def counts(sql, params):
    return {kind: n for n, kind in run(sql, params)}


def test_the_kind_swapped_into_one_compiled_query_finds_each_kinds_rows(presences):
    def make(kind):
        return Presence.objects.filter(kind=kind).values("pk")

    found = run(*union_all(_per_kind(make, KINDS, "SELECT * FROM ({}) AS part")))
    assert found == sorted((p.pk,) for p in presences if p.kind in KINDS)
    template = "SELECT COUNT(*), %s FROM ({}) AS part"
    assert counts(*union_all(_per_kind(make, KINDS, template, kind_first=True))) == {
        "office": 2,
        "factory": 1,
        "research_lab": 1,
    }


def test_a_kind_whose_name_is_also_another_parameter_is_compiled_on_its_own(presences):
    """ "office" is a kind and a summary here: swapping it would change both."""

    def make(kind):
        return Presence.objects.filter(kind=kind, summary="office").values("pk")

    found = run(*union_all(_per_kind(make, KINDS, "SELECT * FROM ({}) AS part")))
    assert found == sorted((p.pk,) for p in presences[1:3])
