"""The Razorpay provider against a local fake gateway (tests/fakes/razorpay.py)."""
import base64
import socket
import time

import pytest

from bijli.payments.gateway import (
    DemoProvider, GatewayError, LinkRequest, RazorpayProvider, provider_for,
)
from bijli.settings import Settings
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, FakeRazorpay


@pytest.fixture
def fake():
    server = FakeRazorpay(slow_seconds=0.6).start()
    yield server
    server.stop()


def provider(url, **kw):
    kw.setdefault("timeout", (0.5, 0.3))
    kw.setdefault("backoff", 0.01)
    return RazorpayProvider(url, KEY_ID, KEY_SECRET, **kw)


def request(ref="BS2611251200AAAA0001", amount=184700):
    return LinkRequest(ref=ref, amount_paise=amount, ivrs="N3210987654",
                       description="Bijli bill N3210987654 2026-10",
                       upi_link="upi://pay?pa=x@upi", expire_by=int(time.time()) + 1800)


def test_creates_a_upi_payment_link_with_our_reference(fake):
    link = provider(fake.url).create_link(request())
    assert link.link_id == "plink_fake0001" and link.url == "https://rzp.io/i/fake0001"
    (post,) = fake.posts()
    assert post["path"] == "/v1/payment_links"
    body = post["body"]
    assert body["amount"] == 184700 and isinstance(body["amount"], int)
    assert body["currency"] == "INR" and body["upi_link"] is True
    assert body["reference_id"] == "BS2611251200AAAA0001"
    assert body["notes"]["ivrs"] == "N3210987654"
    assert body["expire_by"] >= time.time() + 15 * 60
    assert post["auth"] == "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()


def test_5xx_is_retried_and_makes_one_link(fake):
    fake.post_script = [500, 503]
    link = provider(fake.url).create_link(request())
    assert len(fake.posts()) == 3
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"


def test_5xx_after_the_link_was_made_is_not_made_twice(fake):
    fake.post_script = ["500-after"]
    link = provider(fake.url).create_link(request())
    assert len(fake.posts()) == 1        # the lookup found it; no second create
    assert len(fake.links) == 1 and link.url == "https://rzp.io/i/fake0001"


def test_timeout_after_the_link_was_made_is_not_made_twice(fake):
    fake.post_script = ["slow-after"]
    started = time.monotonic()
    link = provider(fake.url).create_link(request())
    assert time.monotonic() - started < 5
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"
    assert len(fake.posts()) == 1


def test_duplicate_reference_answer_is_resolved_by_lookup(fake):
    # 1st create times out (but the gateway made the link), the lookup before the
    # retry fails too, the retry is refused as a duplicate: the link is looked up.
    fake.post_script = ["slow-after"]
    fake.get_script = [500]
    link = provider(fake.url).create_link(request())
    assert len(fake.posts()) == 2
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"


def test_gateway_down_gives_a_retryable_error_after_all_attempts(fake):
    fake.post_script = [500, 500, 500]
    with pytest.raises(GatewayError) as e:
        provider(fake.url, attempts=3).create_link(request())
    assert e.value.retryable and "3 attempts" in str(e.value)
    assert len(fake.posts()) == 3 and fake.links == {}


def test_timeouts_every_time_give_up_in_bounded_time(fake):
    fake.post_script = ["slow", "slow"]
    fake.slow_seconds = 2.0
    fake.links.clear()
    started = time.monotonic()
    with pytest.raises(GatewayError) as e:
        provider(fake.url, attempts=2, timeout=(0.5, 0.2)).create_link(request())
    assert time.monotonic() - started < 2.0
    assert e.value.retryable and "timed out" in str(e.value)


def test_connection_refused_is_an_error_not_a_hang():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # nothing listens here once closed
    with pytest.raises(GatewayError) as e:
        provider(f"http://127.0.0.1:{port}", attempts=2).create_link(request())
    assert e.value.retryable and "connection failed" in str(e.value)


def test_client_error_is_not_retried_and_says_why(fake):
    fake.post_script = [400]
    with pytest.raises(GatewayError) as e:
        provider(fake.url).create_link(request())
    assert not e.value.retryable and e.value.status == 400
    assert "fake error 400" in str(e.value)
    assert len(fake.posts()) == 1


def test_wrong_keys_are_a_clear_error(fake):
    bad = RazorpayProvider(fake.url, KEY_ID, "wrong", timeout=(0.5, 0.5), backoff=0.01)
    with pytest.raises(GatewayError) as e:
        bad.create_link(request())
    assert e.value.status == 401 and "Authentication failed" in str(e.value)


def test_missing_keys_fail_before_any_request(fake):
    with pytest.raises(GatewayError, match="RAZORPAY_KEY_ID"):
        RazorpayProvider(fake.url, None, None).create_link(request())
    assert fake.requests == []


def test_page_url_of_an_existing_link(fake):
    p = provider(fake.url)
    link = p.create_link(request())
    assert p.page_url("BS2611251200AAAA0001", link.link_id) == link.url
    fake.get_script = [500]
    assert p.page_url("BS2611251200AAAA0001", link.link_id) is None


def test_provider_is_chosen_by_setting():
    s = Settings.from_env({"PUBLIC_BASE_URL": "https://bijli.example/"})
    demo = provider_for(s)
    assert isinstance(demo, DemoProvider)
    link = demo.create_link(request())
    assert link.url == "https://bijli.example/webhooks/payments/pay/BS2611251200AAAA0001"
    rzp = provider_for(Settings.from_env({"PAYMENT_PROVIDER": "razorpay", "RAZORPAY_KEY_ID": "k",
                                          "RAZORPAY_KEY_SECRET": "s"}))
    assert isinstance(rzp, RazorpayProvider) and rzp.base_url == "https://api.razorpay.com"
    with pytest.raises(GatewayError, match="unknown PAYMENT_PROVIDER"):
        provider_for(Settings.from_env({"PAYMENT_PROVIDER": "paypal"}))
