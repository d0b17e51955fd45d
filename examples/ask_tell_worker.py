#!/usr/bin/env python3
"""An external worker for autotune's ask/tell API (Python standard library only).

Start a server, then run one or more workers against an ask/tell study (a spec
without a "trial" section):

    autotune serve --db at.db                      # prints http://127.0.0.1:8080
    python3 examples/ask_tell_worker.py --server http://127.0.0.1:8080 \\
        --spec examples/ask-tell-branin.json --workers 4

Each worker asks for a trial, evaluates the Branin function at the trial's
params (reporting a few intermediate steps on the way, as a training loop
would), and tells the value. It stops when the server answers that no trial
will come any more (409: the study's budget is asked, or the study ended) and
waits when the searcher waits for results of trials in flight (503 with
Retry-After). A bearer token comes from --token or AUTOTUNE_TOKEN.
"""

import argparse
import http.client
import json
import math
import os
import sys
import threading
import time
import urllib.parse


class ApiError(Exception):
    def __init__(self, status, body, headers):
        self.status = status
        self.headers = headers
        try:
            error = json.loads(body)["error"]
            self.message = error.get("message", "")
            self.field = error.get("field")
        except (ValueError, KeyError, TypeError):
            self.message, self.field = body.decode(errors="replace"), None
        super().__init__("HTTP %d: %s" % (status, self.message))


class Client:
    """One kept-alive connection to the server; reconnects when it drops."""

    def __init__(self, server, token):
        url = urllib.parse.urlsplit(server)
        if url.scheme != "http" or not url.hostname:
            raise SystemExit("--server must look like http://HOST:PORT, not %r" % server)
        self.host, self.port = url.hostname, url.port or 80
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.conn = None

    def call(self, method, path, body=None, retries=5):
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(retries + 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=self.headers)
                response = self.conn.getresponse()
                payload = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                if 200 <= response.status < 300:
                    return json.loads(payload)
                raise ApiError(response.status, payload, response.headers)
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                # The server restarts or the connection dropped: try again.
                self.close()
                if attempt == retries:
                    raise
                time.sleep(min(0.2 * 2 ** attempt, 5))
                print("connection problem (%s); retrying" % e, file=sys.stderr)
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def branin(x, y):
    a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (y - b * x ** 2 + c * x - r) ** 2 + s * (1 - t) * math.cos(x) + s


def study_id(client, name):
    page = client.call("GET", "/api/v1/studies?name=" + urllib.parse.quote(name))
    if not page["studies"]:
        raise SystemExit("no study named %r on the server" % name)
    return page["studies"][0]["id"]


def work(client, study, steps, told, index):
    """Asks and tells until the study has no trial left for this worker."""
    done = 0
    while True:
        try:
            trial = client.call("POST", "/api/v1/studies/%d/ask" % study, {})
        except ApiError as e:
            if e.status == 503:  # the searcher waits for results of trials in flight
                time.sleep(float(e.headers.get("Retry-After", "1")))
                continue
            if e.status == 409:  # budget asked, or the study ended
                break
            raise
        params = trial["params"]
        value = branin(params["x"], params["y"])
        # A made-up convergence: the estimate approaches the value step by step.
        for step in range(1, steps + 1):
            estimate = value + 10.0 * 0.5 ** step
            client.call("POST", "/api/v1/trials/%d/tell" % trial["trial_id"],
                        {"step": step, "metrics": {"value": estimate}})
        client.call("POST", "/api/v1/trials/%d/tell" % trial["trial_id"],
                    {"value": value, "step": max(steps, 1)})
        done += 1
    told[index] = done


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="http://HOST:PORT")
    parser.add_argument("--token", default=os.environ.get("AUTOTUNE_TOKEN", ""))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--spec", help="submit this ask/tell spec first (or find the study it names)")
    group.add_argument("--study", help="the name of an ask/tell study on the server")
    parser.add_argument("--workers", type=int, default=1, help="workers (threads), each with its own connection")
    parser.add_argument("--steps", type=int, default=3, help="intermediate reports per trial")
    args = parser.parse_args()

    client = Client(args.server, args.token)
    try:
        if args.spec:
            with open(args.spec) as f:
                spec = json.load(f)
            submitted = client.call("POST", "/api/v1/studies", spec)
            study = submitted["id"]
            print("study %r (id %d): %s" % (submitted["name"], study, submitted["state"]))
        else:
            study = study_id(client, args.study)
    except ApiError as e:
        field = " (%s)" % e.field if e.field else ""
        raise SystemExit("autotune refused: %s%s" % (e.message, field))

    told = [0] * args.workers
    threads = [threading.Thread(target=work, args=(Client(args.server, args.token), study, args.steps, told, i))
               for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    best = client.call("GET", "/api/v1/studies/%d" % study)
    print("told %d trials; study %s, best %s" % (sum(told), best["state"],
          json.dumps(best["best"], sort_keys=True) if best["best"] else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
