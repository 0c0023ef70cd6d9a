from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.static import serve

from hubguide import views
from hubguide.admin import markdown_preview
from hubguide.quality import quality_view
from hubguide.sitemaps import sitemaps

admin.autodiscover()  # not as Django starts (hubguide.apps.AdminConfig)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("", include("cities.urls")),
    path("companies/", include("companies.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    # Editors' pages beside the admin's own, behind its login (staff only, CSRF checked).
    path("admin/quality/", admin.site.admin_view(quality_view), name="admin_quality"),
    path(
        "admin/preview/markdown/",
        admin.site.admin_view(markdown_preview),
        name="admin_markdown_preview",
    ),
    path("admin/", admin.site.urls),
]

if settings.MEDIA_URL.startswith("/"):
    # Uploaded images on a one-box install; with object storage MEDIA_URL is absolute.
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
