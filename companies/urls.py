from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.DirectoryView.as_view(), name="directory"),
    path("<slug:slug>/", views.CompanyDetailView.as_view(), name="company_detail"),
]
