"""The benchmark harness reads wrk's report and computes the ratios it promises."""

from bench.people_list import _ms, _report, parse_wrk

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8831/api/v1/people/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.12ms    3.01ms  40.11ms   80.00%
  Latency Distribution
     50%    8.50ms
     75%   10.20ms
     90%   12.90ms
     99%   21.30ms
  26000 requests in 15.00s, 80.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:   1733.33
Transfer/sec:      5.33MB
"""


def test_latency_units_convert_to_milliseconds():
    assert _ms("812.00us") == 0.812
    assert _ms("3.21ms") == 3.21
    assert _ms("1.02s") == 1020.0


def test_parse_wrk_reads_rate_percentiles_and_errors():
    assert parse_wrk(WRK_OUTPUT) == {"rps": 1733.33, "p50": 8.5, "p99": 21.3, "non2xx": 3,
                                     "timeouts": 2}


def test_report_states_ratio_and_verdict_against_the_peer():
    peer = [{"name": "api", "url": "/api/contacts/", "rps": 50.0, "p50": 300.0, "p99": 900.0,
             "non2xx": 0},
            {"name": "admin", "url": "/admin/", "rps": 10.0, "p50": 1.0, "p99": 2.0, "non2xx": 0}]
    ours = [{"vendor": "postgresql", "name": "API first page", "rps": 2000.0, "p50": 5.0,
             "p99": 20.0, "non2xx": 0},
            {"vendor": "sqlite", "name": "HTML list /people/", "rps": 200.0, "p50": 5.0,
             "p99": 60.0, "non2xx": 0}]
    text = "\n".join(_report(100000, peer, ours))
    assert "postgresql API first page: 40.0× BottleCRM's API list; p99 20.0 ms: meets" in text
    assert "sqlite HTML list /people/: 20.0× BottleCRM's admin list; p99 60.0 ms: misses" in text
