"""Questionnaire intake under load (issue 5): submissions per second with none lost or doubled.

Against the PostgreSQL setup (127.0.0.1:5432, user postgres, a database of its own), the app under gunicorn
on 127.0.0.1 (2 workers), and a BOUNDED load test from a second process on loopback: a fixed number of
personal wave links, each submitted once, plus deliberate duplicate resubmits (some at the same moment on
another connection), stopped after a fixed time at the latest. Afterwards the rows are counted and compared
with what was sent: every link answered must be stored exactly once.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "impactlab_bench_intake"
LINKS = int(os.environ.get("BENCH_INTAKE_LINKS", "6000"))
DUPLICATE_EVERY = 10  # every 10th link is submitted twice, at the same moment on two connections
CONNECTIONS = 12
THREADS = 4  # per worker: while one request waits for PostgreSQL, another runs
TIME_LIMIT = 90.0  # seconds: the load test stops here at the latest
TARGET = 200.0

SETUP = """
import json, sys
from impactlab.fieldwork.tokens import new_respondent_key
from impactlab_web.fieldwork import service
from impactlab_web.fieldwork.demo import DOCUMENT
from impactlab_web.fieldwork.models import Questionnaire, Wave
from impactlab_web.organisations.models import Organisation
from impactlab_web.programmes.models import Programme
organisation, _ = Organisation.objects.get_or_create(name="Bench")
programme, _ = Programme.objects.get_or_create(name="Bench", lead=organisation)
questionnaire = Questionnaire.objects.create(programme=programme, document=DOCUMENT)
wave = Wave.objects.create(questionnaire=questionnaire, name="T0")
warm = Wave.objects.create(questionnaire=questionnaire, name="warm-up")
links = [service.link_for(wave, respondent=new_respondent_key()) for _ in range(int(sys.argv[1]))]
warming = [service.link_for(warm, respondent=new_respondent_key()) for _ in range(300)]
print(json.dumps({"wave": wave.pk, "links": links, "warm": warming}))
"""

LOAD = r"""
import http.client, json, sys, threading, time, urllib.parse
plan = json.load(sys.stdin)
port, connections, limit = plan["port"], plan["connections"], plan["time_limit"]
csrf = plan["csrf"]
body = urllib.parse.urlencode(plan["answers"], doseq=True)
headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf,
           "Host": "127.0.0.1"}
jobs = plan["jobs"]  # [[link, copies], ...]
lock = threading.Lock()
position = [0]
results = {"sent": 0, "status": {}, "answered": [], "errors": 0}
deadline = time.monotonic() + limit

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        with lock:
            if position[0] >= len(jobs):
                return
            link = jobs[position[0]]
            position[0] += 1
        try:
            conn.request("POST", f"/r/{link}/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            results["sent"] += 1
            results["status"][str(status)] = results["status"].get(str(status), 0) + 1
            if status == 302:
                results["answered"].append(link)

started = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
results["seconds"] = time.monotonic() - started
print(json.dumps(results))
"""


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_ALLOW_ASYNC")}
    env |= {"DATABASE_URL": f"{PG}/{DATABASE}", "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40), "IMPACTLAB_VAR": str(var),
            "DJANGO_SETTINGS_MODULE": "impactlab_web.settings", "PYTHONPATH": str(ROOT / "src")}
    return env


def _psql(sql: str, database: str = "postgres") -> str:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        rows = conn.execute(sql).fetchall() if sql.lstrip().lower().startswith("select") else conn.execute(sql)
        return json.dumps(rows, default=str) if isinstance(rows, list) else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    python = sys.executable
    gunicorn = str(Path(python).with_name("gunicorn"))
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DATABASE}")
    with tempfile.TemporaryDirectory() as folder:
        env = _env(Path(folder))
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        setup = subprocess.run([python, "-c", "import django; django.setup()\n" + SETUP, str(LINKS)], cwd=ROOT,
                               env=env, check=True, capture_output=True, text=True)
        plan = json.loads(setup.stdout.strip().splitlines()[-1])
        links = plan["links"]
        jobs: list[str] = []
        for number, link in enumerate(links):
            jobs.append(link)
            if number % DUPLICATE_EVERY == 0:
                jobs.append(link)  # taken by the next free connection: a concurrent duplicate
        port = _free_port()
        server = subprocess.Popen(
            [gunicorn, "impactlab_web.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread",
             "--threads", str(THREADS), "--keep-alive", "30", "--log-level", "warning"],
            cwd=ROOT, env=env)
        try:
            _wait(port)
            answers = {"alone": "2", "housemates": "3", "lone3": "1", "lone4": "2", "lone7": "3", "lone8": "1",
                       "lone9": "2", "lone10": "3", "grade": "7", "helpers": ["1", "3"], "remarks": "Fijn initiatief"}
            csrf = secrets.token_hex(16)
            warm = {"port": port, "connections": 2, "time_limit": 10, "csrf": csrf, "answers": answers,
                    "jobs": plan["warm"]}
            subprocess.run([python, "-c", LOAD], input=json.dumps(warm), capture_output=True, text=True, check=True)
            load = {"port": port, "connections": CONNECTIONS, "time_limit": TIME_LIMIT, "csrf": csrf,
                    "answers": answers, "jobs": jobs}
            done = subprocess.run([python, "-c", LOAD], input=json.dumps(load), capture_output=True, text=True,
                                  check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait(timeout=30)
    counted = json.loads(_psql(
        "select count(*), count(distinct respondent_key) from fieldwork_response "
        f"where wave_id = {int(plan['wave'])}", DATABASE))[0]
    rows, distinct = int(counted[0]), int(counted[1])
    answered = set(result["answered"])
    sent_links = len(set(jobs[: result["sent"]]))
    duplicates = result["sent"] - sent_links
    rate = result["sent"] / result["seconds"]
    unique_rate = sent_links / result["seconds"]
    print(f"  gunicorn 2 workers (gthread x{THREADS}) on 127.0.0.1, PostgreSQL, {os.cpu_count()} cores shared with "
          f"the load process ({CONNECTIONS} keep-alive connections), {result['seconds']:.1f} s, "
          f"statuses {result['status']}")
    report("submissions sent (incl. duplicate resubmits)", f"{result['sent']:,}")
    report("deliberate duplicate resubmits", f"{duplicates:,}")
    report("submissions per second (all POSTs)", f"{rate:,.0f}/s", f">= {TARGET:.0f}/s", rate >= TARGET)
    report("distinct respondents per second", f"{unique_rate:,.0f}/s")
    report("rows stored / distinct links sent", f"{rows:,} / {sent_links:,}", "equal", rows == sent_links)
    report("lost (answered 302 but not stored)", f"{len(answered) - distinct:,}", "0", len(answered) == distinct)
    report("doubled (rows - distinct respondent keys)", f"{rows - distinct:,}", "0", rows == distinct)
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
