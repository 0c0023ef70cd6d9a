"""The site's URLs plus ``/__bench__/bare``, the bare view the benchmark measures pages against.

Never the public site's URLconf: ``manage.py bench`` mounts it in its own process, and
``hubguide.bench_settings`` for the gunicorn it starts.
"""

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from hubguide.urls import urlpatterns as site_urlpatterns

BARE_PATH = "/__bench__/bare"

HUBS = [
    {
        "slug": "beijing",
        "name": "Beijing",
        "name_zh": "北京",
        "province": "Beijing",
        "standing": "frontrunner",
        "summary": "Universities, research institutes and Zhongguancun's start-ups.",
        "companies": 1520.0,
    },
    {
        "slug": "shenzhen",
        "name": "Shenzhen",
        "name_zh": "深圳",
        "province": "Guangdong",
        "standing": "frontrunner",
        "summary": "Hardware, from the first prototype to the millionth unit.",
        "companies": 1310.0,
    },
    {
        "slug": "hangzhou",
        "name": "Hangzhou",
        "name_zh": "杭州",
        "province": "Zhejiang",
        "standing": "rising",
        "summary": "E-commerce and the payments and logistics built around it.",
        "companies": 840.0,
    },
    {
        "slug": "chengdu",
        "name": "Chengdu",
        "name_zh": "成都",
        "province": "Sichuan",
        "standing": "rising",
        "summary": "Software, games and chips in the west's largest hi-tech zone.",
        "companies": 610.0,
    },
    {
        "slug": "xian",
        "name": "Xi'an",
        "name_zh": "西安",
        "province": "Shaanxi",
        "standing": "rising",
        "summary": "Aerospace, semiconductors and a deep bench of engineers.",
        "companies": 450.0,
    },
]


def bare(request):
    context = {"title": "A bare Django view", "hubs": HUBS, "now": timezone.now()}
    return render(request, "bench/bare.html", context)


urlpatterns = [path(BARE_PATH.lstrip("/"), bare, name="bench_bare"), *site_urlpatterns]
