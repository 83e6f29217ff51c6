"""Past bills and payment history (main menu "View bill / past bills", or
the ``past_bills`` intent).

The connection is found by the bill lookup form (IVRS number, or the sender's
registered mobile) with purpose ``history``; then (data/rules/forms.yml) the last 6 bills, the last
payments and the current bill (with its Pay option) are shown. Names are
masked. The history is the consumer's own (bijli/access.py): any other sender
is told to write from the registered mobile and gets only the current bill,
which anyone with the IVRS number may see and pay.
"""
from bijli.access import owns
from bijli.billing import current_bill_view
from bijli.flows import billing
from bijli.flows.core import SLOT_IVRS, Reply, Services, Turn
from bijli.i18n import t
from bijli.money import format_inr
from bijli.payments.queries import History, account_history
from bijli.privacy import mask_name
from bijli.timefmt import format_ist, month_label


def render(account: History, lang: str) -> str:
    """The history as one message: a header, one line per bill, then the payments."""
    out = [t("history_header", lang, count=len(account.bills), ivrs=account.ivrs,
             name=mask_name(account.name))]
    for b in account.bills:
        state = t("history_state_" + b.state, lang, due=format_inr(b.due_paise))
        out.append(t("history_bill_line", lang, month=month_label(b.bill_month), units=b.units,
                     amount=format_inr(b.amount_paise), state=state))
    out.append("")
    if account.payments:
        out.append(t("history_payments_header", lang))
        for p in account.payments:
            out.append(t("history_payment_line", lang, paid_at=format_ist(p.paid_at),
                         amount=format_inr(p.amount_paise), receipt=p.receipt))
    else:
        out.append(t("history_no_payments", lang))
    return "\n".join(out)


# -- after the lookup form (purpose ``history``) ---------------------------------------

def show_history(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The connection is found: history (to its owner only), then the current bill."""
    ivrs = turn.slot(SLOT_IVRS)
    with services.db.session() as s:
        mine = owns(s, turn.sender, ivrs) if ivrs else False
        account = account_history(s, ivrs) if mine else None
        view = current_bill_view(s, ivrs) if ivrs else None
    if view is None or (mine and (account is None or not account.bills)):
        reply.say("no_bill", ivrs=ivrs or "-")
        return reply.show_menu("main")
    if account is not None:
        reply.text(render(account, reply.lang))
    else:
        reply.say("privacy_owner_only", ivrs=ivrs)
        reply.say("privacy_current_bill_follows")
    return billing.present_bill(turn, services, reply, view)
