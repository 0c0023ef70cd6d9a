from django.urls import path

from cities import views

app_name = "cities"

urlpatterns = [
    path("cities/", views.CityListView.as_view(), name="city_list"),
    path("cities/<slug:slug>/", views.CityDetailView.as_view(), name="city_detail"),
    path("zones/<slug:slug>/", views.ZoneDetailView.as_view(), name="zone_detail"),
    path("policies/", views.PolicyListView.as_view(), name="policy_list"),
    path("policies/<slug:slug>/", views.PolicyDetailView.as_view(), name="policy_detail"),
]
