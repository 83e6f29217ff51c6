"""Payment commands for operators and developers.

``bijli simulate-payment REF [--amount X] [--fail]`` builds the event a gateway
sends (``payment_link.paid``, or ``payment.failed`` with ``--fail``), signs it
with the webhook secret exactly as the gateway does, and POSTs it to the
running server's payment webhook (``RASA_URL``). Exit 0 when the server accepts
it (2xx), 1 when it answers otherwise, cannot be reached, or the mode is
production (it forges a "paid"), 2 for a usage problem.

``bijli payments list [--flagged] [--ivrs N]`` lists payments (newest first,
with their refunds and disputes); ``bijli payments refunded REF --note "..."
[--refund-id rfnd_...]`` records that a flagged payment's extra money went back
to the payer, matched to the gateway's refund event if that came first (exit 1
with the reason otherwise); ``bijli payments disputes [--open]`` lists disputes.
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
    """`bijli simulate-payment`: post a signed gateway event, for development only."""
    from bijli.payments.events import failed_event, paid_event, signed

    if settings.is_production:
        print("refused: BIJLI_ENV is production. simulate-payment forges a signed gateway event "
              "and is for development only.", file=sys.stderr)
        return 1
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


def cmd_payments_list(args, settings: Settings) -> int:
    """`bijli payments list`: payments for the operator, mobiles masked."""
    from bijli.db import Database
    from bijli.ivrs import IvrsError, normalize_ivrs
    from bijli.money import format_inr
    from bijli.payments.queries import list_payments
    from bijli.privacy import mask_mobile
    from bijli.timefmt import format_ist

    if args.ivrs:
        try:
            args.ivrs = normalize_ivrs(args.ivrs)
        except IvrsError as e:
            print(f"--ivrs {args.ivrs!r} is not an IVRS number ({e})", file=sys.stderr)
            return 2
    from bijli.payments.disputes import dispute_flags
    from bijli.payments.refunds import refunded_amounts

    db = Database(settings.database_url)
    try:
        with db.session() as s:
            rows = list_payments(s, flagged=args.flagged, ivrs=args.ivrs)
            disputes = dispute_flags(s, [v.ref for v in rows])
            refunded = refunded_amounts(s, [v.ref for v in rows])
    finally:
        db.dispose()
    print(f"{'ref':<22}  {'ivrs':<11}  {'requested':>11}  {'paid':>11}  {'status':<9}  "
          f"{'flags':<24}  {'refund':<24}  {'created (IST)':<16}  sender")
    for v in rows:
        paid = format_inr(v.paid_amount_paise) if v.paid_amount_paise is not None else "-"
        flags = ",".join(f for f in (v.flag_reason if v.flagged else "",
                                     "mismatch" if v.amount_mismatch else "",
                                     disputes.get(v.ref, "")) if f) or "-"
        back = refunded.get(v.ref, 0)
        if back and not v.flagged:
            refund = f"{format_inr(back)} refunded"
        elif v.refunded_at is not None:
            refund = f"refunded {format_ist(v.refunded_at, zone=False)[:10]}"
        elif v.flagged:
            refund = f"{format_inr(v.refund_paise)} due"
        else:
            refund = "-"
        print(f"{v.ref:<22}  {v.ivrs:<11}  {format_inr(v.amount_paise):>11}  {paid:>11}  "
              f"{v.status:<9}  {flags:<24}  {refund:<24}  {format_ist(v.created_at, zone=False):<16}  "
              f"{mask_mobile(v.sender) or '-'}")
    print(f"{len(rows)} payment(s)" + (" flagged" if args.flagged else "")
          + (f" for IVRS {args.ivrs}" if args.ivrs else ""))
    return 0


def cmd_payments_refunded(args, settings: Settings) -> int:
    """`bijli payments refunded REF`: record a refund made at the gateway."""
    from bijli.db import Database
    from bijli.money import format_inr
    from bijli.payments.refunds import RefundError, mark_refunded

    db = Database(settings.database_url)
    try:
        with db.session() as s:
            done = mark_refunded(s, args.ref, args.note, refund_id=args.refund_id)
    except RefundError as e:
        reasons = {
            "not_found": f"no payment with reference {args.ref}",
            "not_flagged": f"payment {args.ref} is not flagged: there is nothing to refund",
            "already_refunded": f"payment {args.ref} is already marked refunded",
            "no_note": 'say how it was refunded (--note "...")',
            "note_too_long": "the note is longer than 255 characters",
        }
        print(reasons.get(e.code, f"payment {args.ref}: {e.code}"), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    view = done.view
    if done.matched:
        print(f"payment {view.ref}: the gateway's refund {done.matched} was already recorded; "
              "your note was added to it (one refund)")
    else:
        print(f"payment {view.ref}: refund of {format_inr(view.refund_paise)} recorded")
    return 0


def cmd_payments_disputes(args, settings: Settings) -> int:
    """`bijli payments disputes`: chargebacks raised by payers' banks, to answer at the gateway."""
    from bijli.db import Database
    from bijli.money import format_inr
    from bijli.payments.disputes import list_disputes
    from bijli.timefmt import format_ist

    db = Database(settings.database_url)
    try:
        with db.session() as s:
            rows = list_disputes(s, open_only=args.open)
    finally:
        db.dispose()
    print(f"{'dispute':<22}  {'ref':<22}  {'ivrs':<11}  {'amount':>11}  {'status':<16}  "
          f"{'reason':<28}  {'respond by (IST)':<16}  updated (IST)")
    for d in rows:
        amount = format_inr(d.amount_paise) if d.amount_paise is not None else "-"
        by = format_ist(d.respond_by, zone=False) if d.respond_by and d.is_open else "-"
        print(f"{d.dispute_id:<22}  {d.payment_ref:<22}  {d.ivrs:<11}  {amount:>11}  "
              f"{d.status:<16}  {(d.reason_code or '-')[:28]:<28}  {by:<16}  "
              f"{format_ist(d.updated_at, zone=False)}")
    print(f"{len(rows)} dispute(s)" + (" open" if args.open else ""))
    return 0


def add_commands(sub) -> None:
    """``simulate-payment`` and ``payments list|refunded``."""
    p = sub.add_parser("payments", help="list payments and disputes; record refunds of overpayments")
    psub = p.add_subparsers(dest="payments_command", required=True)
    q = psub.add_parser("list", help="payments, newest first")
    q.add_argument("--flagged", action="store_true", help="only flagged ones (overpayments)")
    q.add_argument("--ivrs", help="only this connection's")
    q.set_defaults(func=cmd_payments_list)
    q = psub.add_parser("refunded", help="record that a flagged payment was refunded")
    q.add_argument("ref", metavar="REF")
    q.add_argument("--note", required=True, help="how and when it was refunded")
    q.add_argument("--refund-id", help="the gateway's refund id (rfnd_...), if it was refunded there")
    q.set_defaults(func=cmd_payments_refunded)
    q = psub.add_parser("disputes", help="disputes (chargebacks) on payments, newest first")
    q.add_argument("--open", action="store_true", help="only those still to be answered")
    q.set_defaults(func=cmd_payments_disputes)
    p = sub.add_parser("simulate-payment",
                       help="send a signed gateway event for a payment to the running server")
    p.add_argument("ref", metavar="REF", help="the payment reference (tr of the UPI link)")
    p.add_argument("--amount", help="rupees paid, e.g. 500.00 (default: the amount requested)")
    p.add_argument("--fail", action="store_true", help="send payment.failed instead")
    p.set_defaults(func=cmd_simulate_payment)
