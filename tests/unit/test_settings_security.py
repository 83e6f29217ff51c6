"""Production mode fails closed (issue 8, part 1): the settings check, tokens, serve.sh."""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bijli.security import (
    UnsafeConfigError,
    cmd_check_config,
    config_problems,
    presented_token,
    require_safe_config,
    token_matches,
)
from bijli.settings import DEMO_WEBHOOK_SECRET, Settings
from channels.rest import RestInput, api_left_open

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# A complete, non-demo production environment (test values, not real secrets).
PRODUCTION = {
    "BIJLI_ENV": "production",
    "RASA_API_TOKEN": "api-token-0123456789abcdef",
    "ACTION_SERVER_TOKEN": "action-token-0123456789abcdef",
    "PAYMENT_WEBHOOK_SECRET": "whsec-0123456789abcdef",
    "PAYMENT_PROVIDER": "razorpay",
    "RAZORPAY_KEY_ID": "rzp_test_key",
    "RAZORPAY_KEY_SECRET": "rzp-secret-0123456789",
    "WHATSAPP_VERIFY_TOKEN": "verify-0123456789abcdef",
    "WHATSAPP_APP_SECRET": "appsecret-0123456789abcdef",
    "WHATSAPP_ACCESS_TOKEN": "EAAG-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "PUBLIC_BASE_URL": "https://bijli.example.in",
}


def problems(**changes):
    env = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return config_problems(Settings.from_env(env))


def only_problem_names(found, name):
    assert len(found) == 1, found
    assert found[0].startswith(name), found


# -- modes ----------------------------------------------------------------------------------------

def test_development_defaults_have_no_problems_and_keep_the_demo_conveniences():
    settings = Settings.from_env({})
    assert settings.mode == "development" and not settings.is_production
    assert config_problems(settings) == []
    assert settings.action_host == "127.0.0.1"
    assert settings.rasa_api_token is None and settings.action_server_token is None
    assert settings.webhook_secret() == DEMO_WEBHOOK_SECRET


def test_a_complete_production_environment_has_no_problems():
    settings = Settings.from_env(PRODUCTION)
    assert settings.is_production
    assert config_problems(settings) == []
    assert require_safe_config(settings) is settings


def test_mode_is_read_case_insensitively():
    assert Settings.from_env({**PRODUCTION, "BIJLI_ENV": " Production "}).is_production
    assert not Settings.from_env({"BIJLI_ENV": "DEVELOPMENT"}).is_production


def test_an_unknown_mode_is_checked_as_production_and_named():
    found = config_problems(Settings.from_env({"BIJLI_ENV": "prod"}))
    assert found[0].startswith("BIJLI_ENV")
    assert any(p.startswith("RASA_API_TOKEN") for p in found)   # checked as production
    assert Settings.from_env({"BIJLI_ENV": "prod"}).webhook_secret() is None


def test_production_with_nothing_set_names_every_variable():
    found = config_problems(Settings.from_env({"BIJLI_ENV": "production"}))
    named = {p.split()[0] for p in found}
    assert named == {"RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "PAYMENT_WEBHOOK_SECRET",
                     "PAYMENT_PROVIDER", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET",
                     "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "PUBLIC_BASE_URL"}


# -- each variable --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "PAYMENT_WEBHOOK_SECRET", "RAZORPAY_KEY_ID",
    "RAZORPAY_KEY_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
])
@pytest.mark.parametrize("absent", [None, ""], ids=["unset", "empty"])
def test_each_missing_variable_is_named(name, absent):
    only_problem_names(problems(**{name: absent}), name)


@pytest.mark.parametrize("name, demo", [
    ("PAYMENT_WEBHOOK_SECRET", DEMO_WEBHOOK_SECRET),
    ("WHATSAPP_VERIFY_TOKEN", "bijli-verify-demo"),
    ("WHATSAPP_APP_SECRET", "bijli-app-secret-demo"),
])
def test_demo_values_are_refused(name, demo):
    only_problem_names(problems(**{name: demo}), name)


@pytest.mark.parametrize("provider", ["demo", None, "DEMO"])
def test_the_demo_provider_is_refused_and_then_razorpay_keys_are_not_asked(provider):
    only_problem_names(problems(PAYMENT_PROVIDER=provider, RAZORPAY_KEY_ID=None,
                                RAZORPAY_KEY_SECRET=None), "PAYMENT_PROVIDER")


def test_an_unknown_provider_is_refused():
    only_problem_names(problems(PAYMENT_PROVIDER="paytm"), "PAYMENT_PROVIDER")


@pytest.mark.parametrize("name", ["RASA_API_TOKEN", "ACTION_SERVER_TOKEN"])
@pytest.mark.parametrize("value, ok", [("x" * 15, False), ("x" * 16, True)])
def test_our_own_tokens_need_sixteen_characters(name, value, ok):
    found = problems(**{name: value})
    if ok:
        assert found == []
    else:
        only_problem_names(found, name)


@pytest.mark.parametrize("name", ["PAYMENT_WEBHOOK_SECRET", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"])
@pytest.mark.parametrize("value, ok", [("s", False), ("x" * 15, False), ("x" * 16, True)])
def test_shared_secrets_need_sixteen_characters(name, value, ok):
    found = problems(**{name: value})
    if ok:
        assert found == []
    else:
        assert found == [f"{name} is shorter than 16 characters"]


@pytest.mark.parametrize("name", ["RAZORPAY_BASE_URL", "WHATSAPP_GRAPH_URL"])
@pytest.mark.parametrize("url, ok", [
    ("https://api.razorpay.com", True),
    ("HTTPS://graph.facebook.com/", True),
    ("http://127.0.0.1:9", True),                 # the e2e tests' fake gateways
    ("http://127.10.0.1:8080", True),             # all of 127.0.0.0/8
    ("http://localhost:8080", True),
    ("http://[::1]:8080", True),
    ("http://api.razorpay.com", False),           # the key secret / access token in clear
    ("http://10.0.0.5:8080", False),
    ("http://127.0.0.1.evil.example", False),
    ("http://localhost.evil.example", False),
    ("http://[::ffff:8.8.8.8]", False),
    ("ftp://127.0.0.1", False),
    ("api.razorpay.com", False),
    ("https://", False),
])
def test_outside_services_need_https_or_a_loopback_address(name, url, ok):
    found = problems(**{name: url})
    if ok:
        assert found == []
    else:
        assert found == [f"{name} must be an https:// URL (plain http only to a loopback address)"]


@pytest.mark.parametrize("url, ok", [
    ("https://bijli.example.in", True),
    ("https://bijli.example.in/base/", True),
    ("HTTPS://bijli.example.in", True),
    ("http://bijli.example.in", False),
    ("https://", False),
    ("bijli.example.in", False),
    ("ftp://bijli.example.in", False),
    (None, False),                        # the default is http://localhost:5005
])
def test_public_base_url_must_be_https(url, ok):
    found = problems(PUBLIC_BASE_URL=url)
    if ok:
        assert found == []
    else:
        only_problem_names(found, "PUBLIC_BASE_URL")


@pytest.mark.parametrize("env, link_base", [
    ({}, "http://localhost:5005"),
    ({"RASA_PORT": "5105"}, "http://localhost:5105"),   # make run RASA_PORT=5105: links that open
    ({"RASA_PORT": "5105", "PUBLIC_BASE_URL": "https://bijli.example.in/"}, "https://bijli.example.in"),
    ({"RASA_PORT": "not-a-port"}, "http://localhost:5005"),
])
def test_development_payment_links_point_at_the_port_rasa_serves_on(env, link_base):
    settings = Settings.from_env(env)
    assert settings.public_base_url == link_base
    assert settings.rasa_url == ("http://localhost:5105" if env.get("RASA_PORT") == "5105" else "http://localhost:5005")


def test_the_error_names_every_problem_but_no_secret_value():
    env = {**PRODUCTION, "RASA_API_TOKEN": "", "PAYMENT_WEBHOOK_SECRET": DEMO_WEBHOOK_SECRET,
           "PUBLIC_BASE_URL": "http://bijli.example.in"}
    with pytest.raises(UnsafeConfigError) as e:
        require_safe_config(Settings.from_env(env))
    message = str(e.value)
    for name in ("RASA_API_TOKEN", "PAYMENT_WEBHOOK_SECRET", "PUBLIC_BASE_URL"):
        assert name in message
    assert len(e.value.problems) == 3
    for secret in (DEMO_WEBHOOK_SECRET, PRODUCTION["ACTION_SERVER_TOKEN"],
                   PRODUCTION["RAZORPAY_KEY_SECRET"], PRODUCTION["WHATSAPP_APP_SECRET"]):
        assert secret not in message


# -- the development webhook secret -------------------------------------------------------------------

@pytest.mark.parametrize("env, expected", [
    ({}, DEMO_WEBHOOK_SECRET),                                                    # dev, demo
    ({"PAYMENT_WEBHOOK_SECRET": "mine-0123456789"}, "mine-0123456789"),
    ({"PAYMENT_PROVIDER": "razorpay"}, None),                                     # dev, razorpay
    ({"BIJLI_ENV": "production"}, None),                                          # prod, demo
    ({"BIJLI_ENV": "production", "PAYMENT_WEBHOOK_SECRET": DEMO_WEBHOOK_SECRET}, None),
    ({"BIJLI_ENV": "production", "PAYMENT_PROVIDER": "razorpay",
      "PAYMENT_WEBHOOK_SECRET": "whsec-real"}, "whsec-real"),
])
def test_the_dev_webhook_secret_only_for_demo_outside_production(env, expected):
    assert Settings.from_env(env).webhook_secret() == expected


# -- tokens ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, ok", [
    ("s3cret-token-0123456789", True),
    ("s3cret-token-012345678", False),          # a prefix
    ("s3cret-token-01234567899", False),        # one character too many
    ("S3cret-token-0123456789", False),
    ("s", False),
    ("", False),
    (None, False),
    ("s3cret-token-012345678é", False),         # non-ASCII never raises
])
def test_token_matches_only_the_whole_token(given, ok):
    assert token_matches("s3cret-token-0123456789", given) is ok


def test_nothing_expected_matches_nothing():
    assert not token_matches(None, "")
    assert not token_matches("", "")
    assert not token_matches(None, None)


@pytest.mark.parametrize("headers, query, expected", [
    ({"Authorization": "Bearer abc"}, None, "abc"),
    ({"authorization": "bearer  abc "}, None, "abc"),
    ({"Authorization": "Bearer abc"}, "xyz", "abc"),
    ({"Authorization": "Basic abc"}, "xyz", "xyz"),
    ({"Authorization": "Bearer "}, None, None),
    ({}, "xyz", "xyz"),
    ({}, "", None),
    ({}, None, None),
])
def test_presented_token_takes_bearer_then_query(headers, query, expected):
    assert presented_token(headers, query) == expected


# -- the REST channel and `rasa run` ----------------------------------------------------------------

@pytest.mark.parametrize("argv, left_open", [
    (["rasa", "run", "--enable-api"], True),
    (["rasa", "run", "--enable-api", "--auth-token", "t"], False),
    (["rasa", "run", "--enable-api", "--auth-token=t"], False),
    (["rasa", "run", "--enable-api", "-t", "t"], False),
    (["rasa", "run", "--enable-api", "--jwt-secret", "j"], False),
    (["rasa", "run"], False),
])
def test_api_left_open(argv, left_open):
    assert api_left_open(argv) is left_open


OURS = PRODUCTION["RASA_API_TOKEN"]
NOT_OURS = "api-token-0123456789abcdeX"
NOT_OURS_PROBLEM = "the --auth-token given to rasa run is not RASA_API_TOKEN"


@pytest.mark.parametrize("args, problem", [
    (["--auth-token", OURS], None),
    ([f"--auth-token={OURS}"], None),
    (["-t", OURS], None),
    (["--jwt-secret", "j" * 32], None),
    (["--auth-token", NOT_OURS], NOT_OURS_PROBLEM),
    ([f"--auth-token={NOT_OURS}"], NOT_OURS_PROBLEM),
    (["-t", NOT_OURS], NOT_OURS_PROBLEM),
    (["--auth", NOT_OURS], NOT_OURS_PROBLEM),            # argparse takes the abbreviation
    (["--auth-token", OURS[:-1]], NOT_OURS_PROBLEM),     # a prefix
])
def test_production_rasa_run_refuses_an_auth_token_that_is_not_rasa_api_token(monkeypatch, args, problem):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["rasa", "run", "--enable-api", "--port", "5005", *args])
    if problem is None:
        assert RestInput.from_credentials(None)._api_token == OURS
        return
    with pytest.raises(UnsafeConfigError) as e:
        RestInput.from_credentials(None)
    assert e.value.problems == [problem]
    assert NOT_OURS not in str(e.value) and OURS not in str(e.value)


def test_rest_channel_refuses_an_unsafe_production_config(monkeypatch):
    monkeypatch.setenv("BIJLI_ENV", "production")
    for name in PRODUCTION:
        if name != "BIJLI_ENV":
            monkeypatch.delenv(name, raising=False)
    with pytest.raises(UnsafeConfigError) as e:
        RestInput.from_credentials(None)
    assert "RASA_API_TOKEN" in str(e.value) and "WHATSAPP_APP_SECRET" in str(e.value)


def test_rest_channel_is_open_in_development(monkeypatch):
    monkeypatch.setenv("BIJLI_ENV", "development")
    monkeypatch.setenv("RASA_API_TOKEN", "api-token-0123456789abcdef")
    channel = RestInput.from_credentials(None)
    assert channel.name() == "rest"
    assert channel._api_token is None


# -- bijli check-config -------------------------------------------------------------------------------

def test_check_config_lists_each_variable_and_exits_1(capsys):
    env = {**PRODUCTION, "ACTION_SERVER_TOKEN": "", "WHATSAPP_ACCESS_TOKEN": ""}
    assert cmd_check_config(SimpleNamespace(), Settings.from_env(env)) == 1
    err = capsys.readouterr().err
    assert "ACTION_SERVER_TOKEN" in err and "WHATSAPP_ACCESS_TOKEN" in err
    assert "RASA_API_TOKEN" not in err


def test_check_config_passes_a_complete_production_environment(capsys):
    assert cmd_check_config(SimpleNamespace(), Settings.from_env(PRODUCTION)) == 0
    assert "production" in capsys.readouterr().out


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in
           ("RASA_HOST", "ACTION_HOST", "ACTION_PORT", "RASA_PORT")}
    env.update(extra)
    return env


def test_the_bijli_command_exits_1_naming_the_variable():
    done = subprocess.run([str(BIN / "bijli"), "check-config"], cwd=ROOT, capture_output=True,
                          text=True, env=_clean_env(**{**PRODUCTION, "RASA_API_TOKEN": ""}))
    assert done.returncode == 1
    assert "RASA_API_TOKEN is not set" in done.stderr


def test_check_config_names_a_short_secret_and_an_http_outside_url_and_takes_loopback_http():
    weak = {**PRODUCTION, "PAYMENT_WEBHOOK_SECRET": "s", "RAZORPAY_BASE_URL": "http://api.razorpay.com",
            "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9"}
    done = subprocess.run([str(BIN / "bijli"), "check-config"], cwd=ROOT, capture_output=True,
                          text=True, env=_clean_env(**weak))
    assert done.returncode == 1
    assert done.stderr.splitlines()[1:] == [
        "  - PAYMENT_WEBHOOK_SECRET is shorter than 16 characters",
        "  - RAZORPAY_BASE_URL must be an https:// URL (plain http only to a loopback address)"]


def test_check_config_names_a_missing_web_chat_secret_when_the_web_chat_is_on_in_production():
    done = subprocess.run([str(BIN / "bijli"), "check-config"], cwd=ROOT, capture_output=True,
                          text=True, env=_clean_env(**PRODUCTION, WEBCHAT_ENABLED="true"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[1].startswith("  - WEBCHAT_SECRET must be set to at least 32")
    signed = subprocess.run([str(BIN / "bijli"), "check-config"], cwd=ROOT, capture_output=True, text=True,
                            env=_clean_env(**PRODUCTION, WEBCHAT_ENABLED="true", WEBCHAT_SECRET="k" * 64))
    assert signed.returncode == 0, signed.stderr


def test_check_config_names_an_unusable_payment_event_age_in_any_mode():
    done = subprocess.run([str(BIN / "bijli"), "check-config"], cwd=ROOT, capture_output=True,
                          text=True, env=_clean_env(PAYMENT_EVENT_MAX_AGE_SECONDS="a day"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[1:] == [
        "  - PAYMENT_EVENT_MAX_AGE_SECONDS must be a positive number of seconds, got 'a day'"]


# -- scripts/serve.sh (SERVE_DRY_RUN prints the server commands) ------------------------------------------

def serve(tmp_path, *args, **env):
    done = subprocess.run(["bash", "scripts/serve.sh", *args], cwd=ROOT, capture_output=True, text=True,
                          env=_clean_env(SERVE_DRY_RUN="1", ENDPOINTS_OUT=str(tmp_path / "endpoints.yml"),
                                         **env), timeout=120)
    lines = done.stdout.splitlines()
    actions = [line for line in lines if "-m actions.server" in line]
    rasa = [line for line in lines if "scripts.quiet_rasa " in line]
    return done, (actions[0] if actions else None), (rasa[0] if rasa else None)


def test_serve_binds_to_loopback_and_sends_a_per_run_action_token_in_development(tmp_path):
    done, actions, rasa = serve(tmp_path)
    assert done.returncode == 0, done.stderr
    assert actions is not None
    assert "--interface 127.0.0.1" in rasa
    assert "--auth-token" not in rasa
    endpoints = (tmp_path / "endpoints.yml").read_text()
    assert 'url: "http://127.0.0.1:5055/webhook"' in endpoints
    assert "Authorization: Bearer ${ACTION_SERVER_TOKEN}\n" in endpoints


def test_serve_passes_the_api_token_and_the_deployment_addresses(tmp_path):
    done, _, rasa = serve(tmp_path, RASA_API_TOKEN="api-token-0123456789abcdef", RASA_HOST="0.0.0.0",
                          ACTION_HOST="0.0.0.0", ACTION_PORT="6055")
    assert done.returncode == 0, done.stderr
    assert "--auth-token api-token-0123456789abcdef" in rasa
    assert "--interface 0.0.0.0" in rasa
    # Rasa calls an action server listening on all addresses through the loopback.
    assert 'url: "http://127.0.0.1:6055/webhook"' in (tmp_path / "endpoints.yml").read_text()


def test_serve_refuses_production_naming_the_variables_and_starts_nothing(tmp_path):
    env = {**PRODUCTION, "PAYMENT_PROVIDER": "demo", "WHATSAPP_APP_SECRET": ""}
    done, actions, rasa = serve(tmp_path, **env)
    assert done.returncode == 1
    assert "PAYMENT_PROVIDER" in done.stderr and "WHATSAPP_APP_SECRET" in done.stderr
    assert actions is None and rasa is None


def test_serve_in_production_passes_the_api_token(tmp_path):
    done, actions, rasa = serve(tmp_path, **PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert f"--auth-token {PRODUCTION['RASA_API_TOKEN']}" in rasa and actions is not None


@pytest.mark.parametrize("mode", ["shell", "interactive"])
def test_serve_shell_and_interactive_are_refused_in_production(tmp_path, mode):
    done, actions, rasa = serve(tmp_path, mode, **PRODUCTION)
    assert done.returncode == 1
    assert "development" in done.stderr
    assert actions is None and rasa is None


def test_rasa_reads_the_action_token_from_endpoints_yml(monkeypatch):
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTION_SERVER_TOKEN", "action-token-0123456789abcdef")
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint.headers == {"Authorization": "Bearer action-token-0123456789abcdef"}
    assert endpoint.url == "http://127.0.0.1:5055/webhook"
    monkeypatch.delenv("ACTION_SERVER_TOKEN")
    with pytest.raises(RasaException):       # why serve.sh always exports one
        read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
