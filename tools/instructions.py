"""Instructions per request of pages, counted by cachegrind: to compare two commits on
a shared machine, where time drifts by a fifth within a run and instructions do not.

    .venv/bin/python tools/instructions.py /cities/beijing/ /companies/alibaba/
    .venv/bin/python tools/instructions.py --requests 50 /zones/zhongguancun/

For each path, two fresh processes run under ``valgrind --tool=cachegrind
--cache-sim=no`` (Debian's ``valgrind``), side by side: one makes 20 warm-up requests
and N more with Django's test client, the other only the warm-up. The difference over N
is the page's instructions per request; runs of the same code agree to within about
1 %. Requests are made as the benchmark makes them in-process (``DEBUG`` off, the page
cache off: ``hubguide.bench.in_process_settings``), against the database of
``DATABASE_URL`` (by default the development database) and the media of
``MEDIA_ROOT``.

To compare with another commit, check it out beside this one and run its copy against
the same database and media::

    git worktree add ../hubguide-old <commit> && ln -s "$PWD/.venv" ../hubguide-old/.venv
    (cd ../hubguide-old && MEDIA_ROOT="$OLDPWD/media" .venv/bin/python \
        tools/instructions.py /cities/beijing/)

(a fresh worktree has no media: its pages would show no images, and cost less).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions_in(report):
    """The instructions counted, from what cachegrind writes to stderr."""
    match = _REFS.search(report)
    if match is None:
        raise ValueError(f"cachegrind reported no instruction count:\n{report[-2000:]}")
    return int(match[1].replace(",", ""))


def make_requests(path, requests):
    """The child's work: the warm-up, then ``requests`` more, each a 200."""
    import django  # noqa: PLC0415 - the parent process never sets Django up

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubguide.settings")
    django.setup()
    from django.test import Client  # noqa: PLC0415

    from hubguide.bench import in_process_settings  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as static_root, in_process_settings("off", static_root):
        client = Client()
        for _ in range(WARM_UP + requests):
            status = client.get(path).status_code
            if status != 200:
                sys.exit(f"{path} answered {status}, not 200")


def counted(path, requests):
    """Instructions of a process that makes the warm-up and ``requests`` more."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    env.setdefault("DJANGO_DEBUG", "1")
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        "--requests",
        str(requests),
        path,
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{path}: the measured process failed:\n{done.stderr[-2000:]}")
    return instructions_in(done.stderr)


def per_request(path, requests):
    with ThreadPoolExecutor(max_workers=2) as pool:
        warm_only = pool.submit(counted, path, 0)
        warm_and_more = pool.submit(counted, path, requests)
        return (warm_and_more.result() - warm_only.result()) / requests


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a page's path, e.g. /")
    parser.add_argument("--requests", type=int, default=30, help="requests counted (30)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        make_requests(options.paths[0], options.requests)
        return
    if options.requests < 1:
        parser.error("--requests must be at least 1")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install -y valgrind).")
    for path in options.paths:
        print(f"{path}: {per_request(path, options.requests) / 1e6:.2f} M instructions per request")


if __name__ == "__main__":
    main()
