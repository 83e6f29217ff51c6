"""Who is on the web chat's socket: signed session ids, the client's address, the page's origin.

The web chat's session id is the conversation's sender (Rasa's tracker key, the owner of a
payment request), so a client must never choose it. The server issues ``<id>.<tag>``, where
the tag is an HMAC of the id under ``WEBCHAT_SECRET``; a returning page (the id kept in
localStorage) keeps its conversation only if the tag verifies. The sender of every message
is the id stored for its socket, never a field of the message (channels/webchat.py).

The client's address is the socket's peer; ``X-Forwarded-For`` is read only when the peer
is a proxy named in ``WEBCHAT_TRUSTED_PROXIES``. IPv6 clients are counted per /64, which
one household or phone gets whole. The address itself never leaves the channel: the lookup
limit (bijli/lookups.py) sees a keyed hash of it, and the logs a masked form.
"""
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from typing import FrozenSet, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from bijli.settings import Settings

SECRET_MIN_CHARS = 32
SESSION_TOKEN = re.compile(r"[0-9a-f]{32}\.[0-9a-f]{32}")
DEFAULT_SOCKETS_PER_IP = 10          # open sockets (tabs) per address at once
DEFAULT_MESSAGES_PER_MINUTE = 30     # messages and session requests per address, any 60 s
CLIENT_KEY = "client_key"            # UserMessage metadata: the client address's key
WEBCHAT_CHANNEL = "socketio"         # the channel's name (Rasa's), the only one whose CLIENT_KEY counts
UNKNOWN_ADDRESS = "unknown"

_SESSION_PURPOSE = b"bijli-webchat-session\x00"
_CLIENT_PURPOSE = b"bijli-webchat-client\x00"
_dev_secret: Optional[bytes] = None


class WebChatConfigError(RuntimeError):
    """The web chat is enabled in production without what it needs to be safe."""


def webchat_enabled(env: Optional[Mapping[str, str]] = None) -> bool:
    """Open outside production; in production only with WEBCHAT_ENABLED=true."""
    source: Mapping[str, str] = os.environ if env is None else env
    if (source.get("BIJLI_ENV") or "development").strip().lower() != "production":
        return True
    return (source.get("WEBCHAT_ENABLED") or "").strip().lower() in ("1", "true", "yes")


def _process_secret() -> bytes:
    """Development without WEBCHAT_SECRET: one random secret per process (ids die with it)."""
    global _dev_secret
    if _dev_secret is None:
        _dev_secret = secrets.token_bytes(32)
    return _dev_secret


@dataclass(frozen=True)
class SessionSigner:
    """Issues and verifies session ids, and keys client addresses, under one secret."""

    secret: bytes = field(repr=False)

    def _tag(self, purpose: bytes, value: str) -> str:
        return hmac.new(self.secret, purpose + value.encode("ascii"), hashlib.sha256).hexdigest()

    def token_for(self, sender: str) -> str:
        """The signed form of ``sender`` (32 hex digits) that the page keeps."""
        return f"{sender}.{self._tag(_SESSION_PURPOSE, sender)[:32]}"

    def issue(self) -> str:
        """A new session: a random sender id, signed."""
        return self.token_for(secrets.token_hex(16))

    def verify(self, token: object) -> Optional[str]:
        """The sender of a token this server signed; None for anything else."""
        if not isinstance(token, str) or not SESSION_TOKEN.fullmatch(token):
            return None
        sender = token[:32]
        return sender if hmac.compare_digest(token, self.token_for(sender)) else None

    def client_key(self, network: str) -> str:
        """A stable key for a client's network that does not reveal it (lookup limit's second key)."""
        return "ip:" + self._tag(_CLIENT_PURPOSE, network)[:24]


def client_network(address: str) -> str:
    """The address a limit counts: the IPv4 address, or the IPv6 /64; 'unknown' if not an IP."""
    try:
        ip = ipaddress.ip_address((address or "").strip().strip("[]"))
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def mask_address(network: str) -> str:
    """For logs: '203.0.113.7' -> '203.0.x.x', '2001:db8:1:2::/64' -> '2001:db8:x'."""
    if "." in network:
        return ".".join(network.split(".")[:2]) + ".x.x"
    if ":" in network:
        return ":".join(network.split(":")[:2]) + ":x"
    return network


def client_address(peer: str, forwarded_for: Optional[str], trusted_proxies: FrozenSet[str]) -> str:
    """The socket's peer; behind a trusted proxy, the nearest X-Forwarded-For hop not a proxy."""
    if peer not in trusted_proxies or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop in trusted_proxies:
            continue
        return hop if client_network(hop) != UNKNOWN_ADDRESS else peer
    return peer


def origin_of(url: str) -> Optional[str]:
    """What a browser sends as ``Origin`` for pages under ``url`` (default port left out)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def allowed_origins(settings: Settings, env: Mapping[str, str]) -> Tuple[str, ...]:
    """The page's own origin (PUBLIC_BASE_URL); in development also localhost / 127.0.0.1."""
    origins: List[str] = []
    public = origin_of(settings.public_base_url)
    if public:
        origins.append(public)
    if not settings.is_production:
        ports = {str(urlsplit(settings.public_base_url).port or ""), (env.get("RASA_PORT") or "").strip(), "5005"}
        for port in sorted(p for p in ports if p.isdigit()):
            for host in ("localhost", "127.0.0.1"):
                origin = f"http://{host}:{port}"
                if origin not in origins:
                    origins.append(origin)
    return tuple(origins)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    return max(1, int(value)) if value.isdigit() else default


def config_problems(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """What makes an enabled production web chat unsafe ([] when fine or not in use)."""
    source: Mapping[str, str] = os.environ if env is None else env
    if not Settings.from_env(source).is_production or not webchat_enabled(source):
        return []
    secret = source.get("WEBCHAT_SECRET") or ""
    if len(secret) < SECRET_MIN_CHARS:
        return [f"WEBCHAT_SECRET must be set to at least {SECRET_MIN_CHARS} random characters "
                "when WEBCHAT_ENABLED=true in production (it signs the web chat's session ids)"]
    return []


@dataclass(frozen=True)
class WebChatConfig:
    """What the socket.io channel needs, read once when Rasa builds it."""

    signer: SessionSigner
    origins: Tuple[str, ...]
    sockets_per_ip: int = DEFAULT_SOCKETS_PER_IP
    messages_per_minute: int = DEFAULT_MESSAGES_PER_MINUTE
    trusted_proxies: FrozenSet[str] = frozenset()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "WebChatConfig":
        """Fails closed: an enabled production web chat without a strong secret raises."""
        source: Mapping[str, str] = os.environ if env is None else env
        problems = config_problems(source)
        if problems:
            raise WebChatConfigError("; ".join(problems))
        secret = source.get("WEBCHAT_SECRET") or ""
        settings = Settings.from_env(source)
        proxies = frozenset(p.strip() for p in (source.get("WEBCHAT_TRUSTED_PROXIES") or "").split(",")
                            if p.strip())
        return cls(
            signer=SessionSigner(secret.encode("utf-8") if secret else _process_secret()),
            origins=allowed_origins(settings, source),
            sockets_per_ip=_positive(source, "WEBCHAT_MAX_SOCKETS_PER_IP", DEFAULT_SOCKETS_PER_IP),
            messages_per_minute=_positive(source, "WEBCHAT_MESSAGES_PER_MINUTE", DEFAULT_MESSAGES_PER_MINUTE),
            trusted_proxies=proxies,
        )
