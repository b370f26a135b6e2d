"""Server-side render time of the officials' pages, measured over HTTP against a running
release server (keep-alive, one request at a time, warm). The JSON of the same figures from
/api/v1/indicators is the baseline in the same run; /healthz shows the HTTP floor.

    python3 bench/pages.py --url http://127.0.0.1:PORT [--rounds 30]

Prints median and 90th percentile per page and the ratio to the baseline. Never fails on a
timing.
"""

import argparse
import http.client
import statistics
import time
import urllib.parse


def sign_in(host, port, username, password):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    body = urllib.parse.urlencode({"username": username, "password": password, "next": "/"})
    conn.request("POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://{host}:{port}",
    })
    response = conn.getresponse()
    response.read()
    cookie = next(v.split(";")[0] for k, v in response.getheaders()
                  if k.lower() == "set-cookie" and v.startswith("tanhui_session"))
    conn.close()
    return cookie


def timings(conn, path, cookie, rounds):
    out = []
    size = 0
    for _ in range(rounds + 2):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "identity"})
        response = conn.getresponse()
        body = response.read()
        out.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        size = len(body)
    return out[2:], size  # the first two warm up


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--user", default="official")
    parser.add_argument("--password", default="tanhui-demo-2026")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    cookie = sign_in(url.hostname, url.port, args.user, args.password)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    pages = [
        ("baseline: GET /api/v1/indicators (prefecture, 21 indicators, JSON)",
         "/api/v1/indicators?unit=513400"),
        ("GET /healthz (HTTP floor)", "/healthz"),
        ("overview GET / (prefecture: 14 cards, 3 counties, 8 charts)", "/"),
        ("county GET /unit/513434?model=collective", "/unit/513434?model=collective"),
        ("at-risk GET /at-risk?unit=513434 (first page)", "/at-risk?unit=513434"),
    ]
    results = {}
    for name, path in pages:
        samples, size = timings(conn, path, cookie, args.rounds)
        results[name] = (statistics.median(samples), sorted(samples)[int(len(samples) * 0.9) - 1], size)
    base = results[pages[0][0]][0]
    print(f"{'page':<66} {'median ms':>10} {'p90 ms':>8} {'bytes':>9} {'× baseline':>11}")
    for name, (median, p90, size) in results.items():
        print(f"{name:<66} {median:>10.2f} {p90:>8.2f} {size:>9} {median / base:>11.2f}")


if __name__ == "__main__":
    main()
