"""Signs in to a running Tanhui through the sign-in form and creates an API token for the
account (read-write unless told, valid one day); prints the token's secret (for tools that call the JSON API, such as schemathesis in
`make fuzz`).

    python3 bench/api_token.py --url http://127.0.0.1:PORT --username admin --password PW
"""

import argparse
import http.client
import json
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--name", default="fuzz")
    parser.add_argument("--scope", default="write", help="read (GET only) or write")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.url)
    origin = f"{url.scheme}://{url.netloc}"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body = urllib.parse.urlencode({"username": args.username, "password": args.password, "next": "/"})
    conn.request("POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
    })
    response = conn.getresponse()
    response.read()
    cookies = [v.split(";")[0] for k, v in response.getheaders()
               if k.lower() == "set-cookie" and v.startswith("tanhui_session")]
    if not cookies:
        raise SystemExit(f"sign-in failed: HTTP {response.status}")
    conn.request("POST", "/api/v1/tokens", json.dumps({"name": args.name, "scope": args.scope, "days": 1}), {
        "Content-Type": "application/json",
        "Cookie": cookies[0],
        "Origin": origin,
    })
    response = conn.getresponse()
    answer = response.read()
    if response.status != 201:
        raise SystemExit(f"token: HTTP {response.status}: {answer[:300]!r}")
    print(json.loads(answer)["secret"])


if __name__ == "__main__":
    main()
