"""Fetch a page whose address an editor typed, safely. Pure Python, no Django.

The server fetches whatever an editor types, so every address (the first one and every
redirect) must be http or https, carry no credentials, and resolve only to public addresses;
the connection then goes to the address that was checked, not to the host name again, so a
second DNS answer cannot point it somewhere private. No cookies or credentials are sent,
time, size and declared type are limited, and every refusal is a `FetchError` whose message
can be shown to the editor as it is.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from types import ModuleType
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

certifi: ModuleType | None
try:
    import certifi
except ImportError:  # pragma: no cover - certifi comes with most installs
    certifi = None

ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)

# Names for the editor, in the order they are listed; XHTML is "HTML" to an editor.
_TYPE_NAMES: dict[str, str] = {
    "text/html": "HTML",
    "application/xhtml+xml": "HTML",
    "text/plain": "plain text",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
}

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Only what urllib3 can undo by itself without extra packages; anything else would leave
# compressed bytes in `data`.
_READABLE_ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
_CHUNK = 64 * 1024

# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; judge that address instead.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(ValueError):
    """A message for the editor saying why the page was not fetched."""


@dataclass(frozen=True)
class Fetched:
    """A fetched page: its bytes, where it came from and what the server said it is."""

    data: bytes
    url: str
    final_url: str
    media_type: str
    declared_type: str
    status: int
    retrieved_at: datetime
    redirects: tuple[str, ...]


@dataclass(frozen=True)
class _Target:
    """A checked address: where to connect and what to call the server."""

    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    target: str  # path and query as sent in the request line
    addresses: tuple[str, ...]  # vetted IPs, in resolver order


@dataclass(frozen=True)
class _Limits:
    """How long one fetch may take: to connect, for each read, and in all (`total`, which
    ends at `deadline`, a time.monotonic() value)."""

    connect: float
    read: float
    total: float
    deadline: float

    def remaining(self) -> float:
        """The time left; none left refuses the page."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError(_total_timeout_message(self.total))
        return left

    def refuse_if_over(self) -> None:
        """After a failed connect or read: the time-outs were shortened to what was left,
        so when the time is up the failure was the total time limit."""
        if time.monotonic() >= self.deadline:
            raise FetchError(_total_timeout_message(self.total)) from None


def fetch(
    url: str,
    *,
    max_bytes: int,
    allow_private: bool = False,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    total_timeout: float = 60.0,
    max_redirects: int = 5,
    allowed_types: frozenset[str] = ALLOWED_TYPES,
    user_agent: str = "factreg source fetcher",
) -> Fetched:
    """Fetch `url`, following up to `max_redirects` redirects; raise FetchError if refused."""
    limits = _Limits(connect_timeout, read_timeout, total_timeout, time.monotonic() + total_timeout)
    redirects: list[str] = []
    current = url
    target = _check(url, allow_private=allow_private)
    while True:
        response = _request(
            target, user_agent=user_agent, allowed_types=allowed_types, limits=limits
        )
        try:
            location = response.headers.get("Location")
            if response.status in REDIRECT_STATUSES and location:
                if len(redirects) >= max_redirects:
                    raise FetchError(
                        f"More than {max_redirects} redirects; the page was not fetched."
                    )
                try:
                    current = urljoin(current, location.strip())
                except ValueError:
                    raise FetchError(
                        "The page redirects to an address that is not valid."
                    ) from None
                redirects.append(current)
                try:
                    target = _check(current, allow_private=allow_private)
                except FetchError as error:
                    where = _without_user_info(current)
                    raise FetchError(f"The page redirects to {where}. {error}") from None
                continue
            data = _read_body(
                response, target, max_bytes=max_bytes, allowed_types=allowed_types, limits=limits
            )
        finally:
            # Never drain: the rest may be huge or endless; closing drops the connection.
            response.close()
        declared = response.headers.get("Content-Type", "")
        return Fetched(
            data=data,
            url=url,
            final_url=current,
            media_type=_media_type(declared),
            declared_type=declared,
            status=response.status,
            retrieved_at=datetime.now(UTC),
            redirects=tuple(redirects),
        )


def _check(url: str, *, allow_private: bool) -> _Target:
    """Refuse an address that is not http(s), has credentials or no host, or is not public."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("This address is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("Only http and https addresses can be fetched.")
    # `@` in the authority means user info, even an empty one; no credentials are ever sent.
    if "@" in parts.netloc:
        raise FetchError("Addresses with a user name or password (user:pass@host) are not allowed.")
    host = parts.hostname  # lowercased, brackets removed
    if not host:
        raise FetchError("This address has no host name.")
    if not host.isascii():
        try:
            # The Host header and the TLS name must be ASCII: use the IDNA form.
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError(f"{host} is not a valid host name.") from None
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            kind = _non_public_kind(ipaddress.ip_address(address))
            if kind:
                where = f"{host} is" if address == host else f"{host} resolves to {address},"
                raise FetchError(f"{where} {kind}; fetching it is not allowed.")
    # Percent-encode what may not appear raw in a request line (spaces, non-ASCII, controls),
    # leaving existing escapes and reserved characters alone.
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return _Target(scheme, host, port, target, addresses)


def _resolve(host: str, port: int) -> tuple[str, ...]:
    """Every IP address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise FetchError(f"Could not find the server {host}.") from None
    # Drop any IPv6 zone ("%eth0") so ipaddress can read it; such addresses are link-local
    # and refused unless private addresses are allowed.
    addresses = dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos)
    if not addresses:
        raise FetchError(f"Could not find the server {host}.")
    return tuple(addresses)


def _without_user_info(url: str) -> str:
    """The address as it may be shown in a message: never with a password in it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "an address that is not valid"
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _non_public_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What kind of non-public address `ip` is ("a private address"), or None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address carrying an IPv4 address reaches that IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return _non_public_kind(embedded)
    # Order matters: 127.0.0.1 and 169.254.169.254 are also "private" to ipaddress, and
    # the more specific word tells the editor more. `is_global` alone misses multicast.
    if ip.is_unspecified:
        return "an unspecified address (it means this machine)"
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _request(
    target: _Target, *, user_agent: str, allowed_types: frozenset[str], limits: _Limits
) -> urllib3.BaseHTTPResponse:
    """Send one GET to the vetted addresses in turn; return the unread response."""
    headers = {
        "Host": _host_header(target),
        "User-Agent": user_agent,
        "Accept": ", ".join(sorted(allowed_types)) or "*/*",
        "Accept-Encoding": "gzip, deflate",
    }
    last_error: FetchError | None = None
    for address in target.addresses:
        remaining = limits.remaining()
        timeout = urllib3.Timeout(
            connect=min(limits.connect, remaining), read=min(limits.read, remaining)
        )
        pool = _pool(target, address, timeout)
        try:
            return pool.urlopen(
                "GET",
                target.target,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=True,
                release_conn=False,
            )
        except (HTTPError, OSError, http.client.HTTPException, ValueError) as error:
            limits.refuse_if_over()
            last_error = _fetch_error(error, target, limits.connect, limits.read)
            if not isinstance(error, NewConnectionError | ConnectTimeoutError):
                raise last_error from None
            # Otherwise try the next address (e.g. IPv4 after IPv6); all were vetted alike.
        finally:
            # The response keeps its own connection; this only drops the empty pool.
            pool.close()
    assert last_error is not None
    raise last_error


def _pool(target: _Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    """A connection pool to the vetted IP, checking TLS against the host name typed."""
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1)
    return urllib3.HTTPSConnectionPool(
        address,
        target.port,
        timeout=timeout,
        maxsize=1,
        server_hostname=target.host,
        assert_hostname=target.host,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where() if certifi is not None else None,
    )


def _host_header(target: _Target) -> str:
    """The Host header for the name typed (brackets for IPv6; port if not the default)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _read_body(
    response: urllib3.BaseHTTPResponse,
    target: _Target,
    *,
    max_bytes: int,
    allowed_types: frozenset[str],
    limits: _Limits,
) -> bytes:
    """Check status, type and size, then read the body within the size and time limits."""
    if not 200 <= response.status < 300:
        raise FetchError(f"The server answered {_status_text(response)}.")
    declared = response.headers.get("Content-Type", "")
    media_type = _media_type(declared)
    if media_type not in allowed_types:
        said = (
            f"says this is {media_type}" if media_type else "does not say what kind of file it is"
        )
        raise FetchError(f"The server {said}; only {_type_names(allowed_types)} can be added.")
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in _READABLE_ENCODINGS:
        raise FetchError(f"The server sent the page compressed as {encoding}, which is not read.")
    length = response.headers.get("Content-Length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(_too_large_message(max_bytes))

    chunks: list[bytes] = []
    received = 0
    sock = getattr(response.connection, "sock", None)
    while True:
        remaining = limits.remaining()
        if sock is not None:
            # Each wait may last no longer than what is left of the overall time. Once the
            # whole body has arrived the socket is closed, and the next read returns b"".
            with suppress(OSError):
                sock.settimeout(min(limits.read, remaining))
        try:
            # read1 returns what has arrived instead of waiting for a full chunk, so a
            # trickling server is checked against the deadline after every piece.
            chunk = response.read1(_CHUNK)
        except (HTTPError, OSError, http.client.HTTPException, ValueError) as error:
            limits.refuse_if_over()
            raise _fetch_error(error, target, limits.read, limits.read) from None
        if not chunk:
            return b"".join(chunks)
        received += len(chunk)
        if received > max_bytes:
            raise FetchError(_too_large_message(max_bytes))
        chunks.append(chunk)


def _fetch_error(
    error: BaseException, target: _Target, connect_timeout: float, read_timeout: float
) -> FetchError:
    """An editor-facing FetchError for a urllib3, socket or TLS error."""
    if isinstance(error, MaxRetryError) and error.reason is not None:
        error = error.reason
    host = target.host
    if isinstance(error, NewConnectionError):
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ConnectionRefusedError):
            return FetchError(f"Could not connect to {host}: connection refused.")
        if isinstance(cause, TimeoutError | socket.timeout):
            return FetchError(f"Could not connect to {host} within {_seconds(connect_timeout)}.")
        return FetchError(f"Could not connect to {host}.")
    if isinstance(error, ConnectTimeoutError):
        return FetchError(f"Could not connect to {host} within {_seconds(connect_timeout)}.")
    if isinstance(error, ReadTimeoutError | TimeoutError):
        return FetchError(f"The server did not answer within {_seconds(read_timeout)}.")
    if isinstance(error, SSLError):
        if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in _causes(error)):
            return FetchError(
                f"The secure connection to {host} failed: its certificate could not be verified."
            )
        return FetchError(f"The secure connection to {host} failed.")
    if isinstance(error, DecodeError):
        return FetchError("The server sent a compressed page that could not be decompressed.")
    if isinstance(error, ProtocolError | http.client.HTTPException | ConnectionError):
        return FetchError(f"The connection to {host} broke off.")
    if isinstance(error, LocationValueError):
        return FetchError("This address is not valid.")
    return FetchError(f"Could not fetch the page from {host}.")


def _causes(error: BaseException) -> list[object]:
    """The error, what it wraps in its arguments, and what caused it, a few levels deep."""
    found: list[object] = []
    pending: list[object] = [error]
    while pending and len(found) < 20:
        item = pending.pop()
        found.append(item)
        if isinstance(item, BaseException):
            pending += [*item.args, item.__cause__, item.__context__]
    return found


def _media_type(declared: str) -> str:
    """The media type of a Content-Type value, without parameters, lowercased."""
    return declared.split(";", 1)[0].strip().lower()


def _status_text(response: urllib3.BaseHTTPResponse) -> str:
    """The status for a message, e.g. 404 Not Found (the standard phrase where known)."""
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = response.reason or ""
    return f"{response.status} {phrase}".strip()


def _type_names(allowed_types: frozenset[str]) -> str:
    """The allowed types as an editor knows them, e.g. HTML, plain text, PDF and DOCX."""
    known = [name for media, name in _TYPE_NAMES.items() if media in allowed_types]
    names = list(dict.fromkeys(known + sorted(allowed_types - _TYPE_NAMES.keys())))
    if len(names) <= 1:
        return names[0] if names else "nothing"
    return ", ".join(names[:-1]) + " and " + names[-1]


def _too_large_message(max_bytes: int) -> str:
    """The refusal for a page over the size limit."""
    return f"The page is larger than {_size(max_bytes)}, the limit."


def _total_timeout_message(total_timeout: float) -> str:
    """The refusal for a page that took longer than the overall time limit."""
    return f"The page took longer than {_seconds(total_timeout)} to download."


def _size(count: int) -> str:
    """A size for a message: 20 MB, 2.5 MB, 97.7 KB or 512 bytes (binary units)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            # One decimal where needed: 20 MB, not 20.0 MB.
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def _seconds(value: float) -> str:
    """A duration for a message: 15 seconds, 0.5 seconds, 1 second."""
    return f"{value:g} second" + ("" if value == 1 else "s")
