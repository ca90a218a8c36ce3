"""How every service is served: uvicorn, with HTTP-layer errors answered as problem+json like all others.

A request uvicorn cannot parse (an invalid header byte, a broken request line) never reaches the app:
uvicorn answers it itself with a text/plain 400. The protocol classes here are uvicorn's own with only
that answer replaced, so a client sees one error format whichever layer refused it. Launchers pass
`--http sealkit.server:ProblemHttpProtocol` (see `uvicorn_command`); in-process servers take the class.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from sealkit.jsonutil import dumps
from sealkit.problems import MEDIA_TYPE, PROBLEM_BASE

HTTP_PROTOCOL = "sealkit.server:ProblemHttpProtocol"


def _bad_request_body(msg: str) -> bytes:
    return dumps({"type": PROBLEM_BASE + "bad-request", "title": "Bad request", "status": 400, "detail": msg})


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; an unparseable request gets a problem+json 400."""

    def send_400_response(self, msg: str) -> None:
        body = _bad_request_body(msg)
        headers = [
            (b"content-type", MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        self.transport.close()


ProblemHttpProtocol: type[asyncio.Protocol]
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except (
    ImportError
):  # pragma: no cover - httptools is optional for uvicorn; h11 then serves, as in uvicorn's "auto"
    ProblemHttpProtocol = ProblemH11Protocol
else:

    class ProblemHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol (the fast one); an unparseable request gets a problem+json 400."""

        def send_400_response(self, msg: str) -> None:
            body = _bad_request_body(msg)
            head = [b"HTTP/1.1 400 Bad Request\r\n"]
            head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
            head += [
                b"content-type: " + MEDIA_TYPE.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n\r\n",
            ]
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    ProblemHttpProtocol = ProblemHttpToolsProtocol


def uvicorn_command(
    app_factory: str, *, host: str, port: int, workers: int = 1, extra: Sequence[str] = ()
) -> list[str]:
    """The command line that serves `module:create_app` with the kit's protocol (suite, tests, images)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app_factory,
        "--http",
        HTTP_PROTOCOL,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        *extra,
    ]
