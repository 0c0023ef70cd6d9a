from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.DirectoryView.as_view(), name="directory"),
    path("export.csv", views.CSVExportView.as_view(), name="export_csv"),
    path("export.json", views.JSONExportView.as_view(), name="export_json"),
    path("<slug:slug>/", views.CompanyDetailView.as_view(), name="company_detail"),
]
