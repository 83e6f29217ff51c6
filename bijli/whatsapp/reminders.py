"""Bill reminders on WhatsApp (issue 9, part 3): consent, and the `bijli remind` run.

Reminders reach people outside the 24-hour window, so they go only as an
approved utility template, only to senders who opted in from the menu, and
never after Meta answered 131050 (the user blocked or opted out) unless the
consumer opts in again later. At most one reminder per bill: the bill is
claimed in ``reminders_sent`` (unique) before the send, so two runs at once
cannot both send; a failed send gives the claim back for a later run.
"""
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.models import Bill, Consumer, utcnow
from bijli.money import format_inr
from bijli.preferences import get_language
from bijli.privacy import mask_mobile, mask_name
from bijli.settings import Settings
from bijli.timefmt import date_label
from bijli.whatsapp import store
from bijli.whatsapp.client import OPTED_OUT, PAIR_PAUSE_SECONDS, GraphClient, SendResult
from bijli.whatsapp.models import ReminderConsent, ReminderSent

logger = logging.getLogger(__name__)

COUNTRY_CODE = "91"
# Meta allows 80 messages/s per number; 20/s leaves room for the live chat on the same number.
SEND_INTERVAL_SECONDS = 0.05
SKIP_REASONS = ("not opted in", "opted out", "already reminded", "paid", "no mobile")


# -- consent ------------------------------------------------------------------------

def set_consent(db: Database, sender: str, opted_in: bool, source: str = "menu",
                now: Optional[datetime] = None) -> None:
    """Store the sender's choice (the latest one wins)."""
    now = now or utcnow()
    for _ in range(2):   # a first choice racing another: the second try updates the winner's row
        try:
            with db.session() as s:
                row = s.get(ReminderConsent, sender)
                if row is None:
                    s.add(ReminderConsent(sender=sender, opted_in=opted_in, changed_at=now, source=source))
                else:
                    row.opted_in, row.changed_at, row.source = opted_in, now, source
            return
        except IntegrityError:
            continue


def consent_state(db: Database, sender: str) -> str:
    """``in``, ``out`` (chose no, or Meta said 131050 since the last yes) or ``none`` (never asked)."""
    with db.session() as s:
        row = s.get(ReminderConsent, sender)
        choice = (row.opted_in, row.changed_at) if row is not None else None
    contact = store.get_contact(db, sender)
    blocked_at = contact.opted_out_at if contact is not None else None
    if choice is None:
        return "out" if blocked_at else "none"
    opted_in, changed_at = choice
    if not opted_in or (blocked_at is not None and blocked_at >= changed_at):
        return "out"
    return "in"


# -- the template -------------------------------------------------------------------

def template_content(name: str, language_code: str, body: List[str],
                     order_details: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A ``type: template`` message: body text parameters and, if given, the ORDER_DETAILS button."""
    components: List[Dict[str, Any]] = [
        {"type": "body", "parameters": [{"type": "text", "text": value} for value in body]}]
    if order_details is not None:
        components.append({"type": "button", "sub_type": "order_details", "index": 0,
                           "parameters": [{"type": "action", "action": {"order_details": order_details}}]})
    return {"type": "template", "template": {"name": name,
                                             "language": {"policy": "deterministic", "code": language_code},
                                             "components": components}}


# -- the run --------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    """A reminder Meta (or the network) refused."""

    ivrs: str
    wa_id: str
    error_code: Optional[int]
    detail: str


@dataclass
class RemindSummary:
    """What one `bijli remind` run did, per bill (IVRS numbers)."""

    dry_run: bool
    due_within: int
    sent: List[str] = field(default_factory=list)
    skipped: Dict[str, List[str]] = field(default_factory=lambda: {r: [] for r in SKIP_REASONS})
    failed: List[Failure] = field(default_factory=list)

    def lines(self) -> List[str]:
        """The operator's report."""
        verb = "would send" if self.dry_run else "sent"
        skipped = sum(len(v) for v in self.skipped.values())
        out = [f"reminders (bills due within {self.due_within} days): {len(self.sent)} {verb}, "
               f"{skipped} skipped, {len(self.failed)} failed" + (" (dry run: nothing sent or recorded)"
                                                                   if self.dry_run else "")]
        reasons = ", ".join(f"{reason} {len(self.skipped[reason])}" for reason in SKIP_REASONS
                            if self.skipped[reason])
        if reasons:
            out.append(f"skipped: {reasons}")
        for f in self.failed:
            code = f"code {f.error_code}" if f.error_code is not None else "no code"
            out.append(f"failed: {f.ivrs} to {mask_mobile(f.wa_id)}: {code} {f.detail}".rstrip())
        return out


@dataclass(frozen=True)
class _Due:
    bill_id: int
    ivrs: str
    name: str
    mobile: str
    bill_month: str
    due_date: date
    due_paise: int


def _due_bills(db: Database, today: date, days: int) -> List[_Due]:
    with db.session() as s:
        rows = s.execute(
            select(Bill, Consumer).join(Consumer, Bill.ivrs == Consumer.ivrs)
            .where(Bill.due_date >= today, Bill.due_date <= today + timedelta(days=days))
            .order_by(Bill.due_date, Bill.ivrs)).all()
        return [_Due(b.id, c.ivrs, c.name, c.mobile or "", b.bill_month, b.due_date, b.due_paise)
                for b, c in rows]


def _already_reminded(db: Database, bill_id: int) -> bool:
    with db.session() as s:
        return s.execute(select(ReminderSent.id).where(ReminderSent.bill_id == bill_id)).first() is not None


def _claim(db: Database, bill_id: int, wa_id: str) -> bool:
    try:
        with db.session() as s:
            s.add(ReminderSent(bill_id=bill_id, wa_id=wa_id, status="sending", created_at=utcnow()))
        return True
    except IntegrityError:   # another run claimed this bill first
        return False


def _settle(db: Database, bill_id: int, result: SendResult) -> None:
    with db.session() as s:
        if result.ok:
            row = s.execute(select(ReminderSent).where(ReminderSent.bill_id == bill_id)).scalar_one()
            row.status, row.wamid = "sent", result.id
        else:   # give the bill back: a later run may try again
            s.execute(delete(ReminderSent).where(ReminderSent.bill_id == bill_id))


class Reminders:
    """One run of reminders through one business number. ``sleep`` paces the sends."""

    def __init__(self, db: Database, settings: Settings, client: GraphClient,
                 sleep: Callable[[float], None] = time.sleep):
        self.db = db
        self.settings = settings
        self.client = client
        self._sleep = sleep

    def _language_code(self, wa_id: str) -> str:
        lang = self._lang(wa_id)
        return self.settings.whatsapp_reminder_language_en if lang == "en" \
            else self.settings.whatsapp_reminder_language_hi

    def _lang(self, wa_id: str) -> str:
        return get_language(self.db, wa_id) or self.settings.default_language

    def _order(self, due: _Due, wa_id: str) -> Optional[Dict[str, Any]]:
        """The Pay button's order: the bill's payment request as part 2's order card carries it."""
        configuration = self.settings.whatsapp_payment_configuration
        if not configuration:
            return None
        from bijli.payments.pay import request_payment
        from bijli.whatsapp.orders import order_for

        try:
            req = request_payment(self.db, self.settings, due.ivrs, wa_id)
            card = order_for(self.db, req.ref, configuration, self._lang(wa_id))
        except Exception as e:   # the reminder still goes, without its Pay button
            logger.warning("reminder for %s: no payment request (%s)", due.ivrs, type(e).__name__)
            return None
        return card["interactive"]["action"]["parameters"] if card else None

    def content(self, due: _Due, wa_id: str) -> Dict[str, Any]:
        """The template message for one bill (makes its payment request when payments are configured)."""
        body = [mask_name(due.name), format_inr(due.due_paise), date_label(due.due_date), due.ivrs]
        order = self._order(due, wa_id)
        return template_content(self.settings.whatsapp_reminder_template or "", self._language_code(wa_id),
                                body, order)

    def run(self, due_within: int = 3, dry_run: bool = False, today: Optional[date] = None) -> RemindSummary:
        """Send (or, dry, only count) the reminders of bills due from ``today`` to ``today + due_within``."""
        today = today or utcnow().date()
        summary = RemindSummary(dry_run=dry_run, due_within=due_within)
        sent_to: Dict[str, int] = {}
        for due in _due_bills(self.db, today, due_within):
            reason = self._skip_reason(due)
            if reason:
                summary.skipped[reason].append(due.ivrs)
                continue
            wa_id = COUNTRY_CODE + due.mobile
            if dry_run:
                summary.sent.append(due.ivrs)
                continue
            if not _claim(self.db, due.bill_id, wa_id):
                summary.skipped["already reminded"].append(due.ivrs)
                continue
            self._pace(wa_id, sent_to)
            try:
                result = self.client.send(wa_id, self.content(due, wa_id))
            except Exception as e:   # never leave a bill claimed by a send that did not happen
                logger.exception("reminder for %s to %s failed", due.ivrs, mask_mobile(wa_id))
                result = SendResult(ok=False, detail=type(e).__name__)
            sent_to[wa_id] = sent_to.get(wa_id, 0) + 1
            _settle(self.db, due.bill_id, result)
            if result.ok:
                summary.sent.append(due.ivrs)
                continue
            summary.failed.append(Failure(due.ivrs, wa_id, result.error_code, result.detail))
            if result.error_code == OPTED_OUT:
                store.mark_opted_out(self.db, wa_id, OPTED_OUT)
                set_consent(self.db, wa_id, False, source=str(OPTED_OUT))
        logger.info("reminders: %s", "; ".join(summary.lines()))
        return summary

    def _skip_reason(self, due: _Due) -> Optional[str]:
        if due.due_paise <= 0:
            return "paid"
        if len(due.mobile) != 10 or not due.mobile.isdigit():
            return "no mobile"
        state = consent_state(self.db, COUNTRY_CODE + due.mobile)
        if state != "in":
            return "opted out" if state == "out" else "not opted in"
        if _already_reminded(self.db, due.bill_id):
            return "already reminded"
        return None

    def _pace(self, wa_id: str, sent_to: Dict[str, int]) -> None:
        # Meta: at most one message per 6 s to one user; well under 80/s per number overall.
        if wa_id in sent_to:
            self._sleep(PAIR_PAUSE_SECONDS)
        elif sent_to:
            self._sleep(SEND_INTERVAL_SECONDS)


# -- `bijli remind` ---------------------------------------------------------------------

def cmd_remind(args, settings: Settings) -> int:
    """Send the reminders; exit 1 only when it cannot run at all."""
    from bijli.whatsapp.client import GraphConfig

    if not settings.whatsapp_reminder_template:
        print("cannot send reminders: WHATSAPP_REMINDER_TEMPLATE (an approved utility template) "
              "is not set", file=sys.stderr)
        return 1
    config = GraphConfig.from_settings(settings)
    if not args.dry_run and not config.configured:
        print("cannot send reminders: WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID "
              "must be set", file=sys.stderr)
        return 1
    if args.due_within < 0:
        print("--due-within must be 0 or more days", file=sys.stderr)
        return 1
    db = Database(settings.database_url)
    try:
        summary = Reminders(db, settings, GraphClient(config)).run(args.due_within, dry_run=args.dry_run)
    finally:
        db.dispose()
    print("\n".join(summary.lines()))
    return 0


def add_commands(sub) -> None:
    """Register ``bijli remind``."""
    p = sub.add_parser("remind", help="send WhatsApp bill reminders to opted-in consumers")
    p.add_argument("--due-within", type=int, default=3, metavar="DAYS",
                   help="bills due from today to today + DAYS (default 3)")
    p.add_argument("--dry-run", action="store_true", help="send nothing and record nothing; only report")
    p.set_defaults(func=cmd_remind)
