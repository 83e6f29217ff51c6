"""Settings, read from the environment each time they are asked for.

Every setting is listed in the README. Secrets (webhook secrets, gateway keys)
only ever come from the environment and have no committed defaults.
"""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url() -> str:
    return "sqlite:///" + str(PROJECT_ROOT / "var" / "bijli.db")


@dataclass(frozen=True)
class Settings:
    database_url: str
    upi_vpa: str
    upi_payee_name: str
    helpline: str
    default_language: str

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            upi_vpa=env.get("UPI_VPA") or "mpcz.demo@upi",
            upi_payee_name=env.get("UPI_PAYEE_NAME") or "MPCZ Bijli Bill",
            helpline=env.get("HELPLINE") or "1912",
            default_language=(env.get("DEFAULT_LANGUAGE") or "hi"),
        )
