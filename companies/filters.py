"""The directory's filters: what ``/companies/?…`` accepts, validates and applies.

Two rules shape this module:

* A value that does not validate is reported next to its field and left out; every
  other filter still applies. A typo in one box never empties the whole page.
* Hub, zone and kind of presence describe one and the same presence: a company with
  an office in Beijing and a factory in Shenzhen is not a Beijing factory.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cities.views import visible_cities, visible_zones
from companies.models import Company, Presence, Sector
from companies.search import MAX_QUERY_LENGTH, normalise_query, search_companies
from hubguide.publishing import EARLIEST_YEAR, LATEST_YEAR


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


class SlugChoiceField(django_filters.fields.ModelChoiceField):
    """A choice of row by slug; anything that is not a slug is refused before any query."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                validate_slug(value)
            except ValidationError:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                ) from None
        return super().to_python(value)


class ZoneChoiceField(SlugChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.city.name})"


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
    kind = django_filters.ChoiceFilter(
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

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, public=False):
        """Always bound, so that order and defaults apply to an empty query too.

        ``public=True`` filters as a visitor would, whoever asks (for exports).
        """
        data = data.copy() if data is not None else {}
        if not data.get("sort"):
            data["sort"] = default_sort(normalise_query(data.get("q", "")))
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.public = public

    @property
    def viewer(self):
        return None if self.public else getattr(self.request, "user", None)

    @property
    def applied(self):
        """The values that validated, and are applied: field name → cleaned value."""
        self.form.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items() if value}

    @property
    def query(self):
        return self.applied.get("q", "")

    @property
    def sort_order(self):
        return self.applied.get("sort") or default_sort(self.query)

    def filter_queryset(self, queryset):
        """Apply the fields that validated; a field with an error is left out, not fatal."""
        applied = self.applied
        for name in SIMPLE_FILTERS:
            if name in applied:
                queryset = self.filters[name].filter(queryset, applied[name])
        queryset = self.filter_presences(queryset, applied)
        queryset = search_companies(queryset, self.query, cities=visible_cities(self.viewer))
        return queryset.order_by(*ORDERINGS[self.sort_order])

    def filter_presences(self, queryset, applied):
        """Hub, zone and kind of presence must all hold for one and the same presence."""
        conditions = {
            field: applied[name] for name, field in PRESENCE_FILTERS.items() if name in applied
        }
        if not conditions:
            return queryset
        presences = Presence.objects.filter(
            company_id=OuterRef("pk"), city__in=visible_cities(self.viewer), **conditions
        )
        return queryset.filter(Exists(presences))

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
