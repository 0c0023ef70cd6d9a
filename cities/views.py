"""The hub, zone and policy pages.

Every page runs a fixed number of queries whatever the amount of data, and templates
never filter and never query: a list page's related rows come through ``Prefetch``
objects whose querysets already hide what a visitor may not see (the hubs' cards through
a second query, :func:`hub_cards`); a page about one row reads that row's related rows
with a plain query each, into the context (for one row, the prefetch machinery costs
Django more than the query does). Those queries, and the row itself, are ``Prepared``:
their SQL is built once per process, not per request. A page's queries that need none
of the others' results are run together (:func:`hubguide.sql.together`): on PostgreSQL,
in one round trip.
"""

from dataclasses import dataclass

from django.db.models import F, Prefetch, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from cities.models import City, Figure, Policy, Source, Zone
from companies.models import NOTABLE_ORDER, Presence
from hubguide.images import rendition_set, rendition_sets
from hubguide.publishing import is_staff, published_q
from hubguide.sql import (
    Prepared,
    PreparedFamily,
    PreparedSQL,
    Statement,
    compiled,
    prepared_for_audience,
    together,
    union_all,
)


def visible_zones(staff, now=None):
    """Zones staff, or else visitors, may see (published by ``now``, by default the time
    now): a zone in a draft city stays hidden with its city."""
    zones = Zone.objects.visible(staff, now)
    if not staff:
        zones = zones.filter(city__in=City.objects.published(now))
    return zones


# What a listing of presences shows of each company: a company row is mostly long texts.
LISTED_COMPANY_FIELDS = ("slug", "name", "name_zh", "status", "publish_at")


def visible_presences(staff, now=None):
    """Presences of the companies staff, or else visitors, may see (published by ``now``,
    by default the time now), each with what a listing shows of its company."""
    presences = Presence.objects.select_related("company").only(
        *(field.name for field in Presence._meta.concrete_fields),
        *(f"company__{name}" for name in LISTED_COMPANY_FIELDS),
    )
    if not staff:
        presences = presences.filter(published_q("company__", now))
    return presences


def visible_key_figures(staff, now=None):
    """The key figures (``is_key``) of the hubs staff, or else visitors, may see."""
    figures = Figure.objects.filter(is_key=True)
    if not staff:
        figures = figures.filter(city__in=City.objects.published(now))
    return figures.select_related("source").order_by("position", "label")


HUBS = prepared_for_audience(City.objects.visible)
KEY_FIGURES = prepared_for_audience(visible_key_figures)


def hub_card_queries(user):
    """The two prepared queries of the hubs' cards for ``user``, whatever the number of
    hubs: :func:`hub_cards` takes their results."""
    staff, now = is_staff(user), timezone.now()
    return HUBS(staff, now), KEY_FIGURES(staff, now)


def hub_cards(hubs, key_figures):
    """The hubs, by name, with what their cards show: each hub's key figures in their
    set order (``key_figures``) and the renditions of its hero image (``hero``); one
    question to the cache for all the images."""
    figures = {}
    for figure in key_figures:
        figures.setdefault(figure.city_id, []).append(figure)
    heroes = rendition_sets([(hub.hero_image, hub.hero_width, hub.hero_height) for hub in hubs])
    for hub, hero in zip(hubs, heroes, strict=True):
        hub.key_figures, hub.hero = figures.get(hub.pk, []), hero
    return hubs


# Policies in the order they were launched; those with no year last.
LAUNCH_ORDER = (F("launched").asc(nulls_last=True), "name")


def group_by_choice(rows, attribute, choices):
    """``[(label, [rows…]), …]`` in the order of the choices, leaving out empty groups."""
    groups = {value: [] for value in choices.values}
    for row in rows:
        groups.setdefault(getattr(row, attribute), []).append(row)
    labels = dict(choices.choices)
    return [(labels.get(value, value), items) for value, items in groups.items() if items]


PRESENCES_SHOWN_PER_KIND = 6
# Presences are counted up to this many per kind (and companies up to this many): a
# bigger number is shown as "more than" it, and costs no more to find.
PRESENCE_COUNT_LIMIT = 100


@dataclass(frozen=True)
class Tally:
    """A count that stops at a limit: ``more`` when there are more than ``number``."""

    number: int
    more: bool = False

    @classmethod
    def of(cls, count, limit):
        return cls(limit, True) if count > limit else cls(count)


class PresenceSummary:
    """A bounded view of the many presences in a place (``"city"`` or ``"zone"``), named
    by its slug: the most notable few of each kind, and counts.

    Two queries whatever the number of presences, each reading at most a fixed number
    of rows along an index (companies.models.NOTABLE_ORDER): the counts, each stopping
    past ``PRESENCE_COUNT_LIMIT``, and the first ``PRESENCES_SHOWN_PER_KIND`` of each
    kind in notable order (cited by a source, then the largest head count and
    investment). Neither needs the other's result, so a page runs them with its other
    queries (:meth:`queries`, then :meth:`summarise`). Both are a UNION of a part per
    kind, a dozen querysets in all: their SQL is built once per process for each
    audience (staff or visitors), with the place and the time as parameters
    (:class:`hubguide.sql.Prepared`); building it took most of the hub page's time. The
    place is found by its slug in each, so that a page runs them with the query of the
    place itself, before it has the place's primary key.
    """

    def __init__(self, place):
        self.place = place
        self.place_model = Presence._meta.get_field(place).related_model
        # Bound to the place and the time; one per audience.
        self._counts = PreparedFamily(PreparedSQL, self.counts_statement)
        self._shown = PreparedFamily(Prepared, self.shown_queryset)

    def presences(self, staff, slug, now):
        # A scalar subquery, which both databases run once, then read the presences'
        # indexes by the place's id as they would for the id itself.
        place = self.place_model._default_manager.filter(slug=slug).order_by().values("pk")
        place = Subquery(place[:1])
        return visible_presences(staff, now).filter(**{self.place: place}).order_by()

    def counts_statement(self, staff, slug, now):
        presences, limit = self.presences(staff, slug, now), PRESENCE_COUNT_LIMIT
        parts = [
            (
                "SELECT %s, COUNT(*) FROM ({}) AS counted",
                [kind],
                compiled(presences.filter(kind=kind).values("pk")[: limit + 1]),
            )
            for kind in Presence.Kind.values
        ]
        companies = presences.values("company_id").distinct()[: limit + 1]
        parts.append(("SELECT %s, COUNT(*) FROM ({}) AS companies", [""], compiled(companies)))
        return Statement(presences.db, *union_all(parts))

    def shown_queryset(self, staff, slug, now):
        presences = self.presences(staff, slug, now)
        first = union_all(
            (
                "SELECT * FROM ({}) AS notable",
                [],
                compiled(
                    presences.filter(kind=kind)
                    .order_by(*NOTABLE_ORDER)
                    .values("pk")[:PRESENCES_SHOWN_PER_KIND]
                ),
            )
            for kind in Presence.Kind.values
        )
        # The parts read only presences one may see in the place: the rows they name need
        # no second look.
        return visible_presences(True).filter(pk__in=RawSQL(*first)).order_by(*NOTABLE_ORDER)

    def queries(self, slug, user, now=None):
        """The two queries of the place with the slug ``slug`` as ``user`` may see it at
        ``now`` (by default the time now), as :class:`hubguide.sql.Pending` queries: the
        counts, ``[(kind, count), …, ("", companies)]``, each at most
        ``PRESENCE_COUNT_LIMIT + 1``, and the presences shown."""
        staff, now = is_staff(user), now or timezone.now()
        return self._counts(staff).pending(slug, now), self._shown(staff).pending(slug, now)

    def summarise(self, counts, shown, zones):
        """The groups of a kind each, in the order of the kinds, and the number of
        companies (a ``Tally``), from the results of :meth:`queries`. ``zones`` are the
        zones the page may show, by id: each presence gets its ``shown_zone`` from them
        (see ``hide_invisible_zones``)."""
        counts, limit, by_kind = dict(counts), PRESENCE_COUNT_LIMIT, {}
        for presence in shown:
            presence.shown_zone = zones.get(presence.zone_id)
            by_kind.setdefault(presence.kind, []).append(presence)
        groups = [
            {
                "kind": kind,
                "label": label,
                "presences": by_kind[kind],
                "total": Tally.of(counts[kind], limit),
            }
            for kind, label in Presence.Kind.choices
            if kind in by_kind
        ]
        return groups, Tally.of(counts[""], limit)


def hide_invisible_zones(presences, user):
    """Set ``presence.shown_zone``: its zone, unless that zone is a draft the user may not see."""
    staff = is_staff(user)
    for presence in presences:
        zone = presence.zone
        presence.shown_zone = zone if zone is not None and (staff or zone.is_published) else None
    return presences


class PublishedMixin:
    """Visitors see published rows only; staff also see drafts, to preview them."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


def zone_is_published(zone):
    """A zone in a draft hub stays hidden with its hub (``visible_zones``)."""
    return zone.is_published and zone.city.is_published


def shown_to(user, rows, is_published=lambda row: row.is_published):
    """The rows of a short list on a page about one row (a hub's zones, a policy's hubs)
    that ``user`` may see, judged in Python as ``PublishedObjectMixin`` judges the row."""
    staff = is_staff(user)
    return [row for row in rows if staff or is_published(row)]


def by_slug(model, *related):
    """The rows of ``model`` with a slug, each with its ``related`` rows joined
    (``select_related``), by a ``Prepared`` query (none or one)."""

    def make(slug):
        rows = model._default_manager.filter(slug=slug)
        # select_related() with no names would join every foreign key.
        return rows.select_related(*related) if related else rows

    return Prepared(make)


def sources_of(lookup):
    """The sources of a row, by a ``Prepared`` query on its slug through ``lookup``,
    such as ``"companies__slug"``."""
    return Prepared(lambda slug: Source.objects.filter(**{lookup: slug}))


class PublishedObjectMixin:
    """A page about one row: visitors get a 404 for a row they may not see (a draft, or
    one published for later), staff preview it.

    The row is read by its slug alone and judged by ``is_published``: on the one row at
    hand that costs Django less than the condition of ``visible_to`` in the query. A
    view reads it by its ``lookup``, a ``Prepared`` query by slug (:func:`by_slug`), and
    with it (:func:`together`: one round trip to PostgreSQL) the queries of
    :meth:`related_queries`, by the same slug: their results are in
    ``self.related_rows``, by name, whether or not the row may be seen.
    """

    lookup = None  # a Prepared query by slug: by_slug(Model)
    related = {}

    def related_queries(self, slug):
        """``{name: Pending query}`` of the rows the page shows with its row: by default
        the ``related`` ``Prepared`` queries, each given the slug."""
        return {name: query.pending(slug) for name, query in self.related.items()}

    def get_object(self, queryset=None):
        slug = self.kwargs[self.slug_url_kwarg]
        related = self.related_queries(slug)
        found, *rows = together(self.lookup.pending(slug), *related.values())
        self.related_rows = dict(zip(related, rows, strict=True))
        obj = next(iter(found), None)
        if obj is None or not shown_to(self.request.user, [obj], self.is_published):
            raise Http404(f"No {self.model._meta.verbose_name} found matching the query")
        return obj

    @staticmethod
    def is_published(obj):
        return obj.is_published


class CityListView(TemplateView):
    template_name = "cities/city_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hubs = hub_cards(*together(*hub_card_queries(self.request.user)))
        context["standings"] = group_by_choice(hubs, "standing", City.Standing)
        return context


class PlaceDetailView(PublishedObjectMixin, DetailView):
    """A hub's or a zone's page: the place, what ``related`` names, and its presences
    (``presence_summary``), all by the place's slug in one go."""

    presence_summary = None

    def related_queries(self, slug):
        counts, shown = self.presence_summary.queries(slug, self.request.user)
        return {**super().related_queries(slug), "counts": counts, "shown": shown}

    def presence_context(self, zones):
        """The presence groups and the number of companies, each presence shown with its
        zone when that is among ``zones`` (by id), those the page may show."""
        related = self.related_rows
        groups, company_count = self.presence_summary.summarise(
            related["counts"], related["shown"], zones
        )
        return {"presence_groups": groups, "company_count": company_count}


class CityDetailView(PlaceDetailView):
    model = City
    lookup = by_slug(City)
    related = {
        "figures": Prepared(
            lambda slug: (
                Figure.objects.filter(city__slug=slug)
                .select_related("source")
                .order_by("position", "label")
            )
        ),
        "zones": Prepared(lambda slug: Zone.objects.filter(city__slug=slug).order_by("name")),
        "policies": Prepared(
            lambda slug: Policy.objects.filter(cities__slug=slug).order_by(*LAUNCH_ORDER)
        ),
        "sources": sources_of("cities__slug"),
    }
    presence_summary = PresenceSummary("city")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        city, user, related = self.object, self.request.user, self.related_rows
        zones = shown_to(user, related["zones"])
        context.update(
            hero=rendition_set(city.hero_image, city.hero_width, city.hero_height),
            figures=related["figures"],
            zones=zones,
            policies=shown_to(user, related["policies"]),
            sources=related["sources"],
            **self.presence_context({zone.pk: zone for zone in zones}),
        )
        return context


class ZoneDetailView(PlaceDetailView):
    model = Zone
    lookup = by_slug(Zone, "city")
    is_published = staticmethod(zone_is_published)
    related = {
        "policies": Prepared(
            lambda slug: Policy.objects.filter(zones__slug=slug).order_by(*LAUNCH_ORDER)
        ),
        "sources": sources_of("zones__slug"),
    }
    presence_summary = PresenceSummary("zone")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        zone, user, related = self.object, self.request.user, self.related_rows
        context.update(
            policies=shown_to(user, related["policies"]),
            sources=related["sources"],
            **self.presence_context({zone.pk: zone}),
        )
        return context


class PolicyListView(PublishedMixin, ListView):
    model = Policy

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .order_by(*LAUNCH_ORDER)
            .prefetch_related(
                Prefetch(
                    "cities", queryset=City.objects.visible_to(self.request.user).order_by("name")
                )
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = {}
        for policy in context["object_list"]:
            years.setdefault(policy.launched, []).append(policy)
        # Dated years ascending, then the undated ones under a heading of their own.
        context["timeline"] = sorted(years.items(), key=lambda item: (item[0] is None, item[0]))
        return context


class PolicyDetailView(PublishedObjectMixin, DetailView):
    model = Policy
    lookup = by_slug(Policy)
    related = {
        "cities": Prepared(lambda slug: City.objects.filter(policies__slug=slug).order_by("name")),
        "sources": sources_of("policies__slug"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy, user, related = self.object, self.request.user, self.related_rows
        context.update(
            cities=shown_to(user, related["cities"]),
            zones=shown_to(
                user, policy.zones.select_related("city").order_by("name"), zone_is_published
            ),
            sources=related["sources"],
        )
        return context
