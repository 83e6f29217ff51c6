"""Write the production topology's settings file (``var/prod.env``) once, with random secrets.

``python -m scripts.prod.env PATH`` writes PATH only when it does not exist (mode 600), so
the secrets stay the same from one ``make prod`` to the next. Ports are taken from the
environment when set (the fault tests start the topology on free ports), else the defaults.
The file is plain ``KEY=value`` lines: ``set -a; . var/prod.env`` gives an operator's shell
the same settings, and ``scripts/prod/load_env.sh`` loads it under the environment.

The payment gateway and the WhatsApp Graph API are the tests' fakes (tests/fakes/) on
loopback, started by ``make prod``: this topology runs on one machine with no network,
and its keys are fake. Never put real keys in it while they point there.
"""
import os
import secrets
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from tests.fakes import graph, razorpay

PORT_DEFAULTS = {"PROD_PORT": "8000", "PROD_RASA_PORTS": "5011 5012", "PROD_ACTION_PORT": "5061",
                 "PROD_PG_PORT": "5433", "PROD_REDIS_PORT": "6380",
                 "PROD_GATEWAY_PORT": "5071", "PROD_GRAPH_PORT": "5072"}


def _secret() -> str:
    return secrets.token_hex(32)


def settings(env: Dict[str, str]) -> List[Tuple[str, str, str]]:
    """(name, value, comment) for every setting of the topology."""
    port = {k: env.get(k) or v for k, v in PORT_DEFAULTS.items()}
    db_password, public = _secret(), f"https://127.0.0.1:{port['PROD_PORT']}"
    return [
        ("BIJLI_ENV", "production", "fails closed: bijli check-config names what is missing"),
        *[(k, v, "127.0.0.1 only") for k, v in port.items()],
        ("PROD_DB_PASSWORD", db_password, "PostgreSQL role bijli"),
        ("DATABASE_URL", f"postgresql+psycopg2://bijli:{db_password}@127.0.0.1:{port['PROD_PG_PORT']}/bijli",
         "billing data; the tracker store is database bijli_tracker on the same server"),
        ("REDIS_PASSWORD", _secret(), "Rasa's lock store"),
        ("RASA_API_TOKEN", _secret(), "HTTP API and REST channel: ?token="),
        ("ACTION_SERVER_TOKEN", _secret(), "Rasa -> action server"),
        ("ACTION_SERVER_SANIC_WORKERS", "2", "action server workers"),
        ("SANIC_KEEP_ALIVE_TIMEOUT", "75", "s; Sanic's 5 s would close idle connections that Rasa's "
         "client (15 s) and nginx (60 s) still reuse, failing a request now and then"),
        ("PAYMENT_PROVIDER", "razorpay", "LOCAL FAKE GATEWAY below (tests/fakes/razorpay.py)"),
        ("RAZORPAY_BASE_URL", f"http://127.0.0.1:{port['PROD_GATEWAY_PORT']}",
         "local fake Razorpay: never use with real keys"),
        ("RAZORPAY_KEY_ID", razorpay.KEY_ID, "the fake's key"),
        ("RAZORPAY_KEY_SECRET", razorpay.KEY_SECRET, "the fake's key"),
        ("PAYMENT_WEBHOOK_SECRET", _secret(), "signs gateway events"),
        ("WHATSAPP_GRAPH_URL", f"http://127.0.0.1:{port['PROD_GRAPH_PORT']}",
         "local fake Graph API (tests/fakes/graph.py)"),
        ("WHATSAPP_ACCESS_TOKEN", graph.TOKEN, "the fake Graph API's token"),
        ("WHATSAPP_PHONE_NUMBER_ID", graph.PHONE_NUMBER_ID, "the fake Graph API's number"),
        ("WHATSAPP_VERIFY_TOKEN", _secret(), "Meta's subscription handshake"),
        ("WHATSAPP_APP_SECRET", _secret(), "signs WhatsApp deliveries"),
        ("PUBLIC_BASE_URL", public, "nginx (TLS, self-signed certificate in the var dir)"),
        ("RASA_URL", public, ""),
        ("WEBCHAT_ENABLED", "true", ""),
        ("WEBCHAT_SECRET", _secret(), "signs web chat session ids"),
        ("WEBCHAT_TRUSTED_PROXIES", "127.0.0.1", "nginx sets X-Forwarded-For"),
    ]


HEADER = ("# Bijli Sahayak production topology on this machine (make prod; README 'Production topology').\n"
          "# Made once with random secrets; the environment overrides any line.\n"
          "# The payment gateway and Graph API are LOCAL FAKES: never use with real keys.\n")


def render(rows: List[Tuple[str, str, str]]) -> str:
    """``KEY=value`` lines (quoted when the value has spaces), with their comments."""
    out = []
    for name, value, comment in rows:
        shown = f'"{value}"' if " " in value else value
        out.append(f"{name}={shown}" + (f"  # {comment}" if comment else ""))
    return "\n".join(out) + "\n"


def main(argv: List[str]) -> int:
    """Create the file if absent; add the settings a newer version has and it lacks."""
    path = Path(argv[1]) if len(argv) > 1 else Path("var/prod.env")
    if path.exists():
        text = path.read_text(encoding="utf-8")
        have = {line.split("=", 1)[0] for line in text.splitlines() if "=" in line and not line.startswith("#")}
        missing = [row for row in settings(dict(os.environ)) if row[0] not in have]
        if missing:
            with path.open("a", encoding="utf-8") as out:
                out.write(render(missing))
            print(f"added {', '.join(name for name, _, _ in missing)} to {path}")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(HEADER + render(settings(dict(os.environ))))
    print(f"wrote {path} (random secrets; the payment gateway and Graph API are local fakes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
