"""Dashboard pages under load (issue 4): PostgreSQL with 100,000 respondents in two waves, gunicorn on loopback,
a bounded load (requests and time) from a second process; p50/p95 per page, target p95 < 200 ms.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); the database ``impactlab_bench`` is made afresh.
``BENCH_RESPONDENTS``, ``BENCH_REQUESTS`` (per page), ``BENCH_CONCURRENCY`` and ``BENCH_SECONDS`` override the
defaults.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report

DB = "impactlab_bench"
PG = "postgres://postgres@127.0.0.1:5432"
RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))  # per page
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "2,4").split(",")]  # clients in parallel
SECONDS = float(os.environ.get("BENCH_SECONDS", "120"))  # one load run, all pages
TARGET_MS = 200.0

LOAD = r'''
import http.client, json, sys, threading, time
from urllib.parse import urlsplit
port, cookie, pages, per_page, concurrency, seconds = json.loads(sys.argv[1])
results = {name: [] for name, _ in pages}
errors = {name: 0 for name, _ in pages}
deadline = time.monotonic() + seconds
lock = threading.Lock()

def worker(name, path, todo):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        with lock:
            if todo[0] <= 0:
                break
            todo[0] -= 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30); ok = False
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            if ok:
                results[name].append(elapsed)
            else:
                errors[name] += 1
    conn.close()

for name, path in pages:  # page by page, each under `concurrency` parallel clients
    todo = [per_page]
    threads = [threading.Thread(target=worker, args=(name, path, todo)) for _ in range(concurrency)]
    for t in threads: t.start()
    for t in threads: t.join()
print(json.dumps({"results": results, "errors": errors}))
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def _setup(var: Path) -> dict:
    """Migrate, make the programme, import the survey through the upload job, warm the caches."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from impactlab.io.synth import MISSING_CODE, synth
    from impactlab.model.examples import example_text
    from impactlab_web.dashboards import figures
    from impactlab_web.dashboards.jobs import import_upload
    from impactlab_web.data.models import Upload
    from impactlab_web.jobs.runner import run_pending
    from impactlab_web.organisations.models import Membership, Organisation, Profile, Role
    from impactlab_web.programmes import modelling
    from impactlab_web.programmes.models import Programme

    call_command("migrate", verbosity=0)
    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    user = User.objects.create_user("bench", password="bench-impactlab-2025")
    Profile.objects.create(user=user, language="en")
    Membership.objects.create(user=user, organisation=welfare, role=Role.ADMINISTRATOR)
    version = modelling.save_version(programme, example_text("buurtcirkels"), user, "bench")

    survey = var / "enquete.csv"
    started = time.perf_counter()
    synth(respondents=RESPONDENTS, waves=2, out=survey, seed=11, items=11)
    report("synthetic survey (respondents x 2 waves)", f"{time.perf_counter() - started:.1f} s")
    mapping = {"respondent_id": "respondent_id", "wave": "wave", "group": ["district"], "instrument": "djg-11",
               "identifiers": ["name", "email", "phone", "bsn"], "date_of_birth": "date_of_birth",
               "free_text": ["remarks"], "missing_codes": {f"lone{k}": [MISSING_CODE] for k in range(1, 12)}}
    upload = Upload.objects.create(programme=programme, owner=welfare, uploaded_by=user, filename=survey.name,
                                   format="csv", path=str(survey), dataset="enquete", mapping=mapping,
                                   on_error="quarantine", state=Upload.State.IMPORTING)
    started = time.perf_counter()
    import_upload({"upload": str(upload.pk)}, lambda fraction, message: None)
    upload.refresh_from_db()
    report("import job (upload -> snapshot, rows)", f"{upload.report['imported']:,} rows",
           f"{time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    figures.ensure_simulation(version, user)
    run_pending()
    draws, _seed = figures.monte_carlo()
    report(f"dashboard simulation job ({draws:,} draws)", f"{time.perf_counter() - started:.2f} s")

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return {"programme": programme.pk, "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def main() -> None:
    try:
        _fresh_database()
    except Exception as error:  # no server: say so, do not fail the other benchmarks
        report("PostgreSQL on 127.0.0.1:5432", f"unavailable ({type(error).__name__})")
        return
    with tempfile.TemporaryDirectory(prefix="impactlab-bench-") as folder:
        var = Path(folder)
        env = {**os.environ, "DATABASE_URL": f"{PG}/{DB}", "IMPACTLAB_VAR": str(var), "DJANGO_DEBUG": "0",
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "impactlab_web.settings")
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "IMPACTLAB_VAR", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                                               "DJANGO_ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")})
        world = _setup(var)
        port = _free_port()
        root = Path(__file__).resolve().parents[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "impactlab_web.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--threads", "2", "--log-level", "warning"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _wait(port)
            p = f"/programmes/{world['programme']}/"
            pages = [("dashboard", p + "dashboard/"), ("chart: waterfall", p + "dashboard/charts/waterfall.json"),
                     ("chart: tornado", p + "dashboard/charts/tornado.json"),
                     ("chart: who pays", p + "dashboard/charts/who-pays.json"),
                     ("chart: histogram", p + "dashboard/charts/histogram.json"),
                     ("chart: change", p + "dashboard/charts/change-0.json"), ("data list", p + "data/")]
            cold = _first_view(port, world["cookie"], pages[0][1])
            report("dashboard, first view (large: queues its figures job, shows progress)", f"{cold:.0f} ms")
            from impactlab_web.jobs.runner import run_pending

            started = time.perf_counter()
            run_pending()  # the worker: valuation, sensitivity, change at 100k, into the figure cache
            report("dashboard figures job (change at 100k respondents)", f"{time.perf_counter() - started:.2f} s")
            shown = _first_view(port, world["cookie"], pages[0][1])
            report("dashboard, first view after the job (figures cached)", f"{shown:.0f} ms")
            for _name, path in pages:  # every gunicorn worker reads the caches once
                for _ in range(4):
                    _first_view(port, world["cookie"], path)
            for concurrency in CONCURRENCY:
                _load(port, world["cookie"], pages, concurrency)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            from django.db import connections

            connections.close_all()


def _load(port: int, cookie: str, pages: list[tuple[str, str]], concurrency: int) -> None:
    """A bounded load (REQUESTS per page, at most SECONDS) from a second process; p50/p95 per page."""
    args = json.dumps([port, cookie, pages, REQUESTS, concurrency, SECONDS])
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LOAD, args], capture_output=True, text=True, check=True,
                          timeout=SECONDS + 60)
    elapsed = time.perf_counter() - started
    data = json.loads(done.stdout)
    total = sum(len(v) for v in data["results"].values())
    report(f"load from a second process: {concurrency} clients in parallel", f"{total} requests",
           f"{elapsed:.1f} s, {total / elapsed:.0f} req/s")
    for name, _path in pages:
        times = data["results"][name]
        p50, p95 = _percentile(times, 0.5), _percentile(times, 0.95)
        errors = data["errors"][name]
        report(f"  {name}: p50 / p95 (n={len(times)}, errors {errors})", f"{p50:.0f} / {p95:.0f} ms",
               f"p95 < {TARGET_MS:.0f} ms", p95 < TARGET_MS and errors == 0 and len(times) > 0)


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _first_view(port: int, cookie: str, path: str) -> float:
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")
    return (time.perf_counter() - started) * 1000
