"""``bijli simulate-payment REF [--amount X] [--fail]``.

Builds the event a gateway sends (``payment_link.paid``, or ``payment.failed``
with ``--fail``), signs it with the webhook secret exactly as the gateway does,
and POSTs it to the running server's payment webhook (``RASA_URL``). Exit 0
when the server accepts it (2xx), 1 when it answers otherwise or cannot be
reached, 2 for a usage problem.
"""
import sys

import requests

from bijli.money import AmountError, parse_rupees
from bijli.settings import Settings

WEBHOOK_PATH = "/webhooks/payments/webhook"
TIMEOUT = (3.05, 60.0)   # the server tells the payer before it answers


def _stored(settings: Settings, ref: str):
    from bijli.db import Database
    from bijli.payments import get_payment

    db = Database(settings.database_url)
    try:
        with db.session() as s:
            p = get_payment(s, ref)
            return None if p is None else (p.amount_paise, p.provider_link_id, p.ivrs)
    finally:
        db.dispose()


def cmd_simulate_payment(args, settings: Settings) -> int:
    from bijli.payments.events import failed_event, paid_event, signed

    secret = settings.webhook_secret()
    if not secret:
        print("PAYMENT_WEBHOOK_SECRET is not set (it must match the server's)", file=sys.stderr)
        return 2
    stored = _stored(settings, args.ref)
    amount = link_id = ivrs = None
    if stored:
        amount, link_id, ivrs = stored
    if args.amount is not None:
        try:
            amount = parse_rupees(args.amount)
        except AmountError as e:
            print(f"--amount: {e}", file=sys.stderr)
            return 2
    if not amount:
        print(f"payment {args.ref} is not in the database ({settings.database_url.split('://')[0]}); "
              "give --amount to send an event anyway", file=sys.stderr)
        return 2
    event = failed_event(args.ref, amount, ivrs=ivrs) if args.fail else \
        paid_event(args.ref, amount, link_id=link_id, ivrs=ivrs,
                   requested_paise=stored[0] if stored else None)
    raw, headers = signed(event, secret)
    url = settings.rasa_url + WEBHOOK_PATH
    try:
        resp = requests.post(url, data=raw, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as e:
        print(f"cannot reach {url}: {e.__class__.__name__} (is the server running? set RASA_URL)",
              file=sys.stderr)
        return 1
    kind = "payment.failed" if args.fail else "payment_link.paid"
    if 200 <= resp.status_code < 300:
        print(f"{kind} for {args.ref} accepted: HTTP {resp.status_code} {resp.text.strip()}")
        return 0
    hint = {401: "signature rejected: PAYMENT_WEBHOOK_SECRET differs from the server's",
            404: "the server does not know this payment reference (or the payments channel "
                 "is not in credentials.yml)",
            503: "the server has no PAYMENT_WEBHOOK_SECRET"}.get(resp.status_code, "")
    print(f"{kind} for {args.ref} rejected: HTTP {resp.status_code} {resp.text.strip()[:200]}"
          + (f"\n{hint}" if hint else ""), file=sys.stderr)
    return 1


def add_commands(sub) -> None:
    p = sub.add_parser("simulate-payment",
                       help="send a signed gateway event for a payment to the running server")
    p.add_argument("ref", metavar="REF", help="the payment reference (tr of the UPI link)")
    p.add_argument("--amount", help="rupees paid, e.g. 500.00 (default: the amount requested)")
    p.add_argument("--fail", action="store_true", help="send payment.failed instead")
    p.set_defaults(func=cmd_simulate_payment)
