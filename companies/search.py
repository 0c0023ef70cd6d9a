"""Company search: one function, ``search_companies(queryset, q)``, with each database
doing its best behind it.

A query means the same on every database (:func:`parse_query`): words, "quoted
phrases", ``-excluded`` words and ``OR``, as in a web search engine. A company matches a
word or phrase when it occurs

* in its name or Chinese name, as a substring: "Ali" finds Alibaba, 腾讯 finds 腾讯科技;
* in its summary;
* in the name (English or Chinese) of one of its sectors, or of a hub it is present in.

Every word must match (each anywhere), unless ``OR`` separates them. A word of five
letters or more that matches nothing as written matches names with a word one typo
away: "Tencnet" finds Tencent.

How each database finds the rows (indexes in companies/search_schema.py):

* PostgreSQL: the generated ``search_vector`` column (names weight A, pairs of Chinese
  characters C, summary B, stemmed) against ``websearch_to_tsquery`` in the 'simple'
  and 'english' configurations, and GIN trigram indexes for substrings of the names
  (ILIKE). Typos: ``strict_word_similarity``.
* SQLite: the FTS5 table ``companies_company_fts`` with the trigram tokenizer, which
  finds substrings of three characters or more in any script; shorter words (腾讯)
  fall back to LIKE on the names. Typos: the same trigram similarity, word by word,
  in a function registered on each connection.
* Anything else: case-insensitive substrings, no typos.

Hub and sector names are matched in Python against rows the caller has already read
(small tables); the companies present in a matching hub, or in a matching sector, are
found by EXISTS tests on each row, so that a query can stop at its first page.

``rank``, higher is better, is a tier plus a text score below one: exact name 4, name
starting with the query 3, every word in the name 2, a name one typo away 1, otherwise 0
(the summary, a sector or a hub). The text score is ``ts_rank`` on PostgreSQL and
``bm25`` (names ten times the summary) on SQLite: within a tier, the company whose own
text holds the words comes first.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramStrictWordSimilarity,
)
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Func,
    Lookup,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Col, RawSQL
from django.db.models.lookups import GreaterThanOrEqual, IsNull

from cities.models import City
from companies.models import Company, Presence, Sector
from hubguide.sql import compiled

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# FTS5's trigram tokenizer finds nothing shorter; neither can a trigram index.
MIN_TRIGRAM_LENGTH = 3
MIN_TYPO_LENGTH = 5
# Trigram similarity (shared / all distinct trigrams, pg_trgm's measure) between the
# word searched for and a word of the name: a swap of two letters in a seven-letter
# name ("Tencnet") scores 0.33, an unrelated name sharing a syllable under 0.25.
TYPO_SIMILARITY = 0.3

RANK_EXACT = 4
RANK_PREFIX = 3
RANK_NAME = 2
RANK_TYPO = 1
RANK_OTHER = 0
# The text score, below one, orders companies within a tier and never across tiers.
TEXT_SCORE_WEIGHT = 0.9

FTS_TABLE = "companies_company_fts"
BM25 = f"bm25({FTS_TABLE}, 10.0, 10.0, 1.0)"
SQLITE_SIMILARITY_FUNCTION = "companies_word_similarity"

_CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_WORD = re.compile(r"[^\W_]+")


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
    def cjk(self):
        return has_cjk(self.text)

    @property
    def typo_tolerant(self):
        return (
            not self.phrase
            and not self.negated
            and len(self.text) >= MIN_TYPO_LENGTH
            and not self.cjk
            and " " not in self.text
        )

    @property
    def websearch(self):
        """The term in ``websearch_to_tsquery`` syntax."""
        return f'"{self.text}"' if self.phrase else self.text

    def like(self, *parts):
        """A LIKE pattern: ``parts`` (default: the whole term), in order, anywhere."""
        escaped = (
            part.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            for part in (parts or (self.text,))
        )
        return "%" + "%".join(escaped) + "%"

    def typo_chunks(self):
        """What a name one typo away from the word still holds: the first four letters,
        the last four, or the first three and the last three in order. (A swap of the
        fourth and fifth letters of "tencent" keeps "tenc".)"""
        word = self.text.lower()
        return [(word[:4],), (word[-4:],), (word[:3], word[-3:])]


def _clean(text):
    return " ".join(_EDGE_PUNCTUATION.sub("", text.replace('"', " ")).split())


def parse_query(q):
    """``q`` as a list of alternatives (``OR``), each a list of :class:`Term` that must
    all hold. Punctuation around words is dropped, and with it a word that is nothing
    but punctuation. At most ``MAX_TERMS`` terms are kept."""
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


# Trigram similarity, word by word (pg_trgm's definition) ---------------------------


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def word_similarity(query, text):
    """The best trigram similarity between ``query`` and a word of ``text``."""
    if not query or not text:
        return 0.0
    wanted = _trigrams(query.lower())
    best = 0.0
    for word in _WORD.findall(text.lower()):
        found = _trigrams(word)
        best = max(best, len(wanted & found) / len(wanted | found))
    return best


def register_sqlite_functions(connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_SIMILARITY_FUNCTION, 2, word_similarity, deterministic=True
        )


connection_created.connect(register_sqlite_functions)


# Pieces of SQL the ORM has no words for --------------------------------------------


class _ILike(Lookup):
    """``lhs ILIKE rhs``: unlike Django's ``icontains`` (``UPPER(x) LIKE UPPER(y)``), it
    can use a trigram index on the bare column."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


class _Like(_ILike):
    """``lhs LIKE rhs ESCAPE '\\'``: on SQLite, case-insensitive for ASCII letters."""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", (*lhs_params, *rhs_params)


_SEARCH_VECTOR = SearchVectorField()
_SEARCH_VECTOR.set_attributes_from_name("search_vector")


class _SearchVector(Expression):
    """The ``search_vector`` column migration 0004 adds on PostgreSQL, which the model
    has no field for, under whatever alias the company table has in the query."""

    def resolve_expression(self, query=None, *args, **kwargs):
        pk = F("pk").resolve_expression(query, *args, **kwargs)
        return Col(pk.alias, _SEARCH_VECTOR)


class _FTSScore(Expression):
    """SQLite: the company's ``bm25`` in the FTS table for ``match``, from 0 (no match)
    towards 1."""

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
        # The scores are materialised once per statement: bm25() evaluated row by row in
        # a correlated subquery would read the whole index for every company.
        sql = (
            f"COALESCE((WITH scores AS MATERIALIZED ("
            f"SELECT rowid AS id, -{BM25} AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
            f") SELECT score / (1.0 + score) FROM scores WHERE scores.id = {pk_sql}), 0.0)"
        )
        return sql, (self.match, *pk_params)


class _WordSimilarity(Func):
    function = SQLITE_SIMILARITY_FUNCTION
    output_field = FloatField()


def _fts_string(text):
    """A string in the FTS5 query language: matched as a substring, whatever it holds."""
    return '"' + text.replace('"', '""') + '"'


def _fts_ids(match, *, unless=None):
    """SQL for the ids of the rows of the FTS table matching ``match``; none at all when
    the queryset ``unless`` has a row (tested first: the index is then not read)."""
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
    params = (match,)
    if unless is not None:
        unless = unless.order_by().values("pk")
        unless_sql, unless_params = compiled(unless)
        sql = (
            f"SELECT rowid FROM {FTS_TABLE} "
            f"WHERE NOT EXISTS ({unless_sql}) AND {FTS_TABLE} MATCH %s"
        )
        params = (*unless_params, match)
    return RawSQL(sql, params)


# Backends ------------------------------------------------------------------------


class _Portable:
    """Case-insensitive substrings everywhere; no typo tolerance, no text score."""

    supports_typos = False

    def text_condition(self, term):
        """A condition on companies: their own text (names, summary) holds ``term``."""
        return (
            Q(name__icontains=term.text)
            | Q(name_zh__icontains=term.text)
            | Q(summary__icontains=term.text)
        )

    def typo_matches(self, term, unless):
        """The ids of companies with a word one typo from ``term`` in their name, none
        when the queryset ``unless`` has a row (``supports_typos`` only)."""
        raise NotImplementedError

    def typo_condition(self, term):
        return None

    def text_score(self, terms):
        return Value(0.0, output_field=FloatField())


class _PostgreSQL(_Portable):
    supports_typos = True

    @staticmethod
    def tsquery(terms):
        # Names are in the vector as they are ('simple'), summaries stemmed ('english').
        return reduce(
            or_,
            (
                SearchQuery(term.websearch, config=config, search_type="websearch")
                for term in terms
                for config in ("simple", "english")
            ),
        )

    def text_condition(self, term):
        condition = Q(SearchVectorExact(_SearchVector(), self.tsquery([term])))
        if term.cjk and len(term.text) == 2:
            return condition  # a pair of Chinese characters is a word of the vector
        condition |= Q(_ILike(F("name_zh"), term.like()))
        if not term.cjk:
            condition |= Q(_ILike(F("name"), term.like()))
        return condition

    def typo_matches(self, term, unless):
        unless = unless.order_by().values("pk")
        unless_sql, unless_params = compiled(unless)
        chunks = [term.like(*chunk) for chunk in term.typo_chunks()]
        # The words as written are looked for first, in full (MATERIALIZED): as
        # "NOT EXISTS (… LIMIT 1)" the planner would scan the whole table for them,
        # expecting to meet one soon, and most typos have none. The trigram index is
        # read only when there is none.
        sql = (
            f"WITH written AS MATERIALIZED ({unless_sql}) "
            f"SELECT id FROM companies_company WHERE NOT EXISTS (SELECT 1 FROM written) "
            f"AND ({' OR '.join(['name ILIKE %s'] * len(chunks))}) "
            f"AND strict_word_similarity(%s, name) >= %s"
        )
        return Company.objects.filter(
            pk__in=RawSQL(sql, (*unless_params, *chunks, term.text, TYPO_SIMILARITY))
        ).values("pk")

    def typo_condition(self, term):
        return GreaterThanOrEqual(TrigramStrictWordSimilarity(term.text, "name"), TYPO_SIMILARITY)

    def text_score(self, terms):
        # Normalisation 32: rank / (rank + 1), below one.
        return SearchRank(_SearchVector(), self.tsquery(terms), normalization=32)


class _SQLite(_Portable):
    supports_typos = True

    def text_condition(self, term):
        if not term.short:
            return Q(pk__in=_fts_ids(_fts_string(term.text)))
        condition = Q(_Like(F("name_zh"), term.like()))
        if not term.cjk:
            condition |= Q(_Like(F("name"), term.like()))
        return condition

    def typo_matches(self, term, unless):
        chunks = " OR ".join(
            "(" + " AND ".join(_fts_string(part) for part in chunk) + ")"
            for chunk in term.typo_chunks()
        )
        return (
            Company.objects.filter(pk__in=_fts_ids(f"name : ({chunks})", unless=unless))
            .filter(self.typo_condition(term))
            .values("pk")
        )

    def typo_condition(self, term):
        return GreaterThanOrEqual(_WordSimilarity(Value(term.text), "name"), TYPO_SIMILARITY)

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


def _named(rows, term):
    """The ids of ``rows`` (hubs, sectors) whose name or Chinese name holds ``term``."""
    needle = term.text.casefold()
    return [
        row.pk
        for row in rows
        if needle in row.name.casefold() or needle in (row.name_zh or "").casefold()
    ]


def _has_one(rows):
    """Whether the correlated ``rows`` hold one, as the first row's id IS NOT NULL.

    Not EXISTS: beside a text match in an OR, PostgreSQL answers EXISTS by hashing every
    row of the set first — the 80,000 links of a sector at 500,000 companies, 50–100 ms
    — even when the page stops after a hundred companies. A subquery that returns a
    value is run per company instead, through the index of the company's own rows.
    """
    return IsNull(Subquery(rows.values("pk")[:1]), False)


def _term_condition(backend, term, hubs, sectors, scope, typos):
    """The condition of one term, on the company row.

    The text indexes answer the names and summary. A word that names hubs or sectors
    also matches the companies in them: a test of the company's own presences or
    sectors (see :func:`_has_one`), for those are large sets (every company of a hub),
    so the query should walk the companies, stopping at the first page or at the
    count's limit, rather than gather every id of the set first.
    """
    text = backend.text_condition(term)
    hub_ids, sector_ids = _named(hubs, term), _named(sectors, term)
    if hub_ids or sector_ids:
        condition = text
        if hub_ids:
            presences = Presence.objects.filter(city_id__in=hub_ids, company_id=OuterRef("pk"))
            condition |= Q(_has_one(presences))
        if sector_ids:
            links = Company.sectors.through.objects.filter(
                sector_id__in=sector_ids, company_id=OuterRef("pk")
            )
            condition |= Q(_has_one(links))
    elif typos and term.typo_tolerant and backend.supports_typos:
        # Typos only for a word that finds nothing as written: never noise beside the
        # real matches, and the index searched for them only when it is needed.
        typos = backend.typo_matches(term, unless=scope.filter(text))
        written = Company.objects.filter(text).values("pk").order_by()
        condition = Q(pk__in=written.union(typos.order_by(), all=True))
    else:
        condition = text
    return ~condition if term.negated else condition


def needs_typos(q):
    """Whether some word of ``q`` may be matched by typo tolerance at all."""
    return any(term.typo_tolerant for group in parse_query(q) for term in group)


def _named_rows(hubs, sectors):
    """The hubs and sectors whose names a search matches, read (see
    :func:`search_condition`): by default the published hubs and every sector."""
    return (
        list(City.objects.published() if hubs is None else hubs),
        list(Sector.objects.all() if sectors is None else sectors),
    )


def search_condition(q, *, using="default", hubs=None, sectors=None, scope=None, typos=True):
    """A condition on companies: they match ``q`` (see the module's docstring); ``None``
    for an empty query.

    The names of ``hubs`` and ``sectors`` (rows, or querysets to read; default: the
    published hubs and every sector) are matched here, in Python: these are small
    tables, and a query for the companies of the matching ones gets the database's
    estimates right. Give the hubs the viewer may see, so that a draft hub cannot be
    found by its name. Whether a word matches as written, or needs typo tolerance, is
    decided among the companies of ``scope`` (default: the published ones): give those
    the viewer may see, before any other filter, so that a result and each of its
    facets treat the word alike. A query with nothing to look for (only punctuation)
    matches nothing.

    ``typos=False`` leaves typo tolerance out, a cheaper query. A query of one
    alternative (no OR) that finds something without it finds exactly the same with it:
    every word then matches as written. So a caller may try without first, and add
    typos only when that finds nothing.
    """
    if not normalise_query(q):
        return None
    groups = parse_query(q)
    if not groups:
        return Q(pk__in=[])
    backend = _backend(using)
    if isinstance(backend, _SQLite):
        # For a connection opened before this module was imported.
        connection = connections[using]
        connection.ensure_connection()
        register_sqlite_functions(connection)
    hubs, sectors = _named_rows(hubs, sectors)
    scope = Company.objects.published() if scope is None else scope
    return reduce(
        or_,
        (
            reduce(
                and_,
                (_term_condition(backend, term, hubs, sectors, scope, typos) for term in group),
            )
            for group in groups
        ),
    )


def search_filter(queryset, q, *, hubs=None, sectors=None, scope=None):
    """``queryset`` narrowed to the companies matching ``q``; whole for an empty query.
    The other arguments as for :func:`search_condition`; ``scope`` defaults to
    ``queryset``."""
    condition = search_condition(
        q,
        using=queryset.db,
        hubs=hubs,
        sectors=sectors,
        scope=queryset if scope is None else scope,
    )
    return queryset if condition is None else queryset.filter(condition)


def search_rank(q, *, using="default", hubs=None, sectors=None):
    """An expression: how well a company matches ``q``, higher is better (see above).
    ``hubs`` and ``sectors`` as for :func:`search_condition`."""
    groups = [[term for term in group if not term.negated] for group in parse_query(q)]
    groups = [group for group in groups if group]
    if not groups:
        return Value(float(RANK_OTHER), output_field=FloatField())
    backend = _backend(using)
    hubs, sectors = _named_rows(hubs, sectors)
    texts = [" ".join(term.text for term in group) for group in groups]
    terms = [term for group in groups for term in group]
    exact = reduce(or_, (Q(name__iexact=text) | Q(name_zh=text) for text in texts))
    prefix = reduce(
        or_, (Q(name__istartswith=text) | Q(name_zh__startswith=text) for text in texts)
    )
    in_name = reduce(
        or_,
        (
            reduce(
                and_,
                (Q(name__icontains=term.text) | Q(name_zh__icontains=term.text) for term in group),
            )
            for group in groups
        ),
    )
    # As in _term_condition: no typos for a word that names a hub or a sector.
    typos = [
        backend.typo_condition(term)
        for term in terms
        if term.typo_tolerant and not _named(hubs, term) and not _named(sectors, term)
    ]
    tier = Case(
        When(exact, then=Value(RANK_EXACT)),
        When(prefix, then=Value(RANK_PREFIX)),
        When(in_name, then=Value(RANK_NAME)),
        *(When(typo, then=Value(RANK_TYPO)) for typo in typos if typo is not None),
        default=Value(RANK_OTHER),
        output_field=FloatField(),
    )
    return tier + backend.text_score(terms) * Value(TEXT_SCORE_WEIGHT)


def search_companies(queryset, q, *, hubs=None, sectors=None, scope=None):
    """``queryset`` narrowed to the companies matching ``q``, annotated with ``rank``.

    Each company appears once: every condition is a subquery, never a join. An empty
    query keeps the queryset whole, with rank 0 everywhere.
    """
    hubs, sectors = _named_rows(hubs, sectors)
    return search_filter(queryset, q, hubs=hubs, sectors=sectors, scope=scope).annotate(
        rank=search_rank(q, using=queryset.db, hubs=hubs, sectors=sectors)
    )
