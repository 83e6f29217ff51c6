"""Disputes (chargebacks) that payers' banks raise on gateway payments, for operators.

Razorpay sends ``payment.dispute.created``, ``.under_review``, ``.action_required``,
``.won``, ``.lost`` and ``.closed``. Each dispute is one ``payment_disputes`` row with
its latest status; an event older (by its signed ``created_at``) than the one that set
the status is recorded in the event log but does not turn the status back. A dispute
changes no bill: operators answer it at the gateway (``bijli payments disputes``).
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bijli.models import Payment, PaymentDispute
from bijli.payments.events import Envelope, GatewayEvent
from bijli.payments.freshness import from_unix

logger = logging.getLogger(__name__)

STATUSES = ("open", "under_review", "action_required", "won", "lost", "closed")
OPEN = ("open", "under_review", "action_required")


def _status(event: GatewayEvent) -> str:
    suffix = event.type.rsplit(".", 1)[-1]
    if suffix == "action_required":     # the entity still says "open"; the event says more
        return suffix
    if event.dispute_status in STATUSES:
        return event.dispute_status
    return "open" if suffix == "created" else suffix


def record_dispute(session: Session, payment: Payment, event: GatewayEvent, envelope: Envelope,
                   now: datetime) -> str:
    """Create or update the dispute's row; the result name for the webhook's answer."""
    dispute_id = (event.dispute_id or "")[:64]
    status = _status(event)
    event_at = from_unix(envelope.created_at)
    row = session.execute(select(PaymentDispute).where(PaymentDispute.dispute_id == dispute_id)
                          ).scalar_one_or_none()
    if row is None:
        row = PaymentDispute(dispute_id=dispute_id, payment_ref=payment.ref,
                             gateway_payment_id=(event.gateway_payment_id or "")[:64] or None,
                             opened_at=from_unix(envelope.opened_at), status=status,
                             last_event=event.type, updated_at=now)
        session.add(row)
    elif row.event_at is not None and event_at is not None and event_at < row.event_at:
        logger.info("dispute %s: %s is older than %s; status stays %s", dispute_id, event.type,
                    row.last_event, row.status)
        return "unchanged"
    row.status, row.last_event, row.event_at, row.updated_at = status, event.type, event_at, now
    row.amount_paise = event.amount_paise
    row.amount_deducted_paise = envelope.amount_deducted
    row.reason_code = (event.reason_code or "")[:64] or None
    row.phase = (event.dispute_phase or "")[:32] or None
    row.respond_by = from_unix(envelope.respond_by)
    log = logger.warning if status in ("open", "action_required", "lost") else logger.info
    log("payment %s: dispute %s is %s (%s, %s paise)", payment.ref, dispute_id, status,
        row.reason_code or "-", event.amount_paise)
    return "dispute_" + status


@dataclass(frozen=True)
class DisputeView:
    """One dispute for operators."""

    dispute_id: str
    payment_ref: str
    ivrs: str
    amount_paise: Optional[int]
    amount_deducted_paise: Optional[int]
    status: str
    reason_code: Optional[str]
    phase: Optional[str]
    respond_by: Optional[datetime]
    opened_at: Optional[datetime]
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def list_disputes(session: Session, *, open_only: bool = False, limit: int = 200
                  ) -> List[DisputeView]:
    """Disputes, newest first, with the payment's connection."""
    query = select(PaymentDispute, Payment.ivrs).join(Payment, Payment.ref == PaymentDispute.payment_ref)
    if open_only:
        query = query.where(PaymentDispute.status.in_(OPEN))
    rows = session.execute(query.order_by(PaymentDispute.updated_at.desc(), PaymentDispute.id.desc())
                           .limit(limit)).all()
    return [DisputeView(d.dispute_id, d.payment_ref, ivrs, d.amount_paise, d.amount_deducted_paise,
                        d.status, d.reason_code, d.phase, d.respond_by, d.opened_at, d.updated_at)
            for d, ivrs in rows]


def dispute_flags(session: Session, refs: Iterable[str]) -> Dict[str, str]:
    """``{payment ref: "dispute:<status>"}`` for the payments that have a dispute (the latest)."""
    refs = list(refs)
    if not refs:
        return {}
    rows = session.execute(select(PaymentDispute.payment_ref, PaymentDispute.status)
                           .where(PaymentDispute.payment_ref.in_(refs))
                           .order_by(PaymentDispute.updated_at, PaymentDispute.id)).all()
    return {ref: "dispute:" + status for ref, status in rows}
