"""tools/instructions.py, which counts a page's instructions per request under
cachegrind: what it reads from cachegrind, and the requests it has counted."""

import importlib.util
from pathlib import Path

import pytest

from tests.factories import make_city

TOOL = Path(__file__).resolve().parents[2] / "tools" / "instructions.py"
spec = importlib.util.spec_from_file_location("instructions_tool", TOOL)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_the_count_is_read_from_cachegrinds_summary():
    report = (
        "==4242== Cachegrind, a cache and branch-prediction profiler\n"
        "==4242== I   refs:      25,085,359\n"
    )
    assert tool.instructions_in(report) == 25_085_359


def test_a_run_that_counted_nothing_says_so_with_what_it_printed():
    with pytest.raises(ValueError, match="(?s)no instruction count.*Segmentation fault"):
        tool.instructions_in("==4242== Segmentation fault\n")


@pytest.mark.django_db
def test_the_counted_process_asks_for_the_page_as_the_benchmark_does():
    city = make_city(name="Wuhan")
    tool.make_requests(city.get_absolute_url(), 1)


@pytest.mark.django_db
def test_a_page_that_is_not_a_200_stops_the_count():
    with pytest.raises(SystemExit, match="/cities/nowhere/ answered 404"):
        tool.make_requests("/cities/nowhere/", 1)


def test_fewer_than_one_counted_request_is_refused(capsys):
    with pytest.raises(SystemExit):
        tool.main(["--requests", "0", "/"])
    assert "--requests must be at least 1" in capsys.readouterr().err
