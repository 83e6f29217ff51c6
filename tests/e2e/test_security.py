"""Who may talk to the servers (issue 8, part 1), against the real servers.

Production mode (``BIJLI_ENV=production``, razorpay with fake keys, an https public URL,
non-demo WhatsApp values): the HTTP API and the REST channel need ``RASA_API_TOKEN``, the
action server needs ``ACTION_SERVER_TOKEN`` (and Rasa sends it, or no dialogue would work).
Development mode (the shared ``live`` servers): nothing listens beyond the loopback.
A production configuration with a variable missing does not start at all.
"""
import os
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from tests.e2e.expected import amount_line, ivrs_line, says, shown_menu
from tests.e2e.harness import BIN, ROOT, free_port, latest_model, start_servers

# Test-only values, not real secrets.
PRODUCTION_ENV = {
    "BIJLI_ENV": "production",
    "RASA_API_TOKEN": "e2e-api-token-0123456789abcdef",
    "ACTION_SERVER_TOKEN": "e2e-action-token-0123456789abcdef",
    "PAYMENT_WEBHOOK_SECRET": "e2e-whsec-0123456789abcdef",
    "PAYMENT_PROVIDER": "razorpay",
    "RAZORPAY_KEY_ID": "rzp_test_e2e",
    "RAZORPAY_KEY_SECRET": "e2e-rzp-secret-0123456789",
    "RAZORPAY_BASE_URL": "http://127.0.0.1:9",          # never called by these tests
    "WHATSAPP_VERIFY_TOKEN": "e2e-verify-0123456789abcdef",
    "WHATSAPP_APP_SECRET": "e2e-appsecret-0123456789abcdef",
    "WHATSAPP_ACCESS_TOKEN": "e2e-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9",
    "PUBLIC_BASE_URL": "https://bijli.example.in",
}
MENU = "2. बिल भुगतान"
WRONG = "e2e-api-token-0123456789abcdeX"


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    with start_servers(tmp_path_factory.mktemp("e2e-prod"), env=PRODUCTION_ENV) as servers:
        yield servers


def rest(live, sender, text, params=None, headers=None):
    return requests.post(f"{live.rasa_url}/webhooks/rest/webhook", params=params, headers=headers,
                         json={"sender": sender, "message": text}, timeout=60)


def texts(r):
    return "\n".join(m.get("text", "") for m in r.json())


# -- the Rasa HTTP API -----------------------------------------------------------------------------

def test_api_needs_the_token_in_production(prod):
    token = prod.api_token
    url = f"{prod.rasa_url}/conversations/919800000071/tracker"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": WRONG}, timeout=30).status_code == 401
    assert requests.get(url, params={"token": token}, timeout=30).status_code == 200
    parse = f"{prod.rasa_url}/model/parse"
    assert requests.post(parse, json={"text": "Hi"}, timeout=30).status_code == 401
    r = requests.post(parse, params={"token": token}, json={"text": "Hi"}, timeout=30)
    assert r.status_code == 200 and r.json()["intent"]["name"] == "greet"


# -- the REST channel ------------------------------------------------------------------------------

def test_rest_without_or_with_a_wrong_token_is_refused_in_production(prod):
    sender = "919800000072"
    assert rest(prod, sender, "Hi").status_code == 401
    assert rest(prod, sender, "Hi", params={"token": WRONG}).status_code == 401
    assert rest(prod, sender, "Hi", headers={"Authorization": f"Bearer {WRONG}"}).status_code == 401
    assert rest(prod, sender, "Hi", headers={"Authorization": f"Basic {prod.api_token}"}).status_code == 401
    # Nothing reached the conversation.
    events = prod.tracker(sender)["events"]
    assert [e for e in events if e["event"] in ("user", "bot")] == []


@pytest.mark.parametrize("how", ["query", "bearer"])
def test_rest_with_the_token_gets_the_menu_through_the_action_server(prod, how):
    # The menu is written by action_main_menu on the action server: it arrives only if Rasa
    # sent ACTION_SERVER_TOKEN with the call.
    sender = "91980000007" + ("3" if how == "query" else "4")
    kwargs = ({"params": {"token": prod.api_token}} if how == "query"
              else {"headers": {"Authorization": f"Bearer {prod.api_token}"}})
    r = rest(prod, sender, "Hi", **kwargs)
    assert r.status_code == 200
    assert MENU in texts(r)


def test_the_dialogue_works_through_rasa_in_production(prod):
    sender = "919800000075"
    assert prod.say(sender, "Hi") == shown_menu("main")
    assert prod.say(sender, "2") == shown_menu("lookup_method")
    assert prod.say(sender, "2") == shown_menu("area")
    assert prod.say(sender, "1") == says("ask_ivrs")
    bill = prod.say(sender, "N3210987654")
    assert ivrs_line("N3210987654", "urban") in bill.splitlines()
    assert amount_line("₹1,847.00") in bill.splitlines() and "सुनील" not in bill


# -- the action server -----------------------------------------------------------------------------

def action_call(sender):
    """What Rasa posts to the action server to run ``action_main_menu``."""
    return {
        "next_action": "action_main_menu", "sender_id": sender, "version": "3.6.21", "domain": {},
        "tracker": {
            "sender_id": sender, "slots": {}, "events": [], "paused": False,
            "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
            "latest_input_channel": "rest",
            "latest_message": {"text": "Hi", "intent": {"name": "greet", "confidence": 1.0},
                               "entities": []},
        },
    }


@pytest.mark.parametrize("auth", [
    {}, {"headers": {"Authorization": "Bearer wrong"}}, {"params": {"token": "wrong"}},
    {"headers": {"Authorization": "Bearer "}},
], ids=["none", "wrong-bearer", "wrong-query", "blank-bearer"])
def test_the_action_server_refuses_calls_without_the_token(prod, auth):
    r = requests.post(f"{prod.action_url}/webhook", json=action_call("919800000076"), timeout=30, **auth)
    assert r.status_code == 401
    assert requests.get(f"{prod.action_url}/actions", timeout=30, **auth).status_code == 401


@pytest.mark.parametrize("how", ["bearer", "query"])
def test_the_action_server_answers_calls_with_the_token(prod, how):
    auth = ({"headers": {"Authorization": f"Bearer {prod.action_token}"}} if how == "bearer"
            else {"params": {"token": prod.action_token}})
    r = requests.post(f"{prod.action_url}/webhook", json=action_call("919800000077"), timeout=30, **auth)
    assert r.status_code == 200, r.text
    assert any(MENU in (m.get("text") or "") for m in r.json()["responses"])


def test_the_action_server_health_check_stays_open(prod):
    assert requests.get(f"{prod.action_url}/health", timeout=30).json() == {"status": "ok"}


# -- development mode: loopback only ---------------------------------------------------------------

def non_loopback_ipv4():
    """This machine's IPv4 addresses other than loopback (may be empty)."""
    found = set()
    try:
        found.update(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))      # no packet is sent; picks the outgoing interface
            found.add(s.getsockname()[0])
        except OSError:
            pass
    return sorted(a for a in found if not a.startswith("127.") and a != "0.0.0.0")


def listening_addresses(port):
    """Local addresses of the listening TCP sockets on ``port`` (Linux /proc/net)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1])
                             if len(address) == 8 else "ipv6:" + address)
    return found


def test_development_servers_listen_on_loopback_only(live):
    ports = {"rasa": int(live.rasa_url.rsplit(":", 1)[1]), "actions": int(live.action_url.rsplit(":", 1)[1])}
    if os.path.exists("/proc/net/tcp"):
        for name, port in ports.items():
            assert listening_addresses(port) == ["127.0.0.1"], name
    addresses = non_loopback_ipv4()
    for address in addresses:
        for name, port in ports.items():
            with socket.socket() as s:
                s.settimeout(3)
                with pytest.raises(OSError):
                    s.connect((address, port))
    assert addresses or os.path.exists("/proc/net/tcp"), "nothing to check the bind address with"
    # ... and they do answer on the loopback.
    assert requests.get(f"{live.action_url}/health", timeout=30).status_code == 200
    assert MENU in live.say("919800000078", "Hi")


# -- refusing to start -------------------------------------------------------------------------------

def run_until_exit(cmd, env, seconds=240):
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{cmd[:3]} kept running with an unsafe production configuration")
    return proc.returncode, out


def production_env(tmp_path, **changes):
    env = dict(os.environ)
    env.update(PRODUCTION_ENV)
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'bijli.db'}", "PYTHONPATH": str(ROOT),
                "TF_CPP_MIN_LOG_LEVEL": "3"})
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_the_action_server_refuses_to_start_without_its_token(tmp_path):
    code, out = run_until_exit([str(BIN / "python"), "-m", "actions.server", "--port", str(free_port()),
                                "--actions", "actions"], production_env(tmp_path, ACTION_SERVER_TOKEN=None))
    assert code != 0
    assert "ACTION_SERVER_TOKEN is not set" in out


def _rasa_run(tmp_path, env, *extra):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{free_port()}/webhook"\n',
                         encoding="utf-8")
    return run_until_exit([str(BIN / "rasa"), "run", "--enable-api", "--port", str(free_port()),
                           "--interface", "127.0.0.1", *extra, "--model", str(latest_model()),
                           "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")],
                          env)


def test_rasa_refuses_to_start_with_a_missing_variable(tmp_path):
    env = production_env(tmp_path, WHATSAPP_ACCESS_TOKEN=None, PAYMENT_WEBHOOK_SECRET=None)
    code, out = _rasa_run(tmp_path, env, "--auth-token", PRODUCTION_ENV["RASA_API_TOKEN"])
    assert code != 0
    assert "WHATSAPP_ACCESS_TOKEN is not set" in out and "PAYMENT_WEBHOOK_SECRET is not set" in out
    assert PRODUCTION_ENV["RAZORPAY_KEY_SECRET"] not in out


def test_rasa_refuses_to_serve_the_api_without_auth_token_in_production(tmp_path):
    code, out = _rasa_run(tmp_path, production_env(tmp_path))
    assert code != 0
    assert "--auth-token" in out
