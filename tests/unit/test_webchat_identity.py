"""The web chat's identity and limits as pure logic (bijli.webchat, bijli.ratelimit; issue 18 item 4).

The socket itself is driven against a real Rasa server in tests/e2e/test_webchat*.py.
"""
import pytest

from bijli.ratelimit import ConnectionCounter, SlidingWindowLimiter
from bijli.webchat import (
    SECRET_MIN_CHARS,
    UNKNOWN_ADDRESS,
    SessionSigner,
    WebChatConfig,
    WebChatConfigError,
    client_address,
    client_network,
    config_problems,
    mask_address,
    origin_of,
)

SIGNER = SessionSigner(b"k" * 32)
STRONG = "s" * SECRET_MIN_CHARS
PRODUCTION = {"BIJLI_ENV": "production", "WEBCHAT_ENABLED": "true",
              "PUBLIC_BASE_URL": "https://bijli.example.in"}


# -- session ids ------------------------------------------------------------------

def test_an_issued_session_verifies_to_its_sender_and_each_issue_is_new():
    token = SIGNER.issue()
    sender = SIGNER.verify(token)
    assert sender == token.split(".")[0] and len(sender) == 32
    assert SIGNER.verify(SIGNER.issue()) != sender


@pytest.mark.parametrize("offered", [
    "0123456789abcdef0123456789abcdef",                    # unsigned: what the page offered before
    "919812345678",                                        # a registered mobile
    None, 42, {"session_id": "x"}, "",
])
def test_an_id_the_server_did_not_sign_is_refused(offered):
    assert SIGNER.verify(offered) is None


def test_a_forged_tag_a_trailing_newline_or_another_servers_secret_is_refused():
    token = SIGNER.issue()
    sender, tag = token.split(".")
    assert SIGNER.verify(token + "\n") is None
    assert SIGNER.verify(f"{sender}.{'0' * 32}") is None
    assert SIGNER.verify(f"{sender}.{tag[:-1]}{'0' if tag[-1] != '0' else '1'}") is None
    assert SIGNER.verify(token.upper()) is None
    assert SessionSigner(b"another-secret-after-rotation!!!").verify(token) is None
    # Another sender with this sender's tag (ids rotated by the client) does not verify either.
    assert SIGNER.verify(f"{'f' * 32}.{tag}") is None


def test_the_client_key_is_stable_per_network_and_does_not_show_the_address():
    key = SIGNER.client_key("203.0.113.7")
    assert key == SIGNER.client_key("203.0.113.7") != SIGNER.client_key("203.0.113.8")
    assert key.startswith("ip:") and "203" not in key
    assert SessionSigner(b"x" * 32).client_key("203.0.113.7") != key


# -- addresses ----------------------------------------------------------------------

def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4():
    assert client_network("2001:db8:1:2::10") == client_network("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::10") != client_network("2001:db8:1:2::10")
    assert client_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_network("not an address") == client_network("") == UNKNOWN_ADDRESS


def test_logs_see_a_masked_address():
    assert mask_address("203.0.113.7") == "203.0.x.x"
    assert mask_address("2001:db8:1:2::/64") == "2001:db8:x"


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy():
    proxies = frozenset({"10.0.0.2"})
    # Straight from the internet: the header is the client's own claim, and ignored.
    assert client_address("198.51.100.9", "203.0.113.7", proxies) == "198.51.100.9"
    assert client_address("198.51.100.9", "203.0.113.7", frozenset()) == "198.51.100.9"
    # Through our proxy: the nearest hop it saw; what the client prepended is not believed.
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.7", proxies) == "203.0.113.7"
    assert client_address("10.0.0.2", "203.0.113.7, 10.0.0.2", proxies) == "203.0.113.7"
    assert client_address("10.0.0.2", "garbage", proxies) == "10.0.0.2"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"


# -- origins and configuration --------------------------------------------------------

def test_origin_of_a_base_url_is_what_a_browser_sends():
    assert origin_of("https://Bijli.Example.in/") == "https://bijli.example.in"
    assert origin_of("https://bijli.example.in:443/chat") == "https://bijli.example.in"
    assert origin_of("http://127.0.0.1:5005") == "http://127.0.0.1:5005"
    assert origin_of("ftp://x") is None


def test_production_allows_the_public_origin_alone():
    config = WebChatConfig.from_env({**PRODUCTION, "WEBCHAT_SECRET": STRONG})
    assert config.origins == ("https://bijli.example.in",)


def test_development_also_allows_the_local_forms_of_the_page():
    config = WebChatConfig.from_env({"PUBLIC_BASE_URL": "http://127.0.0.1:5107", "RASA_PORT": "5107"})
    assert "http://127.0.0.1:5107" in config.origins and "http://localhost:5107" in config.origins
    assert "https://evil.example" not in config.origins and "*" not in config.origins


@pytest.mark.parametrize("secret", [None, "", "short-secret"])
def test_an_enabled_production_web_chat_without_a_strong_secret_fails_closed(secret):
    env = dict(PRODUCTION)
    if secret is not None:
        env["WEBCHAT_SECRET"] = secret
    assert config_problems(env)
    with pytest.raises(WebChatConfigError, match="WEBCHAT_SECRET"):
        WebChatConfig.from_env(env)


def test_no_secret_is_needed_where_the_web_chat_is_closed_or_in_development():
    assert config_problems({**PRODUCTION, "WEBCHAT_ENABLED": "false"}) == []
    dev = WebChatConfig.from_env({})
    # One random secret per process: ids it issued verify until it restarts.
    assert WebChatConfig.from_env({}).signer.verify(dev.signer.issue())


def test_the_limits_come_from_the_environment():
    config = WebChatConfig.from_env({"WEBCHAT_MAX_SOCKETS_PER_IP": "3", "WEBCHAT_MESSAGES_PER_MINUTE": "12",
                                     "WEBCHAT_TRUSTED_PROXIES": "10.0.0.2, 10.0.0.3"})
    assert (config.sockets_per_ip, config.messages_per_minute) == (3, 12)
    assert config.trusted_proxies == frozenset({"10.0.0.2", "10.0.0.3"})
    default = WebChatConfig.from_env({"WEBCHAT_MAX_SOCKETS_PER_IP": "many"})
    assert (default.sockets_per_ip, default.messages_per_minute) == (10, 30)


# -- limits -----------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_messages_over_the_limit_in_any_minute_are_refused_until_old_ones_age_out():
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60.0, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")                   # another address has its own budget
    clock.now += 59.9
    assert not limiter.allow("a")               # a sliding window: no fresh budget on the minute
    clock.now += 0.2
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_idle_addresses_are_forgotten_when_the_table_is_full():
    clock = Clock()
    limiter = SlidingWindowLimiter(1, 60.0, clock=clock, max_keys=2)
    assert limiter.allow("a") and limiter.allow("b")
    clock.now += 61
    assert limiter.allow("c")
    assert set(limiter._log) == {"c"}


def test_sockets_over_the_limit_are_refused_until_one_closes():
    sockets = ConnectionCounter(2)
    assert sockets.acquire("a") and sockets.acquire("a")
    assert not sockets.acquire("a")
    assert sockets.acquire("b")
    sockets.release("a")
    assert sockets.acquire("a") and sockets.open("a") == 2


def test_rasa_refuses_to_build_an_unsafe_production_web_chat(monkeypatch):
    """The channel reads its settings in from_credentials, which `rasa run` calls at start-up."""
    from channels.webchat import SocketIOInput

    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WEBCHAT_SECRET", raising=False)
    with pytest.raises(WebChatConfigError):
        SocketIOInput.from_credentials({})
    monkeypatch.setenv("WEBCHAT_SECRET", STRONG)
    config = SocketIOInput.from_credentials({}).config
    assert config is not None and config.origins == ("https://bijli.example.in",)
