from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from hubguide import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("", include("cities.urls")),
    path("companies/", include("companies.urls")),
    path("healthz", views.healthz, name="healthz"),
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
