"""One action per step of the dialogue. Which one runs when is Rasa's: the
rules in data/rules/ and the stories in data/stories/. Each action runs the
``bijli`` handler named by ``entry`` (bijli/flows/router.py)."""
from actions.adapter import FlowAction


class ActionMainMenu(FlowAction):
    """The main menu (a greeting, "menu", "0"); forgets any lookup or draft under way."""

    entry = "main_menu"


class ActionReadChoice(FlowAction):
    """A number, yes / no or a detail read against the menu shown last: sets ``choice``."""

    entry = "read_choice"


class ActionStartLookup(FlowAction):
    """Sets up bill_lookup_form: its purpose and what the message already answers."""

    entry = "start_lookup"
    starts_form = True


class ActionShowBill(FlowAction):
    """The current bill of the connection found, with Pay when something is due."""

    entry = "show_bill"


class ActionShowHistory(FlowAction):
    """Past bills and payments (to the registered mobile only), then the current bill."""

    entry = "show_history"


class ActionPay(FlowAction):
    """The payment request: UPI link, payment page, QR (and the WhatsApp order card)."""

    entry = "pay"


class ActionStartComplaint(FlowAction):
    """Sets up complaint_form: a new draft with what the message already says."""

    entry = "start_complaint"
    starts_form = True


class ActionFileComplaint(FlowAction):
    """Files the confirmed complaint once, with its number and the time it is due."""

    entry = "file_complaint"


class ActionCancelComplaint(FlowAction):
    """The summary was answered no: nothing is filed."""

    entry = "cancel_complaint"


class ActionPaymentStatus(FlowAction):
    """The sender's latest payments; with ``payment_ref``, the gateway's update."""

    entry = "payment_status"


class ActionComplaintStatus(FlowAction):
    """Complaints by number, IVRS or the registered mobile."""

    entry = "complaint_status"


class ActionNewConnection(FlowAction):
    """Where to apply for a new connection."""

    entry = "new_connection"


class ActionChangeLanguage(FlowAction):
    """The language named or picked; else the language menu."""

    entry = "change_language"


class ActionSwitchLanguage(FlowAction):
    """"English please" inside a form: switch, and the form asks again."""

    entry = "switch_language"


class ActionReminders(FlowAction):
    """Whether WhatsApp bill reminders are on, and the on / off menu."""

    entry = "reminders"


class ActionSetReminders(FlowAction):
    """Turns the reminders on or off, as picked."""

    entry = "set_reminders"


class ActionHumanHandoff(FlowAction):
    """The helpline and every other way to reach the discom."""

    entry = "human_handoff"


class ActionIvrsHelp(FlowAction):
    """Where the IVRS (consumer) number is printed; the lookup form follows."""

    entry = "ivrs_help"
    starts_form = True


class ActionOutOfScope(FlowAction):
    """Not about electricity: what we can do."""

    entry = "out_of_scope"


class ActionGoodbye(FlowAction):
    """Goodbye."""

    entry = "goodbye"


class ActionThank(FlowAction):
    """You're welcome."""

    entry = "thank"


class ActionBotChallenge(FlowAction):
    """"Are you a bot?": yes, and where a person answers."""

    entry = "bot_challenge"


class ActionFallback(FlowAction):
    """NLU confidence too low: say so, show the menu, never guess."""

    entry = "fallback"
