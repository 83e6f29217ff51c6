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


def default_database_url() -> str:
    return "sqlite:///" + str(PROJECT_ROOT / "var" / "bijli.db")


@dataclass(frozen=True)
class Settings:
    database_url: str
    upi_vpa: str
    upi_payee_name: str
    helpline: str
    default_language: str
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

    def webhook_secret(self) -> Optional[str]:
        """PAYMENT_WEBHOOK_SECRET; only the demo provider falls back to a dev secret."""
        if self.payment_webhook_secret:
            return self.payment_webhook_secret
        if self.payment_provider == "demo":
            return DEMO_WEBHOOK_SECRET
        return None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            upi_vpa=env.get("UPI_VPA") or "mpcz.demo@upi",
            upi_payee_name=env.get("UPI_PAYEE_NAME") or "MPCZ Bijli Bill",
            helpline=env.get("HELPLINE") or "1912",
            default_language=(env.get("DEFAULT_LANGUAGE") or "hi"),
            payment_provider=(env.get("PAYMENT_PROVIDER") or "demo").strip().lower(),
            payment_webhook_secret=env.get("PAYMENT_WEBHOOK_SECRET") or None,
            razorpay_base_url=(env.get("RAZORPAY_BASE_URL") or "https://api.razorpay.com").rstrip("/"),
            razorpay_key_id=env.get("RAZORPAY_KEY_ID") or None,
            razorpay_key_secret=env.get("RAZORPAY_KEY_SECRET") or None,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://localhost:5005").rstrip("/"),
            rasa_url=(env.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
            payment_link_expiry_minutes=int(env.get("PAYMENT_LINK_EXPIRY_MINUTES") or 30),
        )
