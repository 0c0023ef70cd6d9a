"""The sitemap index and its sections: the fixed pages and every published page.

An index, not one file: a sitemap holds at most 50,000 addresses and the directory
is meant to grow past that; each section pages itself (``?p=2``) and the index
lists every page.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from cities.models import City, Policy, Zone
from companies.models import Company


class StaticSitemap(Sitemap):
    priority = 0.8
    changefreq = "weekly"

    def items(self):
        return ["home", "cities:city_list", "cities:policy_list", "companies:directory"]

    def location(self, item):
        return reverse(item)


class PublishedSitemap(Sitemap):
    """The published rows of a model, newest change as ``lastmod``."""

    changefreq = "monthly"

    def get_queryset(self):
        raise NotImplementedError

    def items(self):
        return self.get_queryset().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # One aggregate, rather than the default of loading every row to take a max.
        return self.get_queryset().aggregate(latest=Max("updated_at"))["latest"]


class CitySitemap(PublishedSitemap):
    priority = 0.9

    def get_queryset(self):
        return City.objects.published()


class ZoneSitemap(PublishedSitemap):
    priority = 0.6

    def get_queryset(self):
        # A zone in a draft city is hidden with its city.
        return Zone.objects.published().filter(city__in=City.objects.published())


class PolicySitemap(PublishedSitemap):
    priority = 0.6

    def get_queryset(self):
        return Policy.objects.published()


class CompanySitemap(PublishedSitemap):
    priority = 0.5

    def get_queryset(self):
        return Company.objects.published()


sitemaps = {
    "pages": StaticSitemap,
    "cities": CitySitemap,
    "zones": ZoneSitemap,
    "policies": PolicySitemap,
    "companies": CompanySitemap,
}
