"""Settings, read from the environment each time they are asked for.

Every setting is listed in the README. Secrets (webhook secrets, gateway keys)
only ever come from the environment and have no committed defaults.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Development only: the demo payment provider signs and checks its webhooks
# with this when PAYMENT_WEBHOOK_SECRET is not set. Never used by razorpay.
DEMO_WEBHOOK_SECRET = "bijli-demo-webhook-secret-DEV-ONLY"
# Development only: WhatsApp webhook verify token and app secret for local demos
# and tests. Production mode refuses to start with them (issue 8).
DEMO_WHATSAPP_VERIFY_TOKEN = "bijli-verify-demo"
DEMO_WHATSAPP_APP_SECRET = "bijli-app-secret-demo"

DEVELOPMENT, PRODUCTION = "development", "production"


def _local_rasa_url(env: Mapping[str, str]) -> str:
    """The Rasa server on this machine: RASA_PORT (set by scripts/serve.sh), else 5005."""
    port = (env.get("RASA_PORT") or "").strip()
    return f"http://localhost:{port if port.isdigit() else 5005}"


def default_database_url() -> str:
    """The development database: a SQLite file under var/."""
    return "sqlite:///" + str(PROJECT_ROOT / "var" / "bijli.db")


@dataclass(frozen=True)
class Settings:
    database_url: str
    upi_vpa: str
    upi_payee_name: str
    helpline: str
    default_language: str
    # BIJLI_ENV: development (default) | production. Any other value is treated as
    # production (fail closed) and reported by `bijli check-config` (bijli.security).
    mode: str = DEVELOPMENT
    # Who may talk to the servers (README "Security"): the Rasa HTTP API / REST token and
    # the secret Rasa sends to the action server; the action server's bind address.
    rasa_api_token: Optional[str] = field(default=None, repr=False)
    action_server_token: Optional[str] = field(default=None, repr=False)
    action_host: str = "127.0.0.1"
    # Payments (docs: README "Payments"). Secrets never have committed defaults,
    # except the clearly-marked dev secret of the demo provider (see below).
    payment_provider: str = "demo"                    # demo | razorpay
    payment_webhook_secret: Optional[str] = field(default=None, repr=False)
    razorpay_base_url: str = "https://api.razorpay.com"
    razorpay_key_id: Optional[str] = None
    razorpay_key_secret: Optional[str] = field(default=None, repr=False)
    public_base_url: str = "http://localhost:5005"    # demo payment page and QR image URLs
    rasa_url: str = "http://localhost:5005"           # where `bijli simulate-payment` posts
    payment_link_expiry_minutes: int = 30
    # Anti-enumeration (bijli.lookups): distinct IVRS numbers one sender may look up in 24 h.
    lookup_limit_per_day: int = 20
    payment_deadline_seconds: float = 5.0             # overall time for one Pay at the gateway
    gateway_pool_size: int = 4                        # threads for gateway calls (bijli.payments.gateway)
    # WhatsApp Cloud API (docs: README "WhatsApp"). The verify token and app secret have
    # demo defaults for local use only; production mode refuses them (issue 8).
    whatsapp_verify_token: str = field(default=DEMO_WHATSAPP_VERIFY_TOKEN, repr=False)
    whatsapp_app_secret: str = field(default=DEMO_WHATSAPP_APP_SECRET, repr=False)
    whatsapp_access_token: Optional[str] = field(default=None, repr=False)
    whatsapp_phone_number_id: Optional[str] = None
    whatsapp_graph_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    # A payment configuration linked to the gateway in WhatsApp Manager: when set, Pay sends an
    # order_details card (pay inside WhatsApp); empty: only the UPI link and QR (issue 9 part 2).
    whatsapp_payment_configuration: str = ""
    # Bill reminders (issue 9, part 3): an approved utility template, and its language code
    # per consumer language (Meta's codes, e.g. "en" or "en_US"). Empty: `bijli remind` refuses.
    whatsapp_reminder_template: Optional[str] = None
    whatsapp_reminder_language_hi: str = "hi"
    whatsapp_reminder_language_en: str = "en"
    # Approved utility template for payment confirmations outside the 24-hour window.
    whatsapp_confirmation_template: Optional[str] = None

    @property
    def is_production(self) -> bool:
        """True unless BIJLI_ENV is (or defaults to) development: unknown modes fail closed."""
        return self.mode != DEVELOPMENT

    def webhook_secret(self) -> Optional[str]:
        """PAYMENT_WEBHOOK_SECRET; the dev secret only for the demo provider outside production."""
        if self.is_production:
            # Production never signs or checks with the dev secret, even if it was configured.
            secret = self.payment_webhook_secret
            return secret if secret and secret != DEMO_WEBHOOK_SECRET else None
        if self.payment_webhook_secret:
            return self.payment_webhook_secret
        if self.payment_provider == "demo":
            return DEMO_WEBHOOK_SECRET
        return None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        local_rasa = _local_rasa_url(env)   # development: this machine, on the port serve.sh gave Rasa
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            upi_vpa=env.get("UPI_VPA") or "mpcz.demo@upi",
            upi_payee_name=env.get("UPI_PAYEE_NAME") or "MPCZ Bijli Bill",
            helpline=env.get("HELPLINE") or "1912",
            default_language=(env.get("DEFAULT_LANGUAGE") or "hi"),
            mode=(env.get("BIJLI_ENV") or DEVELOPMENT).strip().lower() or DEVELOPMENT,
            rasa_api_token=env.get("RASA_API_TOKEN") or None,
            action_server_token=env.get("ACTION_SERVER_TOKEN") or None,
            action_host=(env.get("ACTION_HOST") or "127.0.0.1").strip(),
            payment_provider=(env.get("PAYMENT_PROVIDER") or "demo").strip().lower(),
            payment_webhook_secret=env.get("PAYMENT_WEBHOOK_SECRET") or None,
            razorpay_base_url=(env.get("RAZORPAY_BASE_URL") or "https://api.razorpay.com").rstrip("/"),
            razorpay_key_id=env.get("RAZORPAY_KEY_ID") or None,
            razorpay_key_secret=env.get("RAZORPAY_KEY_SECRET") or None,
            public_base_url=(env.get("PUBLIC_BASE_URL") or local_rasa).rstrip("/"),
            rasa_url=(env.get("RASA_URL") or local_rasa).rstrip("/"),
            payment_link_expiry_minutes=int(env.get("PAYMENT_LINK_EXPIRY_MINUTES") or 30),
            lookup_limit_per_day=max(1, int(env.get("LOOKUP_LIMIT_PER_DAY") or 20)),
            payment_deadline_seconds=float(env.get("PAYMENT_DEADLINE_SECONDS") or 5),
            gateway_pool_size=max(1, int(env.get("GATEWAY_POOL_SIZE") or 4)),
            whatsapp_verify_token=env.get("WHATSAPP_VERIFY_TOKEN") or DEMO_WHATSAPP_VERIFY_TOKEN,
            whatsapp_app_secret=env.get("WHATSAPP_APP_SECRET") or DEMO_WHATSAPP_APP_SECRET,
            whatsapp_access_token=env.get("WHATSAPP_ACCESS_TOKEN") or None,
            whatsapp_phone_number_id=env.get("WHATSAPP_PHONE_NUMBER_ID") or None,
            whatsapp_graph_url=(env.get("WHATSAPP_GRAPH_URL") or "https://graph.facebook.com").rstrip("/"),
            whatsapp_api_version=(env.get("WHATSAPP_API_VERSION") or "v21.0").strip("/"),
            whatsapp_payment_configuration=(env.get("WHATSAPP_PAYMENT_CONFIGURATION") or "").strip(),
            whatsapp_reminder_template=(env.get("WHATSAPP_REMINDER_TEMPLATE") or "").strip() or None,
            whatsapp_reminder_language_hi=(env.get("WHATSAPP_REMINDER_LANGUAGE_HI") or "hi").strip(),
            whatsapp_reminder_language_en=(env.get("WHATSAPP_REMINDER_LANGUAGE_EN") or "en").strip(),
            whatsapp_confirmation_template=(env.get("WHATSAPP_CONFIRMATION_TEMPLATE") or "").strip() or None,
        )
