"""Company search: one function, ``search_companies(queryset, q)``, each database doing
its best behind it.

A query means the same on every database (:func:`parse_query`): words, "quoted
phrases", ``-excluded`` words and ``OR``, as in a web search engine. A company matches a
word or phrase when it occurs

* in its name or Chinese name, as a substring: "Ali" finds Alibaba, 腾讯 finds 腾讯科技;
* in its summary;
* in the name (English or Chinese) of one of its sectors or of a hub it is present in;
* or, for a word of four letters or more, when its name has a word one typo away:
  "Tencnet" and "Tencen" find Tencent.

Every word must match (each in any of these places), unless ``OR`` joins them.

How each database finds the rows (indexes made by migration 0004_search_index):

* PostgreSQL: the generated ``search_vector`` column (names weight A, summary weight B)
  against ``websearch_to_tsquery`` in the 'simple' and 'english' configurations, GIN
  trigram indexes for substrings of the names (ILIKE), and ``word_similarity`` through
  the trigram index for typos.
* SQLite: the FTS5 table ``companies_company_fts`` with the trigram tokenizer, which
  finds substrings of three characters or more in any script; shorter words (腾讯) fall
  back to LIKE on the names. Typos: names sharing two adjacent trigrams with the word,
  kept when they hold at least half of its trigrams.
* Anything else: case-insensitive substrings, no typos.

Each word is matched by one ``id IN (… UNION ALL …)`` subquery whose parts each use
their own index; the hub and sector parts start from those small tables.

``rank`` (higher is better) is a tier plus a text score below one: exact name 4, name
starting with the query 3, every word in the name 2, a name one typo away 1, otherwise 0
(a match in the summary, a sector or a hub). The text score is ``ts_rank`` on
PostgreSQL and ``bm25`` (names ten times the summary) on SQLite, so within a tier a
company whose own text holds the words comes first.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from itertools import pairwise
from operator import and_, or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connections
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Lookup,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Concat, Lower, Replace, Sign, StrIndex
from django.db.models.lookups import GreaterThanOrEqual

from cities.models import City
from companies.models import Company, Presence

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# FTS5's trigram tokenizer cannot look up anything shorter.
MIN_TRIGRAM_LENGTH = 3
MIN_TYPO_LENGTH = 4
# word_similarity() that counts as "one typo away": a swap of two letters in the
# middle of a seven-letter name ("Tencnet") scores exactly 0.5.
TYPO_SIMILARITY = 0.5

RANK_EXACT = 4
RANK_PREFIX = 3
RANK_NAME = 2
RANK_TYPO = 1
RANK_OTHER = 0
# The text score, below one, orders companies within a tier and never across tiers.
TEXT_SCORE_WEIGHT = 0.9

FTS_TABLE = "companies_company_fts"
BM25 = f"bm25({FTS_TABLE}, 10.0, 10.0, 1.0)"

_CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def normalise_query(text):
    """The query as searched: control characters (NUL included) become spaces, runs of
    whitespace one space, and the result is cut to ``MAX_QUERY_LENGTH`` characters."""
    if not text:
        return ""
    # Bound the work before looking at every character of a hostile query string.
    text = str(text)[: MAX_QUERY_LENGTH * 4]
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def has_cjk(text):
    return bool(_CJK.search(text))


@dataclass(frozen=True)
class Term:
    """A word or quoted phrase of a query; ``negated`` when written ``-word``."""

    text: str
    negated: bool = False
    phrase: bool = False

    @property
    def short(self):
        return len(self.text) < MIN_TRIGRAM_LENGTH

    @property
    def typo_tolerant(self):
        return (
            not self.phrase
            and not self.negated
            and len(self.text) >= MIN_TYPO_LENGTH
            and not has_cjk(self.text)
        )

    @property
    def websearch(self):
        """The term in ``websearch_to_tsquery`` syntax."""
        return f'"{self.text}"' if self.phrase else self.text

    @property
    def like(self):
        return "%" + self.text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"

    @property
    def trigrams(self):
        """The word's trigrams as PostgreSQL's pg_trgm makes them: lower case, padded
        with two spaces before and one after."""
        padded = f"  {self.text.lower()} "
        return sorted({padded[i : i + 3] for i in range(len(padded) - 2)})


def _clean(text):
    return " ".join(_EDGE_PUNCTUATION.sub("", text.replace('"', " ")).split())


def parse_query(q):
    """``q`` as a list of alternatives (``OR``), each a list of :class:`Term` that must
    all hold. Punctuation around words is dropped; what is left of a word of
    punctuation only is nothing. At most ``MAX_TERMS`` terms are kept."""
    groups, group, count = [], [], 0
    for match in _TOKEN.finditer(normalise_query(q)):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.upper() == "OR":
                if group:
                    groups.append(group)
                    group = []
                continue
            term = Term(_clean(word), negated=word.startswith("-"))
        else:
            term = Term(_clean(phrase), negated=bool(minus), phrase=True)
        if term.text and count < MAX_TERMS:
            group.append(term)
            count += 1
    if group:
        groups.append(group)
    return groups


# Pieces of SQL the ORM has no words for ------------------------------------------


class _ILike(Lookup):
    """``lhs ILIKE rhs``: unlike Django's ``icontains`` (``UPPER(x) LIKE UPPER(y)``) it can
    use a trigram index on the bare column."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


_SEARCH_VECTOR = SearchVectorField()
_SEARCH_VECTOR.set_attributes_from_name("search_vector")


class _SearchVector(Expression):
    """The ``search_vector`` column that migration 0004 adds on PostgreSQL, which the
    model has no field for, under whatever alias the company table has in the query."""

    def resolve_expression(self, query=None, *args, **kwargs):
        pk = F("pk").resolve_expression(query, *args, **kwargs)
        return Col(pk.alias, _SEARCH_VECTOR)


class _FTSScore(Expression):
    """SQLite: ``bm25`` of the company's row in the FTS table for ``match``, as a score
    from 0 (no match) towards 1."""

    output_field = FloatField()

    def __init__(self, match):
        super().__init__()
        self.match = match
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        score = (
            f"(SELECT -{BM25} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            f"AND {FTS_TABLE}.rowid = {pk_sql})"
        )
        return f"COALESCE({score} / (1.0 + {score}), 0.0)", (
            self.match,
            *pk_params,
            self.match,
            *pk_params,
        )


def _fts_string(text):
    """A string literal of the FTS5 query language: any text, matched as a substring."""
    return '"' + text.replace('"', '""') + '"'


def _fts_ids(match):
    return Company.objects.filter(
        pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (match,))
    )


def _typo_hits(term):
    """SQLite: how many of the word's pg_trgm-style trigrams the lower-cased name holds."""
    padded = Concat(Value("  "), Replace(Lower("name"), Value(" "), Value("   ")), Value(" "))
    return reduce(
        lambda total, hit: total + hit,
        (Sign(StrIndex(padded, Value(trigram))) for trigram in term.trigrams),
    )


def _typo_hits_needed(term):
    return math.ceil(len(term.trigrams) * TYPO_SIMILARITY)


# Backends ------------------------------------------------------------------------


class _Portable:
    """Case-insensitive substrings everywhere; no typo tolerance, no text score."""

    def text_matches(self, term):
        """Companies whose own text (names, summary) holds ``term``."""
        return Company.objects.filter(
            Q(name__icontains=term.text)
            | Q(name_zh__icontains=term.text)
            | Q(summary__icontains=term.text)
        )

    def typo_matches(self, term):
        """Companies with a word one typo from ``term`` in their name, or ``None``."""
        return None

    def typo_condition(self, term):
        return None

    def text_score(self, terms):
        return Value(0.0, output_field=FloatField())


class _PostgreSQL(_Portable):
    @staticmethod
    def tsquery(terms):
        # Names are indexed as they are ('simple'), summaries stemmed ('english'):
        # a word matches either way.
        return reduce(
            or_,
            (
                SearchQuery(term.websearch, config=config, search_type="websearch")
                for term in terms
                for config in ("simple", "english")
            ),
        )

    def text_matches(self, term):
        return Company.objects.alias(search_vector=_SearchVector()).filter(
            Q(search_vector=self.tsquery([term]))
            | Q(_ILike(F("name"), term.like))
            | Q(_ILike(F("name_zh"), term.like))
        )

    def typo_matches(self, term):
        return Company.objects.filter(
            pk__in=RawSQL("SELECT companies_company_name_like(%s)", (term.text,))
        )

    def typo_condition(self, term):
        return GreaterThanOrEqual(TrigramWordSimilarity(term.text, "name"), TYPO_SIMILARITY)

    def text_score(self, terms):
        # Normalisation 32: rank / (rank + 1), below one.
        return SearchRank(_SearchVector(), self.tsquery(terms), normalization=32)


class _SQLite(_Portable):
    def text_matches(self, term):
        if term.short:
            return Company.objects.filter(
                Q(name__icontains=term.text) | Q(name_zh__icontains=term.text)
            )
        return _fts_ids(_fts_string(term.text))

    def typo_matches(self, term):
        # Candidates from the index: names holding two adjacent trigrams of the word
        # (FTS5 indexes the text as it is, unpadded); kept when they hold enough of them.
        word = term.text.lower()
        inner = [word[i : i + 3] for i in range(len(word) - 2)]
        pairs = " OR ".join(f"({_fts_string(a)} AND {_fts_string(b)})" for a, b in pairwise(inner))
        return _fts_ids(f"name : ({pairs})").filter(self.typo_condition(term))

    def typo_condition(self, term):
        return GreaterThanOrEqual(_typo_hits(term), _typo_hits_needed(term))

    def text_score(self, terms):
        long_terms = [term for term in terms if not term.short]
        if not long_terms:
            return super().text_score(terms)
        return _FTSScore(" OR ".join(_fts_string(term.text) for term in long_terms))


def _backend(using):
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return _PostgreSQL()
    if vendor == "sqlite":
        return _SQLite()
    return _Portable()


# Matching and ranking --------------------------------------------------------------


def _sector_matches(term):
    return Company.sectors.through.objects.filter(
        Q(sector__name__icontains=term.text) | Q(sector__name_zh__icontains=term.text)
    ).values("company_id")


def _hub_matches(term, cities):
    return (
        Presence.objects.filter(city__in=cities.values("pk"))
        .filter(Q(city__name__icontains=term.text) | Q(city__name_zh__icontains=term.text))
        .values("company_id")
    )


def _term_condition(backend, term, cities):
    parts = [
        backend.text_matches(term).values("pk"),
        _sector_matches(term),
        _hub_matches(term, cities),
    ]
    if term.typo_tolerant:
        parts.append(backend.typo_matches(term).values("pk"))
    first, *rest = (part.order_by() for part in parts)
    condition = Q(pk__in=first.union(*rest, all=True))
    return ~condition if term.negated else condition


def search_filter(queryset, q, *, cities=None):
    """``queryset`` narrowed to the companies matching ``q`` (see the module's docstring).

    Hub names are matched only for presences in ``cities`` (default: the published
    ones), so a draft hub cannot be found by its name. An empty query keeps the
    queryset whole; a query with nothing to look for (only punctuation) matches nothing.
    """
    groups = parse_query(q)
    if not groups:
        return queryset.none() if normalise_query(q) else queryset
    backend = _backend(queryset.db)
    if cities is None:
        cities = City.objects.published()
    condition = reduce(
        or_,
        (
            reduce(and_, (_term_condition(backend, term, cities) for term in group))
            for group in groups
        ),
    )
    return queryset.filter(condition)


def search_rank(q, *, using="default"):
    """An expression: how well a company matches ``q``, higher is better (see above)."""
    groups = [[term for term in group if not term.negated] for group in parse_query(q)]
    groups = [group for group in groups if group]
    if not groups:
        return Value(float(RANK_OTHER), output_field=FloatField())
    backend = _backend(using)
    texts = [" ".join(term.text for term in group) for group in groups]
    terms = [term for group in groups for term in group]
    exact = reduce(or_, (Q(name__iexact=text) | Q(name_zh=text) for text in texts))
    prefix = reduce(
        or_, (Q(name__istartswith=text) | Q(name_zh__startswith=text) for text in texts)
    )
    in_name = reduce(
        or_,
        (
            reduce(and_, (Q(name__icontains=t.text) | Q(name_zh__icontains=t.text) for t in group))
            for group in groups
        ),
    )
    typos = [backend.typo_condition(term) for term in terms if term.typo_tolerant]
    tier = Case(
        When(exact, then=Value(RANK_EXACT)),
        When(prefix, then=Value(RANK_PREFIX)),
        When(in_name, then=Value(RANK_NAME)),
        *(When(typo, then=Value(RANK_TYPO)) for typo in typos if typo is not None),
        default=Value(RANK_OTHER),
        output_field=FloatField(),
    )
    return tier + backend.text_score(terms) * Value(TEXT_SCORE_WEIGHT)


def search_companies(queryset, q, *, cities=None):
    """``queryset`` narrowed to companies matching ``q``, annotated with ``rank``.

    Each company appears once (every condition is a subquery, never a join). An empty
    query keeps the queryset whole, with rank 0 everywhere.
    """
    return search_filter(queryset, q, cities=cities).annotate(
        rank=search_rank(q, using=queryset.db)
    )
