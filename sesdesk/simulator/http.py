"""The simulator's HTTP server: moto's ThreadedMotoServer on loopback with per-connection
receive stamps (when the kernel received a request: its arrival, for the rate), TCP_NODELAY,
tracked connections that `stop` closes, and a port check that says which port is taken."""

from __future__ import annotations

import contextlib
import errno
import io
import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

RECEIVED_KEY = "sesdesk.received"
# Linux's SO_TIMESTAMPNS (socket(7)), which Python's socket module does not name.
_SO_TIMESTAMPNS = 35 if sys.platform == "linux" else None
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0


class _StampedReader(io.RawIOBase):
    """A socket's reading end that notes when the kernel received the first bytes read since
    `expect()` (SO_TIMESTAMPNS ancillary data)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.first_received: float | None = None

    def expect(self) -> None:
        """A new request starts: note the receive time of the next bytes."""
        self.first_received = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size, ancillary, _flags, _address = self._sock.recvmsg_into([buffer], _ANCILLARY_SIZE)
        if size and self.first_received is None:
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    seconds, nanoseconds = _TIMESPEC.unpack(data[: _TIMESPEC.size])
                    self.first_received = seconds + nanoseconds / 1e9
        return size


def _stamped_reader(sock: socket.socket) -> _StampedReader | None:
    """A reader stamping receive times on `sock`, or None where the kernel cannot."""
    if _SO_TIMESTAMPNS is None or not _ANCILLARY_SIZE:
        return None
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    except OSError:
        return None
    return _StampedReader(sock)


def _handler_class() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler):
        """moto's handler, quiet, keeping connections alive, and tracked so stop() can drop
        kept-alive connections.

        werkzeug closes every connection after one response: its server cannot tell where an
        unread body ends, so after each response it drains whatever the socket holds. AWS
        keeps connections open, and a broadcast at 200/s opening a connection (and the
        simulator a thread) per send measured a third more CPU per send on both sides. So the
        body is read here, whole, before the app runs; the connection is then at the next
        request line, which werkzeug's drain must not eat: it reads from an empty stream until
        `run_wsgi` returns. The `Connection: close` is dropped. (Pinned werkzeug: this leans
        on `run_wsgi` draining `self.rfile`.)
        """

        keep_alive = False
        stamps: _StampedReader | None = None  # set in `setup` where the kernel can stamp

        def run_wsgi(self) -> None:
            connection_reader = self.rfile
            try:
                super().run_wsgi()
            finally:
                self.rfile = connection_reader

        def handle_one_request(self) -> None:
            if self.stamps is not None:
                self.stamps.expect()
            super().handle_one_request()

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            if self.stamps is not None and self.stamps.first_received is not None:
                environ[RECEIVED_KEY] = self.stamps.first_received
            self.keep_alive = False
            if environ.get("wsgi.input_terminated"):
                return environ  # a chunked body: werkzeug reads it, then the connection closes
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return environ
            body = self.rfile.read(length) if length > 0 else b""
            if len(body) < length:
                return environ  # the client went away mid-body
            environ["wsgi.input"] = io.BytesIO(body)
            self.rfile = io.BytesIO()  # for werkzeug's drain; `run_wsgi` puts the socket's back
            self.keep_alive = True
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            if (
                keyword.lower() == "connection"
                and value.lower() == "close"
                and self.keep_alive
                and not self.close_connection  # the client asked to close: say so
            ):
                return
            super().send_header(keyword, value)

        def setup(self) -> None:
            super().setup()
            # werkzeug writes a response's headers and body separately: with Nagle on, the
            # body waits for the client's delayed ACK (~40 ms) on a kept-alive connection.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.stamps = _stamped_reader(self.connection)
            if self.stamps is not None:
                self.rfile = io.BufferedReader(self.stamps)
            self.server.sesdesk_track(self.connection, add=True)  # type: ignore[attr-defined]

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                self.server.sesdesk_track(self.connection, add=False)  # type: ignore[attr-defined]

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Per-request lines would flood the CLI's stderr; errors are still logged."""

    return Handler


def _moto_server_class() -> type:
    from moto.server import ThreadedMotoServer

    return ThreadedMotoServer


class _MotoServer(_moto_server_class()):  # type: ignore[misc]
    """ThreadedMotoServer that binds in the caller's thread (so a busy port raises OSError
    instead of hanging), serves our front app, and closes its socket and connections on stop."""

    def __init__(
        self, host: str, port: int, app: Callable[[dict[str, Any], Any], Iterable[bytes]]
    ) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self._app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def start(self) -> None:
        from werkzeug.serving import make_server

        _check_port_free(self._ip_address, self._port)
        try:
            server = make_server(
                self._ip_address,
                self._port,
                self._app,
                threaded=True,
                request_handler=_handler_class(),
            )
        except SystemExit:
            # werkzeug exits the process when the port is taken; a caller wants an OSError.
            raise OSError(errno.EADDRINUSE, "Address already in use") from None
        server.sesdesk_track = self._track  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            # A short poll interval makes stop() quick; idle cost is negligible.
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sesdesk-simulator",
            daemon=True,
        )
        self._thread.start()
        self._server_ready_event.set()

    def stop(self) -> None:
        super().stop()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Kept-alive client connections would otherwise still be served after stop().
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._server is not None:
            self._server.server_close()


def _check_port_free(host: str, port: int) -> None:
    """Raise OSError if `port` is taken (werkzeug would print and exit instead)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # The same option the server socket uses, so TIME_WAIT leftovers do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
