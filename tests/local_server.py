"""A local HTTP server on 127.0.0.1 that records every request, to prove that nothing is fetched.

Tests point hostile documents and schemas at `server.url(...)`; afterwards
`server.requests` must be empty.  The server responds to any request that
does arrive with a small body that contains a marker, so a fetch would also
show up in the parsed result.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVED_MARKER = "SERVED-BY-LOCAL-TEST-SERVER"
BODY = f'<!ENTITY leak "{SERVED_MARKER}">\n'.encode()


class RecordingServer:
    """The running server: its address and the paths requested so far."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.requests: list[str] = []

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def recording_server() -> Iterator[RecordingServer]:
    """Run a recording HTTP server on a free port of 127.0.0.1 for the duration of the block."""
    holder: list[RecordingServer] = []

    class Handler(BaseHTTPRequestHandler):
        # A client that connects and sends nothing is dropped after this many seconds.
        timeout = 5

        def do_GET(self) -> None:
            holder[0].requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recording = RecordingServer(server)
    holder.append(recording)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield recording
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
