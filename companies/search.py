"""Company search, behind one function so each database backend can get its own later.

For now every backend runs the same portable query: each word of the query must occur
(case-insensitively, as a substring, so Chinese needs no word splitting) in the name,
the Chinese name, the summary, a sector's name or the name of a hub the company is
present in. Matches are ranked by how well the whole query matches the name.
"""

import unicodedata

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from cities.models import City
from companies.models import Company, Presence

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8

RANK_EXACT = 3
RANK_PREFIX = 2
RANK_NAME = 1
RANK_OTHER = 0


def normalise_query(text):
    """The query as searched: control characters (NUL included) become spaces, runs of
    whitespace one space, and the result is cut to ``MAX_QUERY_LENGTH`` characters."""
    if not text:
        return ""
    # Bound the work before looking at every character of a hostile query string.
    text = str(text)[: MAX_QUERY_LENGTH * 4]
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def _term_condition(term, cities):
    in_sector = Exists(
        Company.sectors.through.objects.filter(company_id=OuterRef("pk")).filter(
            Q(sector__name__icontains=term) | Q(sector__name_zh__icontains=term)
        )
    )
    in_city = Exists(
        Presence.objects.filter(company_id=OuterRef("pk"), city__in=cities).filter(
            Q(city__name__icontains=term) | Q(city__name_zh__icontains=term)
        )
    )
    return (
        Q(name__icontains=term)
        | Q(name_zh__icontains=term)
        | Q(summary__icontains=term)
        | Q(in_sector)
        | Q(in_city)
    )


def search_companies(queryset, q, *, cities=None):
    """``queryset`` narrowed to companies matching ``q``, annotated with an integer ``rank``.

    Rank: exact name (English or Chinese) > name starts with the query > name contains
    it > a match elsewhere. Each company appears once (the conditions are subqueries,
    not joins). Hub names are matched only for presences in ``cities`` (default: the
    published ones), so a draft hub cannot be found by its name. An empty query keeps
    the queryset whole, with rank 0 everywhere.
    """
    q = normalise_query(q)
    if not q:
        return queryset.annotate(rank=Value(RANK_OTHER, output_field=IntegerField()))
    if cities is None:
        cities = City.objects.published()
    for term in q.split()[:MAX_TERMS]:
        queryset = queryset.filter(_term_condition(term, cities))
    rank = Case(
        When(Q(name__iexact=q) | Q(name_zh=q), then=Value(RANK_EXACT)),
        When(Q(name__istartswith=q) | Q(name_zh__startswith=q), then=Value(RANK_PREFIX)),
        When(Q(name__icontains=q) | Q(name_zh__contains=q), then=Value(RANK_NAME)),
        default=Value(RANK_OTHER),
        output_field=IntegerField(),
    )
    return queryset.annotate(rank=rank)
