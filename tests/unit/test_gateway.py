"""The payment providers against a local fake Razorpay over HTTP (tests/fakes/razorpay.py).

No wall-clock assertions: the provider's clock and sleep are injected and calls
are counted. Hung gateway calls are held by the fake until it stops.
"""
import base64
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bijli.billing import current_bill_view
from bijli.payments.gateway import (
    DemoProvider,
    GatewayError,
    LinkRequest,
    PaymentLink,
    RazorpayProvider,
    call_with_deadline,
    provider_for,
)
from bijli.settings import Settings
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

REF = "BS2611251200AAAA0001"
IVRS = "N3210987654"
STATIC_VPA = "mpcz.static@upi"
T0 = int(time.time())


class FakeClock:
    """A monotonic clock that only moves when the provider sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake():
    server = FakeRazorpay(slow_seconds=0.6).start()
    yield server
    server.stop()


@pytest.fixture
def clock():
    return FakeClock()


def provider(url, clock=None, **kw):
    clock = clock or FakeClock()
    kw.setdefault("timeout", (0.5, 0.3))
    kw.setdefault("backoff", 0.01)
    kw.setdefault("clock", clock)
    kw.setdefault("sleep", clock.sleep)
    return RazorpayProvider(url, KEY_ID, KEY_SECRET, **kw)


def request(ref=REF, amount=184700, expire_by=None):
    return LinkRequest(ref=ref, amount_paise=amount, ivrs=IVRS,
                       description=f"Bijli bill {IVRS} 2026-10",
                       upi_link=f"upi://pay?pa={STATIC_VPA}&am=1847.00",
                       expire_by=expire_by or T0 + 1800)


def qr_posts(fake):
    return fake.posts("/v1/payments/qr_codes")


def link_posts(fake):
    return fake.posts("/v1/payment_links")


# -- a link and a QR, each made once --------------------------------------------------

def test_creates_a_payment_link_and_a_single_use_upi_qr_for_our_reference(fake):
    link = provider(fake.url).create_link(request())
    assert link == PaymentLink("plink_fake0001", "https://rzp.io/i/fake0001", qr_id="qr_fake0001",
                               upi_string="https://rzp.io/i/qrfake0001",
                               qr_image_url="https://rzp.io/i/qrfake0001")
    (post,) = link_posts(fake)
    body = post["body"]
    assert body["amount"] == 184700 and isinstance(body["amount"], int)
    assert body["currency"] == "INR" and body["upi_link"] is True
    assert body["reference_id"] == REF and body["notes"] == {"ivrs": IVRS, "payment_ref": REF}
    assert body["expire_by"] == T0 + 1800
    assert post["auth"] == "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    (qr,) = qr_posts(fake)
    assert qr["body"] == {
        "type": "upi_qr", "name": f"Bijli bill {IVRS}", "usage": "single_use",
        "fixed_amount": True, "payment_amount": 184700,
        "description": f"Bijli bill {IVRS} 2026-10", "close_by": T0 + 1800,
        "notes": {"payment_ref": REF, "ivrs": IVRS},
    }
    assert qr["auth"] == post["auth"]
    # In razorpay mode nothing points at the static VPA.
    assert STATIC_VPA not in json.dumps(fake.requests) and STATIC_VPA not in repr(link)


def test_upi_string_is_the_qrs_image_content_where_the_account_has_it():
    server = FakeRazorpay(image_content=True).start()
    try:
        link = provider(server.url).create_link(request())
    finally:
        server.stop()
    assert link.upi_string == ("upi://pay?pa=rzr.qrfake0001@icici&pn=Fake&tr=RZPqrfake0001"
                               "&am=1847.00&cu=INR")
    assert link.qr_image_url == "https://rzp.io/i/qrfake0001" and link.qr_id == "qr_fake0001"


def test_expiry_too_soon_is_moved_to_razorpays_minimum(fake):
    now = int(time.time())      # the fake checks close_by against its own clock
    p = provider(fake.url, wall=lambda: float(now))
    p.create_link(request(expire_by=now + 60))
    assert link_posts(fake)[0]["body"]["expire_by"] == now + 16 * 60
    assert qr_posts(fake)[0]["body"]["close_by"] == now + 16 * 60


# -- retries ---------------------------------------------------------------------------

def test_5xx_is_retried_with_backoff_and_makes_one_link(fake, clock):
    fake.post_script = [500, 503]
    link = provider(fake.url, clock, backoff=0.25).create_link(request())
    assert len(link_posts(fake)) == 3 and clock.sleeps == [0.25, 0.5]
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"
    assert len(fake.qrs) == 1


def test_429_on_the_qr_is_retried_and_4xx_is_not(fake):
    fake.qr_script = [429]
    link = provider(fake.url).create_link(request())
    assert len(qr_posts(fake)) == 2 and list(fake.qrs) == [link.qr_id] == ["qr_fake0001"]

    fake.qr_script = [400]
    with pytest.raises(GatewayError) as e:
        provider(fake.url).create_link(request(ref="BS2611251200AAAA0002"))
    assert not e.value.retryable and e.value.status == 400 and "fake error 400" in str(e.value)
    assert len(qr_posts(fake)) == 3 and len(fake.qrs) == 1
    assert fake.links["BS2611251200AAAA0002"]["status"] == "cancelled"


def test_5xx_after_the_link_was_made_is_not_made_twice(fake):
    fake.post_script = ["500-after"]
    link = provider(fake.url).create_link(request())
    assert len(link_posts(fake)) == 1        # the lookup found it; no second create
    assert len(fake.links) == 1 and link.url == "https://rzp.io/i/fake0001"


def test_timeout_after_the_link_was_made_is_not_made_twice(fake):
    fake.post_script = ["hang-after"]
    link = provider(fake.url).create_link(request())
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"
    assert len(link_posts(fake)) == 1


def test_duplicate_reference_answer_is_resolved_by_lookup(fake):
    # 1st create times out (but the gateway made the link), the lookup before the
    # retry fails too, the retry is refused as a duplicate: the link is looked up.
    fake.post_script = ["hang-after"]
    fake.get_script = [500]
    link = provider(fake.url).create_link(request())
    assert len(link_posts(fake)) == 2
    assert len(fake.links) == 1 and link.link_id == "plink_fake0001"


def test_an_existing_link_for_another_amount_is_refused(fake):
    provider(fake.url).create_link(request(amount=100000))
    with pytest.raises(GatewayError, match="another amount"):
        provider(fake.url).create_link(request(amount=184700))
    assert fake.links[REF]["amount"] == 100000 and len(fake.qrs) == 1


def test_qr_made_by_an_ambiguous_failure_is_found_not_made_twice(fake):
    fake.qr_script = ["500-after"]
    link = provider(fake.url).create_link(request())
    assert len(qr_posts(fake)) == 1 and list(fake.qrs) == ["qr_fake0001"]
    assert link.qr_id == "qr_fake0001"
    (lookup,) = fake.gets("/v1/payments/qr_codes")
    assert "count=100" in lookup["path"] and "from=" in lookup["path"]


def test_qr_timeout_then_failed_lookup_gives_up_rather_than_risk_a_second_qr(fake):
    fake.qr_script = ["hang-after"]
    fake.get_script = [500]
    with pytest.raises(GatewayError) as e:
        provider(fake.url).create_link(request())
    assert e.value.retryable and "not making a second one" in str(e.value)
    assert len(qr_posts(fake)) == 1 and len(fake.qrs) == 1
    assert fake.links[REF]["status"] == "cancelled"
    assert fake.posts("/v1/payment_links/plink_fake0001/cancel")


def test_qr_refused_before_anything_was_made_is_retried_even_if_lookups_fail(fake):
    fake.qr_script = [429, 429]             # a 429 surely made nothing
    fake.get_script = [500, 500]
    link = provider(fake.url).create_link(request())
    assert len(qr_posts(fake)) == 3 and list(fake.qrs) == [link.qr_id]


def test_qr_lookup_reads_further_pages(fake):
    mine = fake.add_qr({"type": "upi_qr", "usage": "single_use", "fixed_amount": True,
                        "payment_amount": 184700, "notes": {"payment_ref": REF}})
    for n in range(150):                    # newer QRs of other payments come first
        fake.add_qr({"type": "upi_qr", "usage": "single_use", "fixed_amount": True,
                     "payment_amount": 100, "notes": {"payment_ref": f"OTHER{n}"}})
    assert provider(fake.url).find_qr(REF, since=T0 - 300)["id"] == mine["id"]
    assert len(fake.gets("/v1/payments/qr_codes")) == 2
    assert provider(fake.url).find_qr("NOPE", since=T0 - 300) is None


def test_qr_gateway_down_cancels_the_link_and_is_retryable(fake):
    fake.qr_script = [500, 500, 500]
    with pytest.raises(GatewayError) as e:
        provider(fake.url).create_link(request())
    assert e.value.retryable and "3 attempts" in str(e.value)
    assert fake.qrs == {} and fake.links[REF]["status"] == "cancelled"


def test_gateway_down_gives_a_retryable_error_after_all_attempts(fake):
    fake.post_script = [500, 500, 500]
    with pytest.raises(GatewayError) as e:
        provider(fake.url, attempts=3).create_link(request())
    assert e.value.retryable and "3 attempts" in str(e.value)
    assert len(link_posts(fake)) == 3 and fake.links == {} and qr_posts(fake) == []


def test_retries_stop_at_the_overall_deadline(fake, clock):
    fake.post_script = [500] * 5
    p = provider(fake.url, clock, attempts=5, backoff=0.4, deadline_seconds=1.0)
    with pytest.raises(GatewayError) as e:
        p.create_link(request())
    # 0.4 s of pause fits in the second; the next 0.8 s would not.
    assert clock.sleeps == [0.4] and len(link_posts(fake)) == 2
    assert e.value.retryable and "too slow" in str(e.value)


def test_each_call_waits_no_longer_than_the_deadline_left(fake):
    # Timeouts of 5 s and 30 s, a 0.2 s deadline on the real clock: the hung call is cut at it.
    fake.post_script = ["hang"]
    sleeps = []
    p = RazorpayProvider(fake.url, KEY_ID, KEY_SECRET, timeout=(5, 30), backoff=0.01,
                         deadline_seconds=0.2, clock=time.monotonic, sleep=sleeps.append)
    with pytest.raises(GatewayError) as e:
        p.create_link(request())
    assert e.value.retryable and "timed out" in str(e.value) and sleeps == []
    assert len(link_posts(fake)) == 1 and fake.wait_hanging(1)


def test_timeouts_every_time_give_up(fake, clock):
    fake.post_script = ["hang", "hang"]
    with pytest.raises(GatewayError) as e:
        provider(fake.url, clock, attempts=2, timeout=(0.5, 0.2)).create_link(request())
    assert e.value.retryable and "timed out" in str(e.value)
    assert len(link_posts(fake)) == 2 and clock.sleeps == [0.01]


def test_connection_refused_is_an_error_not_a_hang():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # nothing listens here once closed
    with pytest.raises(GatewayError) as e:
        provider(f"http://127.0.0.1:{port}", attempts=2).create_link(request())
    assert e.value.retryable and "connection failed" in str(e.value)


# -- answers we cannot use ----------------------------------------------------------------

@pytest.mark.parametrize("step, says", [("not-json", "not JSON"),
                                        ("missing-fields", "without short_url")])
def test_a_2xx_link_answer_we_cannot_read_is_an_error(fake, step, says):
    fake.post_script = [step]
    with pytest.raises(GatewayError, match=says):
        provider(fake.url).create_link(request())
    assert len(link_posts(fake)) == 1 and qr_posts(fake) == []


def test_a_2xx_qr_answer_that_is_not_json_cancels_the_link(fake):
    fake.qr_script = ["not-json"]
    with pytest.raises(GatewayError, match="not JSON"):
        provider(fake.url).create_link(request())
    assert len(qr_posts(fake)) == 1 and fake.links[REF]["status"] == "cancelled"


def test_a_qr_without_image_url_is_closed_and_the_link_cancelled(fake):
    fake.qr_script = ["missing-fields"]
    with pytest.raises(GatewayError, match="without image_url"):
        provider(fake.url).create_link(request())
    assert fake.qrs["qr_fake0001"]["status"] == "closed"
    assert fake.links[REF]["status"] == "cancelled"


def test_wrong_keys_are_a_clear_error(fake):
    bad = RazorpayProvider(fake.url, KEY_ID, "wrong", timeout=(0.5, 0.5), backoff=0.01)
    with pytest.raises(GatewayError) as e:
        bad.create_link(request())
    assert e.value.status == 401 and "Authentication failed" in str(e.value)


def test_missing_keys_fail_before_any_request(fake):
    with pytest.raises(GatewayError, match="RAZORPAY_KEY_ID"):
        RazorpayProvider(fake.url, None, None).create_link(request())
    assert fake.requests == []


# -- cancel -------------------------------------------------------------------------------

def test_cancel_cancels_the_link_and_closes_the_qr(fake):
    p = provider(fake.url)
    link = p.create_link(request())
    assert p.cancel(link.link_id, link.qr_id) is True
    assert [r["path"] for r in fake.posts()][-2:] == [
        "/v1/payment_links/plink_fake0001/cancel", "/v1/payments/qr_codes/qr_fake0001/close"]
    assert fake.links[REF]["status"] == "cancelled" and fake.qrs["qr_fake0001"]["status"] == "closed"
    assert p.cancel(link.link_id, link.qr_id) is False       # already done: said, not raised


def test_cancel_with_the_gateway_down_says_false_and_does_not_raise(fake):
    p = provider(fake.url)
    link = p.create_link(request())
    fake.close_script = [500, "hang"]
    assert p.cancel(link.link_id, link.qr_id) is False
    assert len(fake.posts()) == 4
    assert p.cancel(None, link.qr_id) is True and fake.qrs["qr_fake0001"]["status"] == "closed"
    assert fake.links[REF]["status"] == "created"


def test_page_url_of_an_existing_link(fake):
    p = provider(fake.url)
    link = p.create_link(request())
    assert p.page_url(REF, link.link_id) == link.url
    fake.get_script = [500, "not-json"]
    assert p.page_url(REF, link.link_id) is None
    assert p.page_url(REF, link.link_id) is None


# -- the gateway's own pool and deadline -----------------------------------------------------

def test_call_with_deadline_passes_answers_and_errors_through():
    assert call_with_deadline(lambda a, b=0: a + b, 40, b=2, deadline_seconds=5) == 42

    def refuse():
        raise GatewayError("no", status=400)

    with pytest.raises(GatewayError) as e:
        call_with_deadline(refuse, deadline_seconds=5)
    assert e.value.status == 400 and not e.value.retryable


def test_a_hung_gateway_gives_up_at_the_deadline_and_blocks_nothing_else(seeded_db):
    size = Settings.from_env().gateway_pool_size
    fake = FakeRazorpay().start()
    fake.post_script = ["hang"] * (size + 1)
    p = RazorpayProvider(fake.url, KEY_ID, KEY_SECRET, timeout=(5, 30), attempts=1,
                         deadline_seconds=60)
    started, finished = [], []
    done = threading.Condition()

    def pay(ref):
        started.append(ref)
        try:
            return p.create_link(request(ref=ref))
        finally:
            with done:
                finished.append(ref)
                done.notify_all()

    try:
        for n in range(size):               # every gateway thread is now stuck
            with pytest.raises(GatewayError) as e:
                call_with_deadline(pay, f"BS26112512000000{n:04d}", deadline_seconds=0.5)
            assert e.value.retryable and "no answer within 0.5s" in str(e.value)
        assert fake.wait_hanging(size) and fake.hanging == size and finished == []

        # A lookup in another pool (the action server's) is not held up.
        with ThreadPoolExecutor(max_workers=1) as other:
            def due():
                with seeded_db.session() as s:
                    return current_bill_view(s, IVRS).due_paise
            assert other.submit(due).result(timeout=30) == 184700
        assert fake.hanging == size

        # One more Pay waits in the queue, gives up at its deadline and never starts.
        with pytest.raises(GatewayError, match="no answer"):
            call_with_deadline(pay, "BS2611251200QUEUED01", deadline_seconds=0.2)
    finally:
        fake.stop()                         # the held requests are dropped; workers finish
        with done:
            assert done.wait_for(lambda: len(finished) == len(started), timeout=30)
    assert len(started) == size and "BS2611251200QUEUED01" not in started
    assert len(link_posts(fake)) == size


# -- choosing a provider ------------------------------------------------------------------------

def test_provider_is_chosen_by_setting():
    s = Settings.from_env({"PUBLIC_BASE_URL": "https://bijli.example/"})
    demo = provider_for(s)
    assert isinstance(demo, DemoProvider)
    link = demo.create_link(request())
    assert link.url == f"https://bijli.example/webhooks/payments/pay/{REF}"
    assert link.upi_string == request().upi_link and link.qr_id is None
    assert demo.cancel(link.link_id, None) is True
    rzp = provider_for(Settings.from_env({"PAYMENT_PROVIDER": "razorpay", "RAZORPAY_KEY_ID": "k",
                                          "RAZORPAY_KEY_SECRET": "s",
                                          "PAYMENT_DEADLINE_SECONDS": "2.5"}))
    assert isinstance(rzp, RazorpayProvider) and rzp.base_url == "https://api.razorpay.com"
    assert rzp.deadline_seconds == 2.5
    assert Settings.from_env({}).payment_deadline_seconds == 5
    with pytest.raises(GatewayError, match="unknown PAYMENT_PROVIDER"):
        provider_for(Settings.from_env({"PAYMENT_PROVIDER": "paypal"}))
