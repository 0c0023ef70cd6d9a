from django.views.generic import DetailView, ListView

from cities.views import PublishedMixin
from companies.models import Company


class DirectoryView(PublishedMixin, ListView):
    model = Company
    paginate_by = 20


class CompanyDetailView(PublishedMixin, DetailView):
    model = Company
