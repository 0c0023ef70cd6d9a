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

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import CharField, Count, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Lower
from django.utils.translation import gettext_lazy as _

from cities.views import visible_cities, visible_zones
from companies.models import Company, Presence, Sector
from companies.search import MAX_QUERY_LENGTH, normalise_query, search_condition, search_rank
from hubguide.publishing import EARLIEST_YEAR, LATEST_YEAR

# Facets are counted for results of at most this many companies; beyond, counting
# would cost more than the page (the count of a bigger result is still exact).
FACET_LIMIT = 10_000


class QueryField(forms.CharField):
    """Free text, cleaned as the search cleans it: no control characters, bounded length."""

    def to_python(self, value):
        return normalise_query(super().to_python(value))


class YearField(forms.IntegerField):
    # A text box with a numeric keyboard, not a spinner over three centuries.
    widget = forms.TextInput
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
    """A choice of row by slug; anything that is not a slug is refused before any query.

    The rows are read once, and serve both to validate the value and to list the
    choices. ``counts`` (row id → number of companies), when set, follow each label.
    """

    iterator = RowChoiceIterator
    counts = None

    @property
    def rows(self):
        if getattr(self, "_rows_of", None) is not self.queryset:
            self._rows = list(self.queryset)
            self._rows_of = self.queryset
        return self._rows

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

    ``rows(user)`` gives those rows; the viewer is ``None`` (a visitor) for exports.
    """

    field_class = SlugChoiceField

    def __init__(self, *args, rows, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, queryset=None, **kwargs)
        self.rows = rows

    def get_queryset(self, request):
        return self.rows(self.parent.viewer)


class ZoneFilter(VisibleChoiceFilter):
    field_class = ZoneChoiceField


class QueryFilter(django_filters.CharFilter):
    field_class = QueryField


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


def all_sectors(user):
    return Sector.objects.order_by("name")


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
    "founded": [F("founded").asc(nulls_last=True), Lower("name"), "slug"],
    "-founded": [F("founded").desc(nulls_last=True), Lower("name"), "slug"],
}

PRESENCE_FILTERS = {"city": "city", "zone": "zone", "presence": "kind"}
SIMPLE_FILTERS = ("sector", "kind", "founded_min", "founded_max")
FACETS = ("city", "sector", "kind")


def default_sort(q):
    return "relevance" if q else "name"


class CompanyFilter(django_filters.FilterSet):
    """Search, filters and order of the company directory (and of its exports)."""

    q = QueryFilter(
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": MAX_QUERY_LENGTH,
                "placeholder": _("e.g. Huawei, 华为, drones"),
            }
        ),
    )
    city = VisibleChoiceFilter(
        label=_("Hub"),
        rows=visible_cities,
        empty_label=_("Any hub"),
        error_messages={"invalid_choice": _("Choose a hub from the list.")},
    )
    sector = VisibleChoiceFilter(
        field_name="sectors",
        label=_("Sector"),
        rows=all_sectors,
        empty_label=_("Any sector"),
        error_messages={"invalid_choice": _("Choose a sector from the list.")},
    )
    zone = ZoneFilter(
        label=_("Zone"),
        rows=lambda user: visible_zones(user).select_related("city").order_by("city__name", "name"),
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
        error_messages={"invalid_choice": _("Choose a kind of presence from the list.")},
    )
    founded_min = YearFilter(field_name="founded", lookup_expr="gte", label=_("Founded from"))
    founded_max = YearFilter(field_name="founded", lookup_expr="lte", label=_("Founded until"))
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        empty_label=None,
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
        return self.applied.get("sort") or default_sort(self.query)

    def filter_queryset(self, queryset):
        """Apply the fields that validated; a field with an error is left out, not fatal."""
        queryset = self.matching(queryset)
        order = self.sort_order
        if order == "relevance":
            if self.search is None:
                order = "name"  # every company matches an empty query alike
            else:
                queryset = queryset.annotate(rank=search_rank(self.query, using=queryset.db))
        return queryset.order_by(*ORDERINGS[order])

    def matching(self, queryset, *, without=()):
        """``queryset`` narrowed by the search and every applied filter not in ``without``.

        Whether a word of the search needs typo tolerance is decided on ``self.queryset``
        (the companies the viewer may see), the same for the result and each facet.
        """
        applied = {name: value for name, value in self.applied.items() if name not in without}
        for name in SIMPLE_FILTERS:
            if name in applied:
                queryset = self.filters[name].filter(queryset, applied[name])
        queryset = self.filter_presences(queryset, applied)
        if self.search is not None:
            queryset = queryset.filter(self.search)
        return queryset

    @property
    def search(self):
        """The condition of the search, built once for the result and its facets."""
        if not hasattr(self, "_search"):
            fields = self.form.fields
            self._search = search_condition(
                self.query,
                using=self.queryset.db,
                hubs=fields["city"].rows,
                sectors=fields["sector"].rows,
                scope=self.queryset,
            )
        return self._search

    def filter_presences(self, queryset, applied):
        """Hub, zone and kind of presence must all hold for one and the same presence."""
        conditions = self.presence_conditions(applied)
        if not conditions:
            return queryset
        presences = Presence.objects.filter(
            in_visible_hub(self.viewer), company_id=OuterRef("pk"), **conditions
        )
        return queryset.filter(Exists(presences))

    @staticmethod
    def presence_conditions(applied):
        return {field: applied[name] for name, field in PRESENCE_FILTERS.items() if name in applied}

    def count(self, limit=None):
        """How many companies match, counting no further than ``limit`` + 1."""
        queryset = self.matching(self.queryset).order_by()
        if limit is not None:
            queryset = queryset[: limit + 1]
        return queryset.count()

    def facet_counts(self):
        """``{facet: {value: count}}`` for hub (city id), sector (id) and kind, each
        counted with every filter applied but its own, in one query.

        A hub's count is of the companies with a presence there that also satisfies
        the zone and kind of presence chosen, as choosing the hub would show.
        """
        applied = self.applied
        others = {
            name: value
            for name, value in self.presence_conditions(applied).items()
            if name != "city"
        }
        hubs = Presence.objects.filter(
            in_visible_hub(self.viewer),
            company__in=self.matching(self.queryset, without=PRESENCE_FILTERS).values("pk"),
            **others,
        )
        sectors = Company.sectors.through.objects.filter(
            company__in=self.matching(self.queryset, without={"sector"}).values("pk")
        )
        kinds = self.matching(self.queryset, without={"kind"})
        rows = (
            facet_rows(hubs, "city", "city_id", Count("company_id", distinct=True))
            .union(
                # One row per company and sector: no DISTINCT needed.
                facet_rows(sectors, "sector", "sector_id", Count("company_id")),
                facet_rows(kinds, "kind", "kind", Count("pk")),
                all=True,
            )
            .order_by()
        )
        counts = {name: {} for name in FACETS}
        for facet, value, count in rows:
            counts[facet][int(value) if facet != "kind" else value] = count
        return counts

    def show_facets(self, counts):
        """Put ``counts`` (from :meth:`facet_counts`) beside the choices of the form."""
        fields = self.form.fields
        fields["city"].counts = counts["city"]
        fields["sector"].counts = counts["sector"]
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
                    value = dict(field.choices).get(value, value)
                items.append(self._chip(name, field.label, value))
        if "founded_min" in applied:
            items.append(self._chip("founded_min", _("Founded from"), applied["founded_min"]))
        if "founded_max" in applied:
            items.append(self._chip("founded_max", _("Founded until"), applied["founded_max"]))
        return items

    @staticmethod
    def _chip(name, label, value):
        return {"name": name, "label": label, "value": value, "remove": {name: None, "page": None}}


def in_visible_hub(user):
    """A condition on presences: in a hub ``user`` may see.

    A correlated EXISTS rather than ``city__in``: SQLite, which keeps no statistics
    unless told to, would otherwise read every presence in the hubs through the hub
    index instead of the few of the companies at hand through the company index.
    """
    return Exists(visible_cities(user).filter(pk=OuterRef("city_id")))


def facet_rows(queryset, facet, field, count):
    """``(facet, value as text, count)`` per value of ``field``: rows of one shape, so
    that the facets can be unioned into one query."""
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
