"""``bijli simulate-payment`` against a local stand-in for the Rasa server whose
webhook route runs the real webhook code on the test database."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bijli.billing import current_bill_view
from bijli.cli import main
from bijli.models import Payment
from bijli.payments import request_payment
from bijli.payments.webhook import handle_webhook
from bijli.settings import Settings

SECRET = "server-secret"


@pytest.fixture
def server(seeded_db):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((self.path, dict(self.headers), raw))
            if self.path != "/webhooks/payments/webhook":
                self.send_response(404)
                self.end_headers()
                return
            out = handle_webhook(seeded_db, SECRET, raw, dict(self.headers))
            data = json.dumps(out.body()).encode()
            self.send_response(out.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    httpd.received = received
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(monkeypatch, server, database_url):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:%d" % server.server_address[1])
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("PAYMENT_PROVIDER", "demo")


@pytest.fixture
def ref(seeded_db, env):
    return request_payment(seeded_db, Settings.from_env(), "N3210987654", "919812345678").ref


def payment(db, ref):
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


def test_simulated_payment_is_accepted_and_recorded(seeded_db, server, ref, capsys):
    assert main(["simulate-payment", ref]) == 0
    assert "accepted" in capsys.readouterr().out
    p = payment(seeded_db, ref)
    assert p.status == "paid" and p.paid_amount_paise == 184700 and not p.amount_mismatch
    (path, headers, raw), = server.received
    body = json.loads(raw)
    assert body["event"] == "payment_link.paid"
    assert body["payload"]["payment_link"]["entity"]["reference_id"] == ref
    assert headers["X-Razorpay-Signature"] and headers["X-Razorpay-Event-Id"]


def test_simulated_failure(seeded_db, ref):
    assert main(["simulate-payment", ref, "--fail"]) == 0
    assert payment(seeded_db, ref).status == "failed"


def test_simulated_partial_amount_lowers_the_amount_due(seeded_db, ref):
    assert main(["simulate-payment", ref, "--amount", "500.00"]) == 0
    p = payment(seeded_db, ref)
    assert p.paid_amount_paise == 50000 and p.amount_mismatch
    with seeded_db.session() as s:
        assert current_bill_view(s, "N3210987654").due_paise == 184700 - 50000


def test_wrong_secret_is_rejected_with_a_clear_message(seeded_db, ref, monkeypatch, capsys):
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "not-the-servers")
    assert main(["simulate-payment", ref]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "PAYMENT_WEBHOOK_SECRET" in err
    assert payment(seeded_db, ref).status == "pending"


def test_unknown_reference(ref, capsys):
    assert main(["simulate-payment", "BS2611250000000000DEAD"]) == 2
    assert "--amount" in capsys.readouterr().err
    assert main(["simulate-payment", "BS2611250000000000DEAD", "--amount", "10"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_bad_amount_is_a_usage_error(ref, capsys):
    assert main(["simulate-payment", ref, "--amount", "ten"]) == 2


def test_server_not_running(ref, monkeypatch, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{port}")
    assert main(["simulate-payment", ref]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_simulate_payment_refuses_in_production(seeded_db, server, ref, monkeypatch, capsys):
    monkeypatch.setenv("BIJLI_ENV", "production")
    assert main(["simulate-payment", ref]) == 1
    err = capsys.readouterr().err
    assert "production" in err and "development only" in err
    assert server.received == [] and payment(seeded_db, ref).status == "pending"


# -- bijli payments list | refunded ------------------------------------------------------

def overpaid(seeded_db, ref):
    """``ref`` paid after the bill was paid through another request: flagged."""
    from datetime import timedelta

    from bijli.models import utcnow

    other = request_payment(seeded_db, Settings.from_env(), "N3210987654", "919812345678",
                            now=utcnow() + timedelta(minutes=31))   # ref has expired by then
    assert main(["simulate-payment", other.ref]) == 0
    assert main(["simulate-payment", ref]) == 0
    return other.ref


def test_payments_list_shows_flagged_overpayments_masked_in_ist(seeded_db, ref, capsys):
    other = overpaid(seeded_db, ref)
    capsys.readouterr()
    assert main(["payments", "list", "--flagged"]) == 0
    out = capsys.readouterr().out
    line, = [x for x in out.splitlines() if x.startswith("BS")]
    p = payment(seeded_db, ref)
    from bijli.timefmt import format_ist
    assert line.split()[:2] == [ref, "N3210987654"]
    assert "overpayment" in line and "₹1,847.00 due" in line and format_ist(p.created_at, zone=False) in line
    assert "98******78" in line and "9812345678" not in out
    assert other not in out and "1 payment(s) flagged" in out

    assert main(["payments", "list", "--ivrs", "n-3210987654"]) == 0
    out = capsys.readouterr().out
    assert ref in out and other in out and "2 payment(s) for IVRS N3210987654" in out
    assert main(["payments", "list", "--ivrs", "1100223344"]) == 0
    assert ref not in capsys.readouterr().out


def test_payments_refunded_records_the_refund_once(seeded_db, ref, capsys):
    other = overpaid(seeded_db, ref)
    capsys.readouterr()
    assert main(["payments", "refunded", ref, "--note", "UPI refund RRN 123456789012"]) == 0
    assert "refund of ₹1,847.00 recorded" in capsys.readouterr().out
    p = payment(seeded_db, ref)
    assert p.refunded_at is not None and p.refund_note == "UPI refund RRN 123456789012"
    assert main(["payments", "list", "--flagged"]) == 0
    assert "refunded " in capsys.readouterr().out

    assert main(["payments", "refunded", ref, "--note", "again"]) == 1
    assert "already marked refunded" in capsys.readouterr().err
    assert payment(seeded_db, ref).refund_note == "UPI refund RRN 123456789012"
    assert main(["payments", "refunded", other, "--note", "x"]) == 1
    assert "not flagged" in capsys.readouterr().err
    assert main(["payments", "refunded", "BS2611250000000000DEAD", "--note", "x"]) == 1
    assert "no payment with reference" in capsys.readouterr().err
    assert main(["payments", "refunded", ref, "--note", "  "]) == 1
