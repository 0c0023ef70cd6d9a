"""The directory's filters: what ``/companies/?…`` accepts, validates and applies.

Three rules shape this module:

* A value that does not validate is reported next to its field and left out; every
  other filter still applies. A typo in one box never empties the whole page.
* Hub, zone and kind of presence describe one and the same presence: a company with
  an office in Beijing and a factory in Shenzhen is not a Beijing factory.
* Facet counts beside the hub, sector and kind choices count the current result with
  every filter applied but the facet's own: "Beijing (12)" means that choosing Beijing
  shows 12 companies.
"""

from typing import NamedTuple

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import validate_slug
from django.db.models import CharField, Count, Exists, F, OuterRef, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import City
from cities.views import HUBS, visible_zones
from companies import widgets
from companies.models import (
    FOUNDED_FIRST,
    FOUNDED_LAST,
    Company,
    Presence,
    Sector,
)
from companies.search import (
    MAX_QUERY_LENGTH,
    needs_typos,
    normalise_query,
    parse_query,
    search_condition,
    search_rank,
)
from hubguide.publishing import EARLIEST_YEAR, LATEST_YEAR, is_staff, published_q
from hubguide.sql import (
    Prepared,
    PreparedFamily,
    PreparedSQL,
    Statement,
    compiled,
    prepared_for_audience,
    rows_of,
    together,
)

# A result is counted up to COUNT_LIMIT companies; up to that it is also ranked by best
# match and has facet counts (a facet itself counting no more than that). A bigger one
# is "more than 1,000 companies", listed by name, with as many pages as the limit
# fills. Counting stops there because a count reads every row it counts: at 500,000
# companies on PostgreSQL, 10,000 rows through their hubs and sectors took ~90 ms,
# 1,000 rows ~10 ms; and no reader pages past the fiftieth page.
COUNT_LIMIT = 1_000


class QueryField(forms.CharField):
    """Free text, cleaned as the search cleans it: no control characters, bounded length."""

    def to_python(self, value):
        return normalise_query(super().to_python(value))


class YearField(forms.IntegerField):
    # A text box with a numeric keyboard, not a spinner over three centuries.
    widget = widgets.TextInput
    default_error_messages = {
        "invalid": _("Enter a year as four digits, e.g. 2005."),
        "min_value": _("Enter a year from %(limit_value)s on."),
        "max_value": _("Enter a year up to %(limit_value)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", EARLIEST_YEAR)
        kwargs.setdefault("max_value", LATEST_YEAR)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {"inputmode": "numeric", "size": 6, "autocomplete": "off"}


def with_count(label, count):
    return f"{label} ({count:,})"


class RowChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The choices of a :class:`SlugChoiceField` from the rows it has already read."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.rows:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.rows) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows)


class SlugChoiceField(django_filters.fields.ModelChoiceField):
    """A choice of row by slug, among ``rows``; anything that is not a slug is refused.

    ``rows``, the list of rows to choose from, is set on each form's field
    (:attr:`CompanyFilter.form`): they serve both to validate the value and to list the
    choices, with no query of the field's own. ``counts`` (row id → number of
    companies), when set, follow each label.
    """

    iterator = RowChoiceIterator
    widget = widgets.Select
    counts = None
    _rows = ()

    def __init__(self, queryset=None, **kwargs):
        super().__init__(queryset, **kwargs)

    @property
    def rows(self):
        return self._rows

    @rows.setter
    def rows(self, rows):
        self._rows = rows
        # The widget's choices, copied with the field, iterate the field they were
        # copied from: point them at this one.
        self.widget.choices = self.choices

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            validate_slug(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        for row in self.rows:
            if getattr(row, self.to_field_name or "pk") == value:
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )

    def label_from_instance(self, obj):
        label = super().label_from_instance(obj)
        if self.counts is None:
            return label
        return with_count(label, self.counts.get(obj.pk, 0))


class ZoneChoiceField(SlugChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.city.name})"


class KindChoiceField(django_filters.fields.ChoiceField):
    """A choice among fixed values; ``counts`` (value → number), when set, follow each
    label."""

    widget = widgets.Select
    counts = None

    def show_counts(self, counts, choices):
        self.counts = counts
        self.choices = [
            (value, with_count(label, counts.get(value, 0))) for value, label in choices
        ]


class KindFilter(django_filters.ChoiceFilter):
    field_class = KindChoiceField


class VisibleChoiceFilter(django_filters.ModelChoiceFilter):
    """Choose a row by slug among those the filter set's viewer may see.

    ``rows(staff, now)`` gives the query of those rows, a :class:`hubguide.sql.Pending`
    whose result is a list: for staff, or else for visitors at the time ``now`` (the
    filter set's). A filter set runs its choices' queries together.
    """

    field_class = SlugChoiceField

    def __init__(self, *args, rows, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, queryset=None, **kwargs)
        self.rows = rows

    def get_queryset(self, request):
        return None  # the field has rows instead (CompanyFilter.form)


class ZoneFilter(VisibleChoiceFilter):
    field_class = ZoneChoiceField


class QueryFilter(django_filters.CharFilter):
    field_class = QueryField


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


def visible_zones_with_hubs(staff, now=None):
    return visible_zones(staff, now).select_related("city").order_by("city__name", "name")


SECTORS = Prepared(lambda: Sector.objects.order_by("name"))


class CompanyFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("founded_min"), cleaned.get("founded_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "founded_max",
                _("“Founded until” must not be earlier than “founded from” (%(year)s).")
                % {"year": low},
            )
        return cleaned


SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-founded", _("Newest first")),
    ("founded", _("Oldest first")),
]

ORDERINGS = {
    # Ties are broken by slug, so that pages never overlap or skip a company.
    "relevance": [F("rank").desc(), Lower("name"), "slug"],
    "name": [Lower("name"), "slug"],
    "-name": [Lower("name").desc(), "-slug"],
    # Unknown years last either way, as the indexes of Company.Meta read them.
    "founded": [FOUNDED_FIRST, Lower("name"), "slug"],
    "-founded": [FOUNDED_LAST, Lower("name"), "slug"],
}

PRESENCE_FILTERS = {"city": "city", "zone": "zone", "presence": "kind"}
SIMPLE_FILTERS = ("kind", "founded_min", "founded_max")
FACETS = ("city", "sector", "kind")


def default_sort(q):
    return "relevance" if q else "name"


class CompanyFilter(django_filters.FilterSet):
    """Search, filters and order of the company directory (and of its exports)."""

    q = QueryFilter(
        label=_("Search"),
        widget=widgets.TextInput(
            attrs={
                "type": "search",
                "maxlength": MAX_QUERY_LENGTH,
                "placeholder": _("e.g. Huawei, 华为, drones"),
            }
        ),
    )
    city = VisibleChoiceFilter(
        label=_("Hub"),
        rows=HUBS,
        empty_label=_("Any hub"),
        error_messages={"invalid_choice": _("Choose a hub from the list.")},
    )
    sector = VisibleChoiceFilter(
        field_name="sectors",
        label=_("Sector"),
        rows=lambda staff, now: SECTORS.pending(),
        empty_label=_("Any sector"),
        error_messages={"invalid_choice": _("Choose a sector from the list.")},
    )
    zone = ZoneFilter(
        label=_("Zone"),
        rows=prepared_for_audience(visible_zones_with_hubs),
        empty_label=_("Any zone"),
        error_messages={"invalid_choice": _("Choose a zone from the list.")},
    )
    kind = KindFilter(
        label=_("Kind of company"),
        choices=Company.Kind.choices,
        empty_label=_("Any kind"),
        error_messages={"invalid_choice": _("Choose a kind of company from the list.")},
    )
    presence = django_filters.ChoiceFilter(
        label=_("Presence"),
        choices=Presence.Kind.choices,
        empty_label=_("Any presence"),
        widget=widgets.Select,
        error_messages={"invalid_choice": _("Choose a kind of presence from the list.")},
    )
    founded_min = YearFilter(field_name="founded", lookup_expr="gte", label=_("Founded from"))
    founded_max = YearFilter(field_name="founded", lookup_expr="lte", label=_("Founded until"))
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        empty_label=None,
        widget=widgets.Select,
        error_messages={"invalid_choice": _("Choose an order from the list.")},
    )

    class Meta:
        model = Company
        fields = []
        form = CompanyFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        """Always bound, so that order and defaults apply to an empty query too."""
        data = data.copy() if data is not None else {}
        if not data.get("sort"):
            data["sort"] = default_sort(normalise_query(data.get("q", "")))
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Whom the result is for, and when: staff see drafts; visitors what is published
        # by now. The summary's prepared SQL takes the time as a parameter.
        self.staff, self.now = is_staff(self.viewer), timezone.now()

    def get_form_class(self):
        """The form class, built once per filter set class.

        django-filter builds a new class on every request, each field made anew from its
        filter (about 1 ms). Only the rows of the hub, sector and zone choices depend on
        the request (the viewer's): :attr:`form` gives them to each form.
        """
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            fields = super().form.fields
            choices = {
                name: filter_.rows(self.staff, self.now)
                for name, filter_ in self.filters.items()
                if isinstance(filter_, VisibleChoiceFilter)
            }
            for name, rows in zip(choices, together(*choices.values()), strict=True):
                fields[name].rows = rows
        return self._form

    @property
    def viewer(self):
        """Whose choices of hub and zone apply (staff may filter by a draft hub)."""
        return getattr(self.request, "user", None)

    @property
    def applied(self):
        """The values that validated, and are applied: field name → cleaned value."""
        if not hasattr(self, "_applied"):
            self.form.is_valid()
            self._applied = {name: value for name, value in self.form.cleaned_data.items() if value}
            if "sort" in self.form.errors:
                # Show the order that applies instead of the first of the list.
                self.form.data["sort"] = default_sort(self._applied.get("q", ""))
        return self._applied

    @property
    def query(self):
        return self.applied.get("q", "")

    @property
    def sort_order(self):
        if getattr(self, "too_many_to_rank", False):
            return "name"
        return self.applied.get("sort") or default_sort(self.query)

    def settle(self, *, facets=True):
        """Count the result, up to ``COUNT_LIMIT``, and (with ``facets``) its facets, in
        one query (:meth:`summarise`); a second one only when a search finds nothing as
        written, to forgive a typo. A result too big to count is too big to rank: it is
        listed by name, and the form says so. Call before ``qs``.

        Sets ``result_count`` (at most ``COUNT_LIMIT``), ``count_capped``,
        ``too_many_to_rank``, ``facets`` (``None`` for a result too big to count) and
        ``published_count`` (how many of the result an export holds).
        """
        summary = self.summarise(facets=facets)
        if not summary.count and self.search is not None and not self.typos:
            # Nothing as written: forgive a typo.
            self._search = self.search_condition(typos=True)
            self.__dict__.pop("_matching_cache", None)
            summary = self.summarise(facets=facets)
        self.count_capped = summary.count > COUNT_LIMIT
        self.result_count = min(summary.count, COUNT_LIMIT)
        self.published_count = None if self.count_capped else summary.published
        self.facets = summary.facets
        if self.facets is not None:
            self.show_facets(self.facets)
        self.too_many_to_rank = (
            self.count_capped and self.search is not None and self.sort_order == "relevance"
        )
        if self.too_many_to_rank:
            self.form.data["sort"] = "name"
        return self.result_count

    def filter_queryset(self, queryset):
        """Apply the fields that validated; a field with an error is left out, not fatal.

        ``queryset`` is django-filter's copy of ``self.queryset``: the cached
        :meth:`matching` of the latter stands for it.
        """
        queryset = self.matching(self.queryset)
        order = self.sort_order
        if order == "relevance":
            if self.search is None:
                order = "name"  # every company matches an empty query alike
            else:
                fields = self.form.fields
                rank = search_rank(
                    self.query,
                    using=queryset.db,
                    hubs=fields["city"].rows,
                    sectors=fields["sector"].rows,
                )
                queryset = queryset.annotate(rank=rank)
        return queryset.order_by(*ORDERINGS[order])

    def matching(self, queryset, *, without=(), counting=False):
        """``queryset`` narrowed by the search and every applied filter not in ``without``.

        Whether a word of the search needs typo tolerance is decided on ``self.queryset``
        (the companies the viewer may see), the same for the result and each facet.
        For ``self.queryset`` the answer is kept: the result, its count and the facets
        that leave out no applied filter share one queryset, built (and its search
        resolved) once.

        A chosen sector is a test per company (the link looked up through its index),
        which lets a page in name order stop early; ``counting`` makes it a join
        instead (a company has a sector once: no duplicates), which lets a count walk
        the sector's links: with a hub chosen too, at 100,000 companies on SQLite, 1,001
        ids in 3 ms instead of 7 (and the page, as a join, 28 ms instead of 1).
        """
        left_out = frozenset(name for name in without if name in self.applied)
        # Without a sector the two are one queryset.
        counting = counting and "sector" in self.applied and "sector" not in left_out
        if queryset is not self.queryset:
            return self._matching(queryset, left_out, counting)
        cache = self.__dict__.setdefault("_matching_cache", {})
        if (left_out, counting) not in cache:
            cache[left_out, counting] = self._matching(queryset, left_out, counting)
        return cache[left_out, counting]

    def _matching(self, queryset, left_out, counting):
        applied = {name: value for name, value in self.applied.items() if name not in left_out}
        for name in SIMPLE_FILTERS:
            if name in applied:
                queryset = self.filters[name].filter(queryset, applied[name])
        if "sector" in applied and counting:
            queryset = queryset.filter(sectors=applied["sector"])
        elif "sector" in applied:
            links = Company.sectors.through.objects.filter(
                company_id=OuterRef("pk"), sector=applied["sector"]
            )
            queryset = queryset.filter(Exists(links))
        queryset = self.filter_presences(queryset, applied)
        if self.search is not None:
            queryset = queryset.filter(self.search)
        return queryset

    @property
    def search(self):
        """The condition of the search, built once for the result and its facets.

        Without typo tolerance at first for a query without OR (see
        :func:`companies.search.search_condition`): :meth:`settle` adds it when that
        finds nothing.
        """
        if not hasattr(self, "_search"):
            self._search = self.search_condition(
                typos=len(parse_query(self.query)) > 1 or not needs_typos(self.query)
            )
        return self._search

    def search_condition(self, *, typos):
        self.typos = typos
        fields = self.form.fields
        return search_condition(
            self.query,
            using=self.queryset.db,
            hubs=fields["city"].rows,
            sectors=fields["sector"].rows,
            scope=self.queryset,
            typos=typos,
        )

    def filter_presences(self, queryset, applied):
        """Hub, zone and kind of presence must all hold for one and the same presence."""
        conditions = self.presence_conditions(applied)
        if not conditions:
            return queryset
        presences = Presence.objects.filter(company_id=OuterRef("pk"), **conditions)
        if "city" not in conditions:
            # A chosen hub is one the viewer may see (the field's choices).
            presences = presences.filter(in_visible_hub(self.staff, self.now))
        return queryset.filter(Exists(presences))

    @staticmethod
    def presence_conditions(applied):
        return {field: applied[name] for name, field in PRESENCE_FILTERS.items() if name in applied}

    def summarise(self, *, facets=True):
        """The result's size, its facet counts and how many of it are published, in one
        query: a :class:`Summary`.

        The size is counted up to ``COUNT_LIMIT`` + 1. Only a result of at most
        ``COUNT_LIMIT`` companies has the rest: its facets (with ``facets``) and, for
        staff, who see drafts too, how many of it are published. Otherwise ``facets``
        is ``None`` and ``published`` 0.

        Without a search, the query's SQL is built once per process for each set of
        filters applied (and audience), and bound to their values and the time now
        (``SUMMARIES``): building it was a fifth of a filtered page's time.
        """
        if self.search is None:
            names = tuple(name for name in SUMMARY_FILTERS if name in self.applied)
            values = [getattr(self.applied[name], "pk", self.applied[name]) for name in names]
            rows = SUMMARIES(self.staff, facets, names, COUNT_LIMIT)(*values, self.now)
        else:
            try:
                statement = self.summary_statement(facets=facets)
            except EmptyResultSet:  # a search for nothing but punctuation
                return Summary(0, dict.fromkeys(FACETS, {}) if facets else None, 0)
            (rows,) = together(rows_of(statement))
        return read_summary(rows, facets=facets, staff=self.staff)

    def summary_statement(self, *, facets, limit=None):
        """The :class:`Statement` of :meth:`summarise`'s query.

        Each facet is counted with every filter applied but its own: a hub's count is of
        the companies with a presence there that also satisfies the zone and kind of
        presence chosen, as choosing the hub would show. A facet that would count more
        than ``COUNT_LIMIT`` companies (without its own filter it may count far more
        than the result) is left out: ``None``.

        The result and each facet's companies are found once, as a materialised common
        table expression of at most ``COUNT_LIMIT`` + 1 ids, shared by those with the
        same filters; the counts then read the presences and sectors of those ids only,
        and nothing past the result's size when it is too big. Its rows are
        ``(SIZE, "result" or a facet, the size of its table)`` and ``(facet, value,
        count)``. ``limit``: ``COUNT_LIMIT`` unless given.
        """
        limit = COUNT_LIMIT if limit is None else limit
        using = self.queryset.db
        bases = {"result": self.matching(self.queryset, counting=True)}
        if facets:
            bases |= {
                "city": self.matching(self.queryset, without=PRESENCE_FILTERS, counting=True),
                "sector": self.matching(self.queryset, without={"sector"}, counting=True),
                "kind": self.matching(self.queryset, without={"kind"}, counting=True),
            }
        tables, names, by_base = {}, {}, {}
        for key, base in bases.items():
            # Bases with the same filters are one queryset (matching): compiled once.
            if id(base) not in by_base:
                sql = compiled(base.order_by().values("pk")[: limit + 1])
                by_base[id(base)] = tables.setdefault((sql[0], tuple(sql[1])), f"ids_{len(tables)}")
            names[key] = by_base[id(base)]
        ids = {key: RawSQL(f"SELECT pk FROM {name}", ()) for key, name in names.items()}
        parts = []  # (the table of ids it counts, the queryset that counts them)
        if facets:
            others = {
                name: value
                for name, value in self.presence_conditions(self.applied).items()
                if name != "city"
            }
            parts += [
                (
                    names["city"],
                    facet_rows(
                        Presence.objects.filter(
                            in_visible_hub(self.staff, self.now), company__in=ids["city"]
                        ).filter(**others),
                        "city",
                        "city_id",
                        Count("company_id", distinct=True),
                    ),
                ),
                # One row per company and sector: no DISTINCT needed.
                (
                    names["sector"],
                    facet_rows(
                        Company.sectors.through.objects.filter(company__in=ids["sector"]),
                        "sector",
                        "sector_id",
                        Count("company_id"),
                    ),
                ),
                (
                    names["kind"],
                    facet_rows(
                        Company.objects.filter(pk__in=ids["kind"]), "kind", "kind", Count("pk")
                    ),
                ),
            ]
        if self.staff:
            parts.append(
                (
                    names["result"],
                    facet_rows(
                        Company.objects.filter(published_q(now=self.now), pk__in=ids["result"]),
                        PUBLISHED,
                        "status",
                        Count("pk"),
                    ),
                )
            )
        parts = [(name, compiled(part)) for name, part in parts]
        result = names["result"]

        # A table of ids too big to count has nothing counted from it: past the limit,
        # the result has no facets, so the facets' tables are not even filled; and a
        # facet whose own table is too big is not shown, so not counted. Each test is
        # made once, in a table of a row or none ({name}_small), which what it guards
        # starts from: PostgreSQL skips a query whose WHERE is false from the start,
        # but SQLite would fill the tables and run the subqueries before looking.
        def small(name):
            return f"(SELECT COUNT(*) FROM {name}) <= {limit}"

        def if_small(name, sql, alias):
            return (
                f"SELECT {alias}.* FROM {name}_small CROSS JOIN ({sql}) AS {alias} "
                f"WHERE {small(name)}"
            )

        tables_sql = []
        for (base, _base_params), name in tables.items():
            body = base if name == result else if_small(result, base, "base")
            tables_sql.append(f"{name} AS MATERIALIZED ({body})")
            tables_sql.append(f"{name}_small AS (SELECT 1 AS small WHERE {small(name)})")
        selects = [f"SELECT '{SIZE}', '{key}', COUNT(*) FROM {name}" for key, name in names.items()]
        selects += [if_small(name, part, f"part_{n}") for n, (name, (part, _)) in enumerate(parts)]
        sql = f"WITH {', '.join(tables_sql)} {' UNION ALL '.join(selects)}"
        params = [param for (_, base_params) in tables for param in base_params]
        params += [param for _, (_, part_params) in parts for param in part_params]
        return Statement(using, sql, params)

    def show_facets(self, counts):
        """Put ``counts`` (from :meth:`summarise`) beside the choices of the form."""
        fields = self.form.fields
        fields["city"].counts = counts["city"]
        fields["sector"].counts = counts["sector"]
        if counts["kind"] is not None:
            fields["kind"].show_counts(counts["kind"], Company.Kind.choices)

    def active_filters(self):
        """What the result is narrowed by, for chips and the empty state.

        Each item: ``name``, ``label``, ``value`` (as a reader says it) and ``remove``,
        a mapping for ``{% querystring request.GET item.remove %}`` that drops the
        filter (and the page number, which would no longer mean the same rows).
        """
        applied = self.applied
        items = []
        for name in ("q", "city", "zone", "presence", "sector", "kind"):
            if name in applied:
                field = self.form.fields[name]
                value = applied[name]
                if isinstance(field, forms.ChoiceField) and not hasattr(value, "pk"):
                    # The filter's own labels: the field's may carry facet counts.
                    value = dict(self.filters[name].extra["choices"]).get(value, value)
                items.append(self._chip(name, field.label, value))
        if "founded_min" in applied:
            items.append(self._chip("founded_min", _("Founded from"), applied["founded_min"]))
        if "founded_max" in applied:
            items.append(self._chip("founded_max", _("Founded until"), applied["founded_max"]))
        return items

    @staticmethod
    def _chip(name, label, value):
        return {"name": name, "label": label, "value": value, "remove": {name: None, "page": None}}


def in_visible_hub(staff, now=None):
    """A condition on presences: in a hub staff (``staff``), or else visitors, may see
    (by ``now``, by default the time now).

    A correlated EXISTS rather than ``city__in``: SQLite, which keeps no statistics
    unless told to, would otherwise read every presence in the hubs through the hub
    index instead of the few of the companies at hand through the company index.
    """
    return Exists(City.objects.visible(staff, now).filter(pk=OuterRef("city_id")))


SIZE = "size"
PUBLISHED = "published"


class Summary(NamedTuple):
    """What :meth:`CompanyFilter.summarise` finds: the result's size (up to the limit
    + 1), its facets, and how many of it are published."""

    count: int
    facets: dict | None
    published: int


# The filters a summary applies, in the order of its prepared SQL's parameters.
SUMMARY_FILTERS = (*PRESENCE_FILTERS, "sector", *SIMPLE_FILTERS)


def summary_statement_for(staff, facets, names, limit, *values):
    """:meth:`CompanyFilter.summary_statement` of a result without a search, for staff
    or else visitors, with or without facets, counted up to ``limit``, with the filters
    ``names`` (in the order of ``SUMMARY_FILTERS``) applied with ``values`` (a row's
    primary key for a row), then the time now."""
    *applied, now = values
    filterset = CompanyFilter(queryset=Company.objects.visible(staff, now))
    filterset.staff, filterset.now = staff, now
    filterset._applied = dict(zip(names, applied, strict=True))
    filterset._search = None
    return filterset.summary_statement(facets=facets, limit=limit)


# Its SQL, built once per process for each audience, facets or not, limit and filters.
SUMMARIES = PreparedFamily(PreparedSQL, summary_statement_for)


def read_summary(rows, *, facets, staff):
    """The :class:`Summary` of the rows of :meth:`CompanyFilter.summary_statement`."""
    limit = COUNT_LIMIT
    counts = {facet: {} for facet in FACETS}
    counts[PUBLISHED] = {}
    sizes = {}
    for facet, value, count in rows:
        if facet == SIZE:
            sizes[value] = count
        else:
            counts[facet][value if facet in ("kind", PUBLISHED) else int(value)] = count
    count = sizes["result"]
    published = sum(counts[PUBLISHED].values()) if staff else count
    if count > limit:
        return Summary(count, None, 0)
    if not facets:
        return Summary(count, None, published)
    return Summary(
        count,
        {facet: counts[facet] if sizes[facet] <= limit else None for facet in FACETS},
        published,
    )


def facet_rows(queryset, facet, field, count):
    """``(facet, value as text, count)`` per value of ``field``: rows of one shape, so
    that the facets can be put together into one query."""
    return (
        queryset.order_by()
        .values(field)
        .annotate(
            facet_name=Value(facet, output_field=CharField()),
            facet_value=Cast(field, output_field=CharField()),
            facet_count=count,
        )
        .values_list("facet_name", "facet_value", "facet_count")
    )
