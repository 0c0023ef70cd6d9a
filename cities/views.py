"""The hub, zone and policy pages.

Every page runs a fixed number of queries whatever the amount of data: related rows
come through ``Prefetch`` objects whose querysets already hide what a visitor may not
see, so templates never filter and never query.
"""

from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.views.generic import DetailView, ListView

from cities.models import City, Figure, Policy, Zone
from companies.models import Company, Presence


def is_staff(user):
    return user is not None and user.is_active and user.is_staff


def visible_cities(user):
    return City.objects.visible_to(user)


def visible_zones(user):
    """Zones a user may see: a zone in a draft city stays hidden with its city."""
    zones = Zone.objects.visible_to(user)
    if not is_staff(user):
        zones = zones.filter(city__in=City.objects.published())
    return zones


def visible_presences(user):
    """Presences of companies the user may see, with what a listing of them shows."""
    presences = Presence.objects.select_related("company", "zone")
    if not is_staff(user):
        presences = presences.filter(company__in=Company.objects.published())
    return presences


def key_figures_prefetch():
    """A city's key figures (``is_key``) as ``city.key_figures``, in their set order."""
    return Prefetch(
        "figures",
        queryset=Figure.objects.filter(is_key=True)
        .select_related("source")
        .order_by("position", "label"),
        to_attr="key_figures",
    )


def group_by_choice(rows, attribute, choices):
    """``[(label, [rows…]), …]`` in the order of the choices, leaving out empty groups."""
    groups = {value: [] for value in choices.values}
    for row in rows:
        groups.setdefault(getattr(row, attribute), []).append(row)
    labels = dict(choices.choices)
    return [(labels.get(value, value), items) for value, items in groups.items() if items]


PRESENCES_SHOWN_PER_KIND = 12


def presence_summary(presences, user):
    """A bounded view of many presences: the most notable few of each kind, and counts.

    Two queries whatever the number of presences: one aggregate for the counts, one
    ranked query for the rows shown. Notable means cited by a source, then the largest
    head count and investment, then the company's name.
    """
    presences = presences.order_by()
    totals = presences.aggregate(
        companies=Count("company", distinct=True),
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in Presence.Kind.values},
    )
    notable = Window(
        RowNumber(),
        partition_by=[F("kind")],
        order_by=[
            F("source").asc(nulls_last=True),
            F("headcount").desc(nulls_last=True),
            F("investment").desc(nulls_last=True),
            F("company__name").asc(),
        ],
    )
    shown = hide_invisible_zones(
        presences.annotate(notable=notable)
        .filter(notable__lte=PRESENCES_SHOWN_PER_KIND)
        .order_by("notable"),
        user,
    )
    by_kind = {}
    for presence in shown:
        by_kind.setdefault(presence.kind, []).append(presence)
    groups = [
        {"kind": kind, "label": label, "presences": by_kind[kind], "total": totals[kind]}
        for kind, label in Presence.Kind.choices
        if kind in by_kind
    ]
    return groups, totals["companies"]


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


class CityListView(PublishedMixin, ListView):
    model = City

    def get_queryset(self):
        return super().get_queryset().prefetch_related(key_figures_prefetch())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["standings"] = group_by_choice(context["object_list"], "standing", City.Standing)
        return context


class CityDetailView(PublishedMixin, DetailView):
    model = City

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "figures",
                    queryset=Figure.objects.select_related("source").order_by("position", "label"),
                ),
                Prefetch("zones", queryset=Zone.objects.visible_to(user).order_by("name")),
                Prefetch(
                    "policies",
                    queryset=Policy.objects.visible_to(user).order_by(
                        F("launched").asc(nulls_last=True), "name"
                    ),
                ),
                "sources",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["presence_groups"], context["company_count"] = presence_summary(
            visible_presences(user).filter(city=self.object), user
        )
        return context


class ZoneDetailView(PublishedMixin, DetailView):
    model = Zone

    def get_queryset(self):
        user = self.request.user
        zones = super().get_queryset()
        if not is_staff(user):
            zones = zones.filter(city__in=City.objects.published())
        return zones.select_related("city").prefetch_related(
            Prefetch(
                "policies",
                queryset=Policy.objects.visible_to(user).order_by(
                    F("launched").asc(nulls_last=True), "name"
                ),
            ),
            "sources",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["presence_groups"], context["company_count"] = presence_summary(
            visible_presences(user).filter(zone=self.object), user
        )
        return context


class PolicyListView(PublishedMixin, ListView):
    model = Policy

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .order_by(F("launched").asc(nulls_last=True), "name")
            .prefetch_related(
                Prefetch("cities", queryset=visible_cities(self.request.user).order_by("name"))
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


class PolicyDetailView(PublishedMixin, DetailView):
    model = Policy

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("cities", queryset=visible_cities(user).order_by("name")),
                Prefetch(
                    "zones",
                    queryset=visible_zones(user).select_related("city").order_by("name"),
                ),
                "sources",
            )
        )
