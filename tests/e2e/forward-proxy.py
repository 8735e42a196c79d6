#!/usr/bin/env python3
"""A small forwarding HTTP proxy for tests/e2e/users.sh: it answers `GET
http://HOST/PATH` (the absolute-URI requests APT sends to a proxy) by fetching the
URL itself, and appends each URL to a log, so the test can tell that an `apt`
step's downloads went through it. Plain HTTP only (no CONNECT), no caching.

    forward-proxy.py PORT LOG_FILE
"""

import http.server
import sys
import threading
import urllib.error
import urllib.request

PORT = int(sys.argv[1])
LOG = sys.argv[2]
LOCK = threading.Lock()
# Never through another proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PASSED = ("Content-Type", "Last-Modified", "ETag")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, body):
        url = self.path
        if not url.startswith("http://"):
            self.send_error(400, "absolute http:// URL expected")
            return
        with LOCK, open(LOG, "a") as log:
            log.write(url + "\n")
        try:
            upstream = OPENER.open(urllib.request.Request(url, method=self.command), timeout=60)
        except urllib.error.HTTPError as e:
            upstream = e
        except OSError as e:
            self.send_error(502, str(e))
            return
        with upstream:
            data = upstream.read() if body else b""
            self.send_response(upstream.status if hasattr(upstream, "status") else upstream.code)
            for name in PASSED:
                value = upstream.headers.get(name)
                if value:
                    self.send_header(name, value)
            length = len(data) if body else upstream.headers.get("Content-Length", "0")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if body:
                self.wfile.write(data)

    def do_GET(self):
        self.forward(True)

    def do_HEAD(self):
        self.forward(False)


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
server.serve_forever()
