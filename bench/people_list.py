"""Benchmark 2: the people list with 100,000 people, served as in production.

Right before measuring trustfunnel, it runs the peer benchmark
``/work/shared/bench/bottlecrm/reproduce.sh N`` (BottleCRM's contact list: REST API and
admin list, SQLite, gunicorn 2 workers) so the ratio is taken on the same machine in the
same minutes. Then, for PostgreSQL and SQLite:

1. a fresh database, migrated, with the demo firm plus N bulk relationships (each with
   its person): ``trustfunnel demo --relationships N --signals 0 --interactions 0``;
2. ``collectstatic``, an API token and a logged-in session for the ``demo`` user;
3. gunicorn with 2 workers, ``DEBUG`` off (as in docs/operations.md);
4. ``wrk -t2 -c16 -d15s --latency --timeout 30s`` on
   - the API's first page ``/api/v1/people/`` (``Authorization: Token ...``),
   - a page deep in the list: the cursor reached by following ``next`` links
     ``BENCH_DEEP_PAGES`` times at ``page_size=200`` (default 250 pages, 50,000 rows in),
   - a search ``/api/v1/people/?q=<a common last name>``,
   - the HTML list ``/people/`` (session cookie).

Targets: p99 under 50 ms and at least 30x BottleCRM's requests per second.
Environment: ``BENCH_PEOPLE`` (default 100000), ``BENCH_PG_URL``, ``BENCH_DATABASES``,
``BENCH_PORT`` (8831), ``PY312`` (Python 3.12 for the peer), ``BENCH_SKIP_PEER=1``,
``BENCH_GUNICORN_ARGS`` (extra gunicorn arguments, for an A/B of the worker type),
``BENCH_REDIS_URL`` (the Redis production recommends for the cache and sessions;
default ``redis://127.0.0.1:6379/5`` when it answers, ``none`` to run without).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.insert import DEFAULT_PG, prepare
from bench.machine import BIN, ROOT, append_section

PEER_SCRIPT = Path("/work/shared/bench/bottlecrm/reproduce.sh")
WRK = ["wrk", "-t2", "-c16", "-d15s", "--latency", "--timeout", "30s"]
#: For an A/B of the server's worker type on a quiet machine, e.g.
#: ``BENCH_GUNICORN_ARGS="-k gthread --threads 4"`` (docs/decisions.md 94); production is
#: docs/operations.md's command (sync workers).
EXTRA_GUNICORN_ARGS = os.environ.get("BENCH_GUNICORN_ARGS", "").split()


def redis_url() -> str | None:
    """The Redis the served app uses (docs/operations.md recommends one), if it answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    if url == "none":
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001 - any failure means: run without Redis
        return None
    return url


def run_peer(n: int) -> list[dict]:
    """BottleCRM's figures, one dict per measured URL (empty when skipped/failed)."""
    if os.environ.get("BENCH_SKIP_PEER") == "1" or not PEER_SCRIPT.exists():
        return []
    env = dict(os.environ)
    if "PY312" not in env:
        pyenv_root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        candidate = Path(pyenv_root or "/root/.pyenv") / "versions/3.12.1/bin/python3.12"
        if candidate.exists():
            env["PY312"] = str(candidate)
    proc = subprocess.run(["bash", str(PEER_SCRIPT), str(n)], env=env, capture_output=True,
                          text=True, timeout=3600)
    rows = []
    for line in proc.stdout.splitlines():
        if not line.startswith("bottlecrm "):
            continue
        fields = dict(re.findall(r"(\S+?)=(\S+)", line))
        rows.append({
            "name": "admin" if "/admin/" in fields.get("url", "") else "api",
            "url": fields.get("url", ""),
            "rps": float(fields.get("req/s", "0") or 0),
            "p50": _ms(fields.get("p50", "")), "p99": _ms(fields.get("p99", "")),
            "non2xx": int(fields.get("non2xx", "0") or 0),
        })
    if not rows:
        rows.append({"name": "error", "url": proc.stderr.strip()[-300:], "rps": 0.0,
                     "p50": 0.0, "p99": 0.0, "non2xx": 0})
    return rows


def _ms(text: str) -> float:
    """wrk's latency text (``812.00us``, ``3.21ms``, ``1.02s``) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    value, unit = float(match[1]), match[2]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, header: str) -> dict:
    out = subprocess.run([*WRK, "-H", header, url], capture_output=True, text=True,
                         check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests/s, p50/p99 in ms, non-2xx and timeouts from wrk's ``--latency`` report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*timeout (\d+)", out)
    return {"rps": rps, "p50": _ms(p50), "p99": _ms(p99), "non2xx": int(bad[1]) if bad else 0,
            "timeouts": int(errors[1]) if errors else 0}


def fetch(url: str, header: str) -> tuple[int, bytes]:
    name, value = header.split(": ", 1)
    request = urllib.request.Request(url, headers={name: value})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def credentials(env: dict[str, str]) -> tuple[str, str]:
    """An API token and a logged-in session key for the ``demo`` user."""
    script = (
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, "
        "get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "user = get_user_model().objects.get(username='demo')\n"
        "token, _ = Token.objects.get_or_create(user=user)\n"
        "store = import_module(settings.SESSION_ENGINE).SessionStore()\n"
        "store[SESSION_KEY] = str(user.pk)\n"
        "store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]\n"
        "store[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "store.create()\n"
        "print('CREDENTIALS', token.key, store.session_key)\n"
    )
    out = subprocess.run([str(BIN / "trustfunnel"), "shell", "-c", script], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    token, session = out.split("CREDENTIALS ")[1].split()[:2]
    return token, session


def deep_cursor_url(base: str, header: str, pages: int) -> str:
    """Follow ``next`` links ``pages`` times (200 rows a page); the URL reached."""
    url = f"{base}/api/v1/people/?page_size=200"
    for _ in range(pages):
        status, body = fetch(url, header)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        following = json.loads(body).get("next")
        if not following:
            break
        url = following
    # The deep page at the default page size, like the first-page measurement.
    return re.sub(r"([?&])page_size=\d+&?", r"\1", url).rstrip("&?")


def common_last_name(base: str, header: str) -> str:
    status, body = fetch(f"{base}/api/v1/people/", header)
    if status == 200:
        results = json.loads(body).get("results") or []
        if results and results[0].get("last_name"):
            return results[0]["last_name"].split()[-1]
    return "Jansen"


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(f"/tmp/bench-gunicorn-{port}.log", "w")  # noqa: SIM115 - lives with the server
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
         *EXTRA_GUNICORN_ARGS, "trustfunnel.web.wsgi:application"],
        env=env, cwd=ROOT, stdout=log, stderr=log,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (401/403 is an answer)
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start; see /tmp/bench-gunicorn-{port}.log")


def measure_database(vendor: str, n: int, pg_url: str, port: int) -> list[dict]:
    sqlite_path = Path(tempfile.gettempdir()) / "tf-bench-people.sqlite3"
    env = prepare(vendor, pg_url, sqlite_path)
    subprocess.run([str(BIN / "trustfunnel"), "demo", "--relationships", str(n), "--signals", "0",
                    "--interactions", "0", "--no-progress"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    static_root = Path(tempfile.mkdtemp(prefix="tf-bench-static-"))
    env = {**env, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": str(static_root),
           "PYTHONPATH": str(ROOT)}
    if redis := redis_url():
        env["REDIS_URL"] = redis
    subprocess.run([str(BIN / "trustfunnel"), "collectstatic", "--noinput", "-v0"], env=env,
                   cwd=ROOT, check=True)
    token, session = credentials(env)
    api = f"Authorization: Token {token}"
    cookie = f"Cookie: sessionid={session}"
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port)
    rows = []
    try:
        targets = [("API first page", f"{base}/api/v1/people/", api)]
        pages = int(os.environ.get("BENCH_DEEP_PAGES", "250"))
        try:
            deep = deep_cursor_url(base, api, pages)
            targets.append((f"API deep page (~{pages * 200:,} rows in)", deep, api))
        except RuntimeError as exc:
            rows.append({"vendor": vendor, "name": "API deep page", "url": str(exc)})
        name = common_last_name(base, api)
        targets.append((f"API search q={name}", f"{base}/api/v1/people/?q={name}", api))
        targets.append(("HTML list /people/", f"{base}/people/", cookie))
        for label, url, header in targets:
            status, _body = fetch(url, header)
            if status != 200:
                rows.append({"vendor": vendor, "name": label, "url": url, "status": status})
                continue
            rows.append({"vendor": vendor, "name": label, "url": url, **wrk(url, header)})
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def run() -> str:
    """Peer first, then trustfunnel on each database; appends to bench/RESULTS.md."""
    n = int(os.environ.get("BENCH_PEOPLE", "100000"))
    pg_url = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
    port = int(os.environ.get("BENCH_PORT", "8831"))
    vendors = os.environ.get("BENCH_DATABASES", "postgresql,sqlite").split(",")
    peer = run_peer(n)
    ours = [row for vendor in vendors for row in measure_database(vendor, n, pg_url, port)]
    return append_section(f"people list, {n:,} people (gunicorn 2 workers, DEBUG off)",
                          _report(n, peer, ours), pg_url if "postgresql" in vendors else None)


def _report(n: int, peer: list[dict], ours: list[dict]) -> list[str]:
    server = f"gunicorn -w 2 {' '.join(EXTRA_GUNICORN_ARGS)}".strip()
    redis = redis_url()
    body = [f"`{' '.join(WRK)}` against `{server}`; BottleCRM measured first by "
            f"`reproduce.sh {n}`; cache and sessions: "
            f"{'Redis ' + redis if redis else 'local memory and the database (no Redis)'}.", "",
            "| system | database | list | req/s | p50 ms | p99 ms | non-2xx |",
            "|---|---|---|---|---|---|---|"]
    for row in peer:
        body.append(f"| BottleCRM | sqlite | {row['name']} {row['url']} | {row['rps']:,.1f} "
                    f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['non2xx']} |")
    for row in ours:
        if "rps" not in row:
            body.append(f"| trustfunnel | {row['vendor']} | {row['name']} | not measured: "
                        f"{row.get('status', '')} {row['url']} | | | |")
            continue
        body.append(f"| trustfunnel | {row['vendor']} | {row['name']} | {row['rps']:,.1f} "
                    f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['non2xx']} |")
    peer_api = next((r["rps"] for r in peer if r["name"] == "api"), 0.0)
    peer_admin = next((r["rps"] for r in peer if r["name"] == "admin"), 0.0)
    body += ["", "Ratios (trustfunnel req/s ÷ BottleCRM req/s, same run; target ≥ 30×; "
             "p99 target < 50 ms):", ""]
    for row in ours:
        if "rps" not in row:
            continue
        against = peer_admin if row["name"].startswith("HTML") else peer_api
        what = "admin list" if row["name"].startswith("HTML") else "API list"
        ratio = f"{row['rps'] / against:,.1f}×" if against else "n/a (no peer figure)"
        verdict = "meets" if against and row["rps"] / against >= 30 and row["p99"] < 50 else "misses"
        body.append(f"- {row['vendor']} {row['name']}: {ratio} BottleCRM's {what}; "
                    f"p99 {row['p99']:.1f} ms: {verdict} the target")
    return body


RUN_BY_DEFAULT = False
BENCHMARKS = {"people_list": lambda argv: print(run())}
