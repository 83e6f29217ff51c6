"""The tools around the dialogue work for a newcomer (issue 10): `make shell` and
`make interactive` start beside a running `make run`, on other ports (serve.sh's dry run)."""
import os
import re
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ("BIJLI_ENV", "RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "RASA_HOST", "ACTION_HOST")


@contextmanager
def listening(count=1):
    """Hold `count` consecutive loopback ports, as `make run` holds 5005 and 5055."""
    for _ in range(20):
        sockets = []
        try:
            first = socket.socket()
            first.bind(("127.0.0.1", 0))
            sockets.append(first)
            for offset in range(1, count):
                more = socket.socket()
                sockets.append(more)
                more.bind(("127.0.0.1", first.getsockname()[1] + offset))
        except OSError:
            for held in sockets:
                held.close()
            continue
        for held in sockets:
            held.listen()
        try:
            yield first.getsockname()[1]
        finally:
            for held in sockets:
                held.close()
        return
    pytest.skip("no run of free loopback ports")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dry_run(tmp_path, mode, rasa_port, action_port):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(SERVE_DRY_RUN="1", ENDPOINTS_OUT=str(tmp_path / "endpoints.yml"),
               RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port))
    done = subprocess.run(["bash", "scripts/serve.sh", mode], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rasa = next(line for line in lines if "scripts.quiet_rasa " in line)
    actions = next(line for line in lines if "-m actions.server" in line)
    return done, rasa, actions


def port_of(command):
    return int(re.search(r"--port (\d+)", command).group(1))


def action_url(tmp_path):
    return re.search(r'url: "http://([^"]+)/webhook"', (tmp_path / "endpoints.yml").read_text()).group(1)


@pytest.mark.parametrize("mode", ["shell", "interactive"])
def test_a_taken_rasa_port_is_replaced_and_said(tmp_path, mode):
    with listening(2) as taken:
        done, rasa, _ = dry_run(tmp_path, mode, taken, free_port())
    assert port_of(rasa) != taken
    assert f"port {taken} is taken" in done.stderr


@pytest.mark.parametrize("mode", ["shell", "interactive"])
def test_a_taken_action_port_is_replaced_and_rasa_calls_the_new_one(tmp_path, mode):
    with listening() as taken:
        _, _, actions = dry_run(tmp_path, mode, free_port(), taken)
    assert port_of(actions) != taken
    assert action_url(tmp_path) == f"127.0.0.1:{port_of(actions)}"


def test_the_shell_keeps_free_ports_and_binds_to_loopback(tmp_path):
    rasa_port, action_port = free_port(), free_port()
    done, rasa, actions = dry_run(tmp_path, "shell", rasa_port, action_port)
    assert port_of(rasa) == rasa_port and port_of(actions) == action_port
    assert "--interface 127.0.0.1" in rasa
    assert "is taken" not in done.stderr


def test_interactive_needs_the_next_port_free_too_for_its_story_graph(tmp_path):
    with listening(2) as taken:
        _, rasa, _ = dry_run(tmp_path, "interactive", taken - 1, free_port())
    assert port_of(rasa) not in (taken - 1, taken, taken + 1)


def test_interactive_uses_the_domain_directory_and_the_generated_endpoints(tmp_path):
    _, rasa, _ = dry_run(tmp_path, "interactive", free_port(), free_port())
    assert " interactive " in rasa
    assert "--domain domain" in rasa
    assert f"--endpoints {tmp_path / 'endpoints.yml'}" in rasa


def test_serve_refuses_an_unknown_mode(tmp_path):
    done = subprocess.run(["bash", "scripts/serve.sh", "chat"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "SERVE_DRY_RUN": "1"}, timeout=60)
    assert done.returncode == 2 and "usage" in done.stderr


# -- quiet output: the Makefile's PYTHONWARNINGS, kept in force by scripts/quiet_rasa.py -----------

def makefile_warning_filters():
    printed = subprocess.run(["make", "-pn", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    line = next(line for line in printed.stdout.splitlines() if line.startswith("PYTHONWARNINGS :="))
    return line.split(":=", 1)[1].strip()


WARN_BOTH = """
import warnings
from scripts.quiet_rasa import reapply
import sanic  # puts once::DeprecationWarning in front, as in every Rasa command
import sys
reapply(list(sys.warnoptions))
warnings.warn("pkg_resources is deprecated as an API. See ...", DeprecationWarning)
warnings.warn("our own deprecation", DeprecationWarning)
warnings.warn("a domain problem", UserWarning)
"""


def test_the_named_library_deprecations_stay_quiet_after_sanic_and_others_still_show():
    filters = makefile_warning_filters()
    done = subprocess.run([str(Path(sys.executable)), "-c", WARN_BOTH], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": filters}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Invalid -W option" not in done.stderr
    assert "pkg_resources is deprecated" not in done.stderr
    assert "our own deprecation" in done.stderr and "a domain problem" in done.stderr


def test_without_reapplying_sanic_would_show_the_library_deprecation():
    """Why quiet_rasa exists: if this ever fails, PYTHONWARNINGS alone is enough again."""
    script = WARN_BOTH.replace("reapply(list(sys.warnoptions))", "")
    done = subprocess.run([str(Path(sys.executable)), "-c", script], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": makefile_warning_filters()}, timeout=120)
    assert "pkg_resources is deprecated" in done.stderr


AS_IN_RASA = """
import sys, warnings
from scripts.quiet_rasa import reapply
import sanic  # noqa
warnings.simplefilter("once", UserWarning)  # what Rasa's configure_logging_and_warnings adds
reapply(list(sys.warnoptions))
"""

MATHTEXT = AS_IN_RASA + """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
figure = plt.figure()
figure.text(0.5, 0.5, r"$x^2$")  # rasa test draws its confusion matrices and histograms like this
figure.savefig(sys.argv[1])
"""

SKLEARN_REPORT = AS_IN_RASA + """
from sklearn.metrics import precision_recall_fscore_support
# an intent the held-out set has that the model never predicts, as in every `rasa test nlu` report
print(precision_recall_fscore_support(["greet", "thank"], ["greet", "greet"], labels=["greet", "thank"]))
"""


def run_under_makefile_filters(script, *args):
    """Run a Python script with the Makefile's PYTHONWARNINGS, as a Rasa command runs."""
    return subprocess.run([str(Path(sys.executable)), "-c", script, *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": makefile_warning_filters()}, timeout=120)


def test_rasa_tests_plots_print_no_pyparsing_deprecations(tmp_path):
    """`make stories` and `make nlu-gate` printed matplotlib's pyparsing deprecations, 30 lines a run."""
    done = run_under_makefile_filters(MATHTEXT, str(tmp_path / "plot.png"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "plot.png").stat().st_size > 0
    assert "PyparsingDeprecationWarning" not in done.stderr, done.stderr


def test_rasa_test_nlu_reports_print_no_undefined_metric_warnings():
    """`make nlu-gate` printed sklearn's "ill-defined precision" 8 times; the gate reports each intent's F1."""
    done = run_under_makefile_filters(SKLEARN_REPORT)
    assert done.returncode == 0, done.stderr
    assert "array" in done.stdout
    assert "UndefinedMetricWarning" not in done.stderr, done.stderr
