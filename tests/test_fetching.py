from __future__ import annotations

import gzip
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from claims.fetching import Fetched, FetchError, fetch

PAGE = "<html><body><p>Lukoil owns 20 % of Shah Deniz — “quoted”.</p></body></html>".encode()
MB = 1024 * 1024


# --- a tripwire on outgoing connections -------------------------------------------------
# Every connect() in this process raises the "socket.connect" audit event. While this module's
# tests run, only loopback may be reached, so a refusal that failed to happen can never send
# traffic anywhere; `no_connections()` forbids loopback too and records what was attempted.
# (An audit hook cannot be removed, so outside these tests it does nothing.)


class _Tripwire:
    allowed: frozenset[str] | None = None  # None: inactive
    attempts: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event != "socket.connect" or _Tripwire.allowed is None:
        return
    address = args[1]
    host = str(address[0] if isinstance(address, tuple) else address)
    _Tripwire.attempts.append(host)
    if host not in _Tripwire.allowed:
        raise RuntimeError(f"test_fetching: a connection to {host} was attempted")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _only_loopback() -> Iterator[None]:
    _Tripwire.allowed = frozenset({"127.0.0.1", "::1"})
    yield
    _Tripwire.allowed = None


@contextmanager
def no_connections() -> Iterator[list[str]]:
    """Make any connection attempt fail the test; yield the list of attempts."""
    _Tripwire.allowed, _Tripwire.attempts = frozenset(), []
    try:
        yield _Tripwire.attempts
    finally:
        _Tripwire.allowed = frozenset({"127.0.0.1", "::1"})


# --- a local server whose paths give each behaviour -------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # for chunked bodies and keep-alive like real servers

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet

    def do_GET(self) -> None:
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        name, _, arg = self.path.lstrip("/").partition("/")
        # The fetcher hangs up on purpose on pages too large or too slow.
        with suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, "page_" + name.replace("-", "_"), self.page_missing)(arg)

    def reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, **headers: str) -> None:
        self.reply(302, {"Location": location, **headers})

    def page_page(self, arg: str) -> None:
        self.reply(200, {"Content-Type": "text/html; charset=utf-8"}, PAGE)

    def page_typed(self, arg: str) -> None:
        self.reply(200, {"Content-Type": "Text/HTML; Charset=ISO-8859-1"}, b"<p>caf\xe9</p>")

    def page_echo(self, arg: str) -> None:
        self.reply(200, {"Content-Type": "text/plain"}, b"echo")

    def page_redirect(self, arg: str) -> None:
        # /redirect/N redirects N+1 times in all, with relative Locations, ending at /page.
        count = int(arg)
        self.redirect(f"/redirect/{count - 1}" if count else "../page")

    def page_absolute_redirect(self, arg: str) -> None:
        self.redirect(f"http://127.0.0.1:{self.server.server_port}/page")

    def page_to_ftp(self, arg: str) -> None:
        self.redirect("ftp://127.0.0.1/file.html")

    def page_to_userinfo(self, arg: str) -> None:
        self.redirect(f"http://editor:secret@127.0.0.1:{self.server.server_port}/page")

    def page_set_cookie(self, arg: str) -> None:
        self.redirect("/echo", **{"Set-Cookie": "session=abc123; Path=/"})

    def page_missing(self, arg: str) -> None:
        self.reply(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")

    def page_image(self, arg: str) -> None:
        self.reply(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n")

    def page_untyped(self, arg: str) -> None:
        self.reply(200, {}, b"what am I?")

    def page_gzip(self, arg: str) -> None:
        self.reply(
            200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, gzip.compress(PAGE)
        )

    def page_gzip_bomb(self, arg: str) -> None:
        # 50 MB of zeros in about 50 KB: the limit applies to the bytes after decompression.
        body = gzip.compress(bytes(50 * MB), compresslevel=9)
        self.reply(200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, body)

    def page_brotli(self, arg: str) -> None:
        self.reply(200, {"Content-Type": "text/plain", "Content-Encoding": "br"}, b"\x0b\x02\x80")

    def page_declared_large(self, arg: str) -> None:
        # Claims 30 MB and sends none of it: the fetcher must refuse on the header alone.
        self.reply(200, {"Content-Type": "text/html", "Content-Length": str(30 * MB)})

    def page_endless_chunked(self, arg: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 16384
        stop = time.monotonic() + 10
        while time.monotonic() < stop:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def page_endless_close(self, arg: str) -> None:
        # No length and no chunking: the body ends when the connection closes (HTTP/1.0 style).
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        stop = time.monotonic() + 10
        while time.monotonic() < stop:
            self.wfile.write(b"y" * 16384)

    def page_slow(self, arg: str) -> None:
        time.sleep(1.5)
        self.reply(200, {"Content-Type": "text/plain"}, b"late")

    def page_trickle(self, arg: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.1)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a fetcher hanging up early is expected here, not an error

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same server over TLS, with a self-signed certificate for localhost.

    Debian's openssl command makes the certificate; it is part of the base system.
    """
    folder: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = Server()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def get(url: str, **options: object) -> Fetched:
    """Fetch from the local server (a loopback address, so private addresses are allowed)."""
    return fetch(url, max_bytes=options.pop("max_bytes", MB), allow_private=True, **options)


def refusal(url: str, **options: object) -> str:
    with pytest.raises(FetchError) as caught:
        get(url, **options)
    return str(caught.value)


# --- fetching ---------------------------------------------------------------------------


def test_a_page_is_fetched_with_its_exact_bytes_type_and_time(server: Server) -> None:
    before = datetime.now(UTC)
    page = get(server.url("/page"))
    after = datetime.now(UTC)
    assert page.data == PAGE
    assert page.media_type == "text/html"
    assert page.declared_type == "text/html; charset=utf-8"
    assert page.status == 200
    assert page.url == page.final_url == server.url("/page")
    assert page.redirects == ()
    assert page.retrieved_at.utcoffset() == timedelta(0)
    assert before <= page.retrieved_at <= after


def test_the_media_type_is_lowercased_without_parameters_and_the_header_kept(
    server: Server,
) -> None:
    page = get(server.url("/typed"))
    assert page.media_type == "text/html"
    assert page.declared_type == "Text/HTML; Charset=ISO-8859-1"
    assert page.data == b"<p>caf\xe9</p>"  # no charset decoding


def test_a_gzipped_body_is_decompressed(server: Server) -> None:
    assert get(server.url("/gzip")).data == PAGE


def test_a_gzip_bomb_is_cut_off_at_the_limit_after_decompression(server: Server) -> None:
    assert refusal(server.url("/gzip-bomb")) == "The page is larger than 1 MB, the limit."


def test_a_body_in_an_unreadable_encoding_is_refused(server: Server) -> None:
    assert "br" in refusal(server.url("/brotli"))


def test_localhost_is_fetched_at_its_checked_address_with_its_own_host_header(
    server: Server,
) -> None:
    page = get(f"http://localhost:{server.server_port}/echo")
    assert page.data == b"echo"
    assert server.requests[-1][1]["host"] == f"localhost:{server.server_port}"


def test_only_user_agent_accept_and_encoding_headers_are_sent(server: Server) -> None:
    get(server.url("/echo"), user_agent="test agent")
    path, headers = server.requests[-1]
    assert path == "/echo"
    assert set(headers) == {"host", "user-agent", "accept", "accept-encoding"}
    assert headers["host"] == f"127.0.0.1:{server.server_port}"
    assert headers["user-agent"] == "test agent"
    # The formats the intake can read (HTML, plain text, PDF, Word), named one by one:
    # a server that honours Accept must not answer with a type the intake then refuses.
    assert set(headers["accept"].split(", ")) == {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }


# --- redirects --------------------------------------------------------------------------


def test_a_chain_of_two_redirects_gives_the_final_address(server: Server) -> None:
    page = get(server.url("/redirect/1"))
    assert page.url == server.url("/redirect/1")
    assert page.final_url == server.url("/page")
    assert page.redirects == (server.url("/redirect/0"), server.url("/page"))
    assert page.data == PAGE


def test_an_absolute_redirect_is_followed(server: Server) -> None:
    assert get(server.url("/absolute-redirect")).final_url == server.url("/page")


def test_five_redirects_are_followed(server: Server) -> None:
    page = get(server.url("/redirect/4"))
    assert len(page.redirects) == 5
    assert page.final_url == server.url("/page")


def test_a_sixth_redirect_is_refused(server: Server) -> None:
    assert "More than 5 redirects" in refusal(server.url("/redirect/5"))


def test_the_redirect_limit_can_be_lowered(server: Server) -> None:
    assert "More than 1 redirects" in refusal(server.url("/redirect/1"), max_redirects=1)


def test_a_redirect_to_ftp_is_refused(server: Server) -> None:
    message = refusal(server.url("/to-ftp"))
    assert "ftp://127.0.0.1/file.html" in message
    assert "Only http and https addresses can be fetched." in message


def test_a_redirect_to_an_address_with_credentials_is_refused(server: Server) -> None:
    count = len(server.requests)
    message = refusal(server.url("/to-userinfo"))
    assert "user name or password" in message
    assert "secret" not in message
    assert [path for path, _ in server.requests[count:]] == ["/to-userinfo"]


def test_a_cookie_set_on_a_redirect_is_not_sent_back_and_no_authorization_is_sent(
    server: Server,
) -> None:
    count = len(server.requests)
    page = get(server.url("/set-cookie"))
    assert page.data == b"echo"
    requests = server.requests[count:]
    assert [path for path, _ in requests] == ["/set-cookie", "/echo"]
    for _, headers in requests:
        assert "cookie" not in headers
        assert "authorization" not in headers


# --- refused answers --------------------------------------------------------------------


def test_a_404_is_refused(server: Server) -> None:
    assert refusal(server.url("/nothing-here")) == "The server answered 404 Not Found."


def test_an_image_is_refused(server: Server) -> None:
    assert refusal(server.url("/image")) == (
        "The server says this is image/png; only HTML, plain text, PDF and DOCX can be added."
    )


def test_a_page_without_a_content_type_is_refused(server: Server) -> None:
    assert "does not say what kind of file" in refusal(server.url("/untyped"))


def test_a_body_declared_larger_than_the_limit_is_refused_before_reading(server: Server) -> None:
    message = refusal(server.url("/declared-large"), max_bytes=20 * MB)
    assert message == "The page is larger than 20 MB, the limit."


def test_the_limit_is_given_with_one_decimal_where_needed(server: Server) -> None:
    message = refusal(server.url("/declared-large"), max_bytes=int(2.5 * MB))
    assert message == "The page is larger than 2.5 MB, the limit."


def test_an_endless_chunked_body_is_cut_off_at_the_limit(server: Server) -> None:
    # Were it read to the end, the time limit would refuse it with a different message.
    started = time.monotonic()
    message = refusal(server.url("/endless-chunked"), max_bytes=100_000, total_timeout=5)
    assert message == "The page is larger than 97.7 KB, the limit."
    assert time.monotonic() - started < 2


def test_an_endless_body_without_a_length_is_cut_off_at_the_limit(server: Server) -> None:
    started = time.monotonic()
    message = refusal(server.url("/endless-close"), max_bytes=1000, total_timeout=5)
    assert message == "The page is larger than 1000 bytes, the limit."
    assert time.monotonic() - started < 2


def test_a_server_slower_than_the_read_timeout_is_refused(server: Server) -> None:
    message = refusal(server.url("/slow"), read_timeout=0.5)
    assert message == "The server did not answer within 0.5 seconds."


def test_a_trickling_server_is_cut_off_by_the_total_timeout(server: Server) -> None:
    started = time.monotonic()
    message = refusal(server.url("/trickle"), read_timeout=5, total_timeout=0.6)
    assert message == "The page took longer than 0.6 seconds to download."
    assert time.monotonic() - started < 1.5


def test_a_closed_port_is_refused() -> None:
    # Bound but not listening, so the port stays unused and refuses connections.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        message = refusal(f"http://127.0.0.1:{port}/")
    assert message == "Could not connect to 127.0.0.1: connection refused."


def test_an_https_server_with_an_untrusted_certificate_is_refused(tls_server: Server) -> None:
    message = refusal(f"https://localhost:{tls_server.server_port}/page")
    assert (
        message
        == "The secure connection to localhost failed: its certificate could not be verified."
    )
    assert tls_server.requests == []


def test_an_https_address_whose_server_does_not_speak_tls_is_refused(server: Server) -> None:
    message = refusal(f"https://127.0.0.1:{server.server_port}/page")
    assert message == "The secure connection to 127.0.0.1 failed."


# --- refused addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/file.html",
        "javascript:alert(1)",
        "data:text/html,<p>hi</p>",
        "gopher://127.0.0.1:70/",
    ],
)
def test_addresses_other_than_http_and_https_are_refused(url: str) -> None:
    with no_connections() as attempts, pytest.raises(FetchError) as caught:
        fetch(url, max_bytes=MB, allow_private=True)
    assert str(caught.value) == "Only http and https addresses can be fetched."
    assert attempts == []


@pytest.mark.parametrize("url", ["http:///nohost", "http://", "https://:443/"])
def test_an_address_without_a_host_is_refused(url: str) -> None:
    with no_connections() as attempts, pytest.raises(FetchError) as caught:
        fetch(url, max_bytes=MB, allow_private=True)
    assert "no host" in str(caught.value)
    assert attempts == []


@pytest.mark.parametrize(
    "url", ["http://user:pass@127.0.0.1/", "http://user@127.0.0.1/", "http://@127.0.0.1/"]
)
def test_an_address_with_user_info_is_refused(url: str) -> None:
    with no_connections() as attempts, pytest.raises(FetchError) as caught:
        fetch(url, max_bytes=MB, allow_private=True)
    assert "user name or password" in str(caught.value)
    assert attempts == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/", "http://[::1/"])
def test_a_malformed_address_is_refused(url: str) -> None:
    with no_connections() as attempts, pytest.raises(FetchError):
        fetch(url, max_bytes=MB, allow_private=True)
    assert attempts == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://localhost:{port}/page", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
        ("http://0177.0.0.1/", "loopback"),  # 127.0.0.1 in octal
        ("http://224.0.0.1/", "multicast"),
        ("http://100.64.0.1/", "non-public"),  # carrier-grade NAT
        ("http://[fc00::1]/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("https://[64:ff9b::a9fe:a9fe]/", "link-local"),  # NAT64 for 169.254.169.254
    ],
)
def test_non_public_addresses_are_refused_without_connecting(
    server: Server, url: str, kind: str
) -> None:
    count = len(server.requests)
    with no_connections() as attempts, pytest.raises(FetchError) as caught:
        fetch(url.format(port=server.server_port), max_bytes=MB)
    assert f"{kind} address" in str(caught.value)
    assert str(caught.value).endswith("; fetching it is not allowed.")
    assert attempts == []
    assert len(server.requests) == count


def test_the_local_server_is_refused_without_a_request(server: Server) -> None:
    count = len(server.requests)
    with no_connections() as attempts, pytest.raises(FetchError) as caught:
        fetch(server.url("/page"), max_bytes=MB)
    assert str(caught.value) == (
        "127.0.0.1 is a loopback address (this machine); fetching it is not allowed."
    )
    assert attempts == []
    assert len(server.requests) == count


def test_a_name_is_refused_with_the_address_it_resolves_to(server: Server) -> None:
    with no_connections(), pytest.raises(FetchError) as caught:
        fetch(f"http://localhost:{server.server_port}/", max_bytes=MB)
    assert str(caught.value).startswith("localhost resolves to ")


def test_with_no_redirects_allowed_the_first_redirect_is_not_followed(server: Server) -> None:
    count = len(server.requests)
    message = refusal(server.url("/absolute-redirect"), max_redirects=0)
    assert message == "More than 0 redirects; the page was not fetched."
    assert len(server.requests) == count + 1
