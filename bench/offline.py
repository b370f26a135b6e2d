"""What offline field work costs in bytes, measured over HTTP against a running server:

- first visit: the wasm and JS a page names (`/pkg/tanhui.<build>.wasm|.js`), as sent to a
  browser that accepts brotli, for the overview and for a survey form (the budget is 400 KB
  together);
- revisit: none of them is asked for again (the service worker answers from its cache; the
  browser test `offline.spec.ts` checks that the revisit's /pkg files come from it);
- the offline package ("prepare for offline") of an enumerator whose villages hold about 300
  households: how long the server takes to make it, its size as stored on the device (JSON)
  and as sent (gzip, brotli).

    python3 bench/offline.py --url http://127.0.0.1:PORT --db PATH --tanhui BINARY \
        [--households 300] [--password PW]

The enumerator account (`bench.offline`) is created with `tanhui user add` on villages of one
county taken in code order until they hold `--households`. Never fails on a size.
"""

import argparse
import http.client
import json
import re
import sqlite3
import statistics
import subprocess
import time
import urllib.parse

from pages import sign_in

PASSWORD = "bench-offline-2026"


def get(host, port, path, cookie, encoding):
    conn = http.client.HTTPConnection(host, port, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": encoding})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.getheader("Content-Encoding") or "identity", body


def bundle_bytes(host, port, cookie, page):
    status, _, html = get(host, port, page, cookie, "identity")
    if status != 200:
        raise SystemExit(f"{page}: HTTP {status}")
    names = sorted(set(re.findall(rb"/pkg/tanhui\.[0-9a-f]{16}\.(?:js|wasm)", html)))
    sizes = {}
    for name in names:
        _, coding, body = get(host, port, name.decode(), cookie, "br, gzip")
        sizes[name.decode().rsplit(".", 1)[1]] = (len(body), coding)
    return sizes


def villages_for(db, households):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT village_code, COUNT(*) FROM households GROUP BY village_code ORDER BY village_code"
    ).fetchall()
    con.close()
    county = rows[0][0][:6]
    chosen, total = [], 0
    for code, n in rows:
        if code[:6] != county or total >= households:
            continue
        chosen.append(code)
        total += n
    return chosen, total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True, help="the server's SQLite file")
    parser.add_argument("--tanhui", required=True, help="the tanhui binary, for `user add`")
    parser.add_argument("--households", type=int, default=300)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    host, port = url.hostname, url.port

    villages, total = villages_for(args.db, args.households)
    subprocess.run(
        [args.tanhui, "user", "add", "--db", f"sqlite://{args.db}", "--username", "bench.offline",
         "--role", "enumerator", "--scope", ",".join(villages), "--password-stdin"],
        input=PASSWORD + "\n", text=True, capture_output=True,
    )
    cookie = sign_in(host, port, "bench.offline", PASSWORD)

    times = []
    for _ in range(5):
        started = time.perf_counter()
        status, _, raw = get(host, port, "/api/v1/field/offline", cookie, "identity")
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"/api/v1/field/offline: HTTP {status}: {raw[:200]!r}")
    package = json.loads(raw)
    _, gz_coding, gz = get(host, port, "/api/v1/field/offline", cookie, "gzip")
    _, br_coding, br = get(host, port, "/api/v1/field/offline", cookie, "br")
    survey = package["forms"][0]["household"]

    print("page            wasm (sent)          JS (sent)        together")
    for label, page in (("overview /", "/"), ("survey form", f"/survey/{survey}")):
        sizes = bundle_bytes(host, port, cookie, page)
        wasm, js = sizes.get("wasm", (0, "-")), sizes.get("js", (0, "-"))
        print(f"{label:<15} {wasm[0]:>10,} B {wasm[1]:<8} {js[0]:>8,} B {js[1]:<6} {wasm[0] + js[0]:>10,} B "
              f"({(wasm[0] + js[0]) / 400_000:.2f}× the 400 KB budget)")
    print("revisit         0 B: the service worker answers /pkg from its cache (offline.spec.ts)")
    print(f"offline package: {len(villages)} villages, {len(package['forms'])} households "
          f"(asked for {args.households}; the villages hold {total})")
    print(f"  made by the server in {statistics.median(times):,.0f} ms (median of 5; min {min(times):,.0f}, max {max(times):,.0f})")
    print(f"  on the device (JSON) {len(raw):>12,} B  ({len(raw) / max(1, len(package['forms'])):,.0f} B a household)")
    print(f"  sent, {gz_coding:<6}        {len(gz):>12,} B  ({len(raw) / max(1, len(gz)):.1f}× smaller)")
    print(f"  sent, {br_coding:<6}        {len(br):>12,} B  ({len(raw) / max(1, len(br)):.1f}× smaller)")


if __name__ == "__main__":
    main()
