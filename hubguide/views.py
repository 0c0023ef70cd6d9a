from django.db import connection
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from cities.models import City, Policy
from cities.views import group_by_choice, key_figures_prefetch, visible_zones
from companies.models import Company
from hubguide.sql import as_datetime, compiled, union_all

RECENT_UPDATES = 6


def recent_updates(limit=RECENT_UPDATES):
    """The latest changes to published content, newest first, as dicts for a short list.

    One query: the latest few of each kind (each along its updated_at index), together.
    Each ``object`` is an unsaved instance holding the slug and name: enough for its
    name and address.
    """
    sources = [
        (_("Hub"), City.objects.published()),
        (_("Zone"), visible_zones(staff=False)),
        (_("Policy"), Policy.objects.published()),
        (_("Company"), Company.objects.published()),
    ]
    sql, params = union_all(
        (
            "SELECT %s, slug, name, updated_at FROM ({}) AS latest",
            [number],
            compiled(queryset.order_by("-updated_at").values("slug", "name", "updated_at")[:limit]),
        )
        for number, (_label, queryset) in enumerate(sources)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY 4 DESC, 1 LIMIT %s", [*params, limit])
        rows = cursor.fetchall()
    return [
        {
            "kind": sources[number][0],
            "object": sources[number][1].model(slug=slug, name=name),
            "updated_at": as_datetime(updated_at),
        }
        for number, slug, name, updated_at in rows
    ]


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cities = list(
            City.objects.visible_to(self.request.user).prefetch_related(key_figures_prefetch())
        )
        context["cities"] = cities
        context["standings"] = group_by_choice(cities, "standing", City.Standing)
        context["recent_updates"] = recent_updates()
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
