"""Production ``rasa run`` serves its HTTP API only behind RASA_API_TOKEN (issue 18, item 6).

``bijli check-config`` cannot see Rasa's command line, so an ``--auth-token`` other than
RASA_API_TOKEN would open the API to whoever holds that other token; the REST channel's
start-up inside ``rasa run`` refuses it, naming the flag and neither value.
"""
from tests.e2e.test_security import PRODUCTION_ENV, _rasa_run, production_env

OTHER = "another-token-0123456789abcdef"       # test-only value


def test_rasa_refuses_an_auth_token_that_is_not_rasa_api_token(tmp_path):
    code, out = _rasa_run(tmp_path, production_env(tmp_path), "--auth-token", OTHER)
    assert code != 0
    assert "the --auth-token given to rasa run is not RASA_API_TOKEN" in out
    assert OTHER not in out
    assert PRODUCTION_ENV["RASA_API_TOKEN"] not in out
