from django.views.generic import DetailView, ListView

from cities.models import City, Policy, Zone


class PublishedMixin:
    """Visitors see published rows only; staff also see drafts, to preview them."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class CityListView(PublishedMixin, ListView):
    model = City


class CityDetailView(PublishedMixin, DetailView):
    model = City


class ZoneDetailView(PublishedMixin, DetailView):
    model = Zone


class PolicyListView(PublishedMixin, ListView):
    model = Policy


class PolicyDetailView(PublishedMixin, DetailView):
    model = Policy
