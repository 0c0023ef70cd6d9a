from functools import partial

from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cities.models import City, Policy, Zone
from cities.views import group_by_choice, hub_card_queries, hub_cards, visible_zones
from companies.models import Company
from hubguide.sql import PreparedSQL, Statement, as_datetime, compiled, together, union_all

RECENT_UPDATES = 6
# What the list of recent changes names, and the published rows of each, at a time.
RECENT_KINDS = [
    (_("Hub"), City, City.objects.published),
    (_("Zone"), Zone, partial(visible_zones, False)),
    (_("Policy"), Policy, Policy.objects.published),
    (_("Company"), Company, Company.objects.published),
]


def recent_updates_statement(now):
    """The latest few of each kind (each along its updated_at index), together."""
    querysets = [published(now) for _label, _model, published in RECENT_KINDS]
    sql, params = union_all(
        (
            "SELECT %s, slug, name, updated_at FROM ({}) AS latest",
            [number],
            compiled(
                queryset.order_by("-updated_at").values("slug", "name", "updated_at")[
                    :RECENT_UPDATES
                ]
            ),
        )
        for number, queryset in enumerate(querysets)
    )
    return Statement(
        querysets[0].db, f"{sql} ORDER BY 4 DESC, 1 LIMIT %s", [*params, RECENT_UPDATES]
    )


RECENT = PreparedSQL(recent_updates_statement)


def recent_updates(rows):
    """The latest changes to published content, newest first, as dicts for a short list,
    from the rows of ``RECENT``: one query, its SQL built once per process (a
    ``PreparedSQL``) and bound to the time now. Each ``object`` is an unsaved instance
    holding the slug and name: enough for its name and address.
    """
    return [
        {
            "kind": RECENT_KINDS[number][0],
            "object": RECENT_KINDS[number][1](slug=slug, name=name),
            "updated_at": as_datetime(updated_at),
        }
        for number, slug, name, updated_at in rows
    ]


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hubs, key_figures, recent = together(
            *hub_card_queries(self.request.user), RECENT.pending(timezone.now())
        )
        context["cities"] = cities = hub_cards(hubs, key_figures)
        context["standings"] = group_by_choice(cities, "standing", City.Standing)
        context["recent_updates"] = recent_updates(recent)
        return context


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sitemap_url"] = self.request.build_absolute_uri(reverse("sitemap"))
        return context


@never_cache
def healthz(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "error", "database": str(error)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
