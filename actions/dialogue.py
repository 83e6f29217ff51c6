"""One action per entry point of the conversation (see data/rules/)."""
from actions.adapter import FlowAction


class ActionMainMenu(FlowAction):
    entry = "show_menu"

    def name(self):
        return "action_main_menu"


class ActionGreet(FlowAction):
    entry = "greet"


class ActionMenuChoice(FlowAction):
    """A number, a yes/no or a detail, read against the menu shown last."""

    entry = "choose_option"

    def name(self):
        return "action_menu_choice"


class ActionInform(FlowAction):
    entry = "inform"


class ActionAffirm(FlowAction):
    entry = "affirm"


class ActionDeny(FlowAction):
    entry = "deny"


class ActionPayBill(FlowAction):
    entry = "pay_bill"


class ActionCheckBill(FlowAction):
    entry = "check_bill"


class ActionPastBills(FlowAction):
    entry = "past_bills"


class ActionPaymentStatus(FlowAction):
    entry = "payment_status"


class ActionRegisterComplaint(FlowAction):
    entry = "register_complaint"


class ActionReportNoSupply(FlowAction):
    entry = "report_no_supply"


class ActionComplaintStatus(FlowAction):
    entry = "complaint_status"


class ActionNewConnection(FlowAction):
    entry = "new_connection"


class ActionChangeLanguage(FlowAction):
    entry = "change_language"


class ActionHumanHandoff(FlowAction):
    entry = "human_handoff"


class ActionIvrsHelp(FlowAction):
    """Where the IVRS (consumer) number is printed; the registered-mobile path."""

    entry = "ivrs_help"


class ActionOutOfScope(FlowAction):
    entry = "out_of_scope"


class ActionGoodbye(FlowAction):
    entry = "goodbye"


class ActionThank(FlowAction):
    entry = "thank"


class ActionBotChallenge(FlowAction):
    entry = "bot_challenge"


class ActionFallback(FlowAction):
    """NLU confidence too low: say so, show the menu, never guess."""

    entry = "fallback"
