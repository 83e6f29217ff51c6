"""The web chat page in a real headless Chromium (issue 9, part 4).

Real Rasa and action servers (tests/e2e/harness.py), the page served by Rasa at
/webhooks/webchat/, messages over socket.io. The walk-through Hi -> 2 -> 2 -> 1 ->
N3210987654 -> Pay, clicking a button where the bot offers one and typing otherwise,
up to the UPI link and the QR; then the demo gateway pays and the confirmation appears
in the open page without a reload, and a reload keeps the session. A screenshot is saved to
reports/webchat.png. The socket's identity and limits without a browser: test_webchat_identity.py.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them as
root); without them the test is skipped, saying so.
"""
import shutil
import tempfile
from pathlib import Path
from typing import List

import pytest
import requests
from sqlalchemy import select

from bijli.db import Database
from bijli.models import Payment
from tests.e2e.harness import ROOT, start_servers

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "reports" / "webchat.png"
WAIT = 120   # seconds: a turn on 2 shared cores can be slow; an upper bound, not an assertion

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements.txt)")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("browser test skipped: Debian's chromium and chromium-driver are not installed "
                "(run `make browser` as root, or apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with start_servers(tmp_path_factory.mktemp("webchat")) as live:
        yield live


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="bijli-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=480,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The chat page as a user sees it."""

    def __init__(self, driver):
        self.driver = driver
        self.clicks: List[str] = []

    def bot_texts(self) -> List[str]:
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".msg.bot")]

    def wait_for(self, needle: str, after: int) -> str:
        """Wait until a bot message after the first ``after`` ones contains ``needle``; return them joined."""
        def found(_):
            new = "\n".join(self.bot_texts()[after:])
            return new if needle in new else False
        return WebDriverWait(self.driver, WAIT).until(found, f"no bot message with {needle!r}")

    def answer(self, choice: str, expect: str) -> str:
        """Tap the button with this payload in the latest buttons, else type it; wait for ``expect``."""
        before = len(self.bot_texts())
        boxes = self.driver.find_elements(By.CSS_SELECTOR, ".buttons")
        buttons = boxes[-1].find_elements(By.CSS_SELECTOR, "button") if boxes else []
        match = [b for b in buttons if b.get_attribute("data-payload") == choice]
        if match:
            match[0].click()
            self.clicks.append(choice)
        else:
            box = self.driver.find_element(By.ID, "text")
            box.send_keys(choice)
            self.driver.find_element(By.ID, "send").click()
        return self.wait_for(expect, before)


def payments_for(database_url: str, ivrs: str) -> List[Payment]:
    db = Database(database_url)
    try:
        with db.session() as s:
            return list(s.execute(select(Payment).where(Payment.ivrs == ivrs)).scalars())
    finally:
        db.dispose()


def test_walkthrough_in_the_browser_up_to_the_upi_link_and_the_pushed_confirmation(servers, browser):
    browser.get(f"{servers.rasa_url}/webhooks/webchat/")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-session"),
                                       "the page got no session id")
    session = browser.find_element(By.TAG_NAME, "body").get_attribute("data-session")
    assert len(session) == 32       # the sender: the server-made id (its signed token stays in localStorage)

    page = Page(browser)
    page.answer("Hi", "बिल भुगतान")
    page.answer("2", "IVRS")
    area = page.answer("2", "शहरी")
    assert "ग्रामीण" in area and "कृषि" in area
    page.answer("1", "IVRS")
    bill = page.answer("N3210987654", "₹1,847.00")
    assert "सु*** व***" in bill and "सुनील" not in bill
    page.answer("1", "upi://pay")
    assert page.clicks, "the bill's Pay button was clicked, not typed"

    link = browser.find_element(By.CSS_SELECTOR, ".msg.bot a[href^='upi://pay']")
    assert "am=1847.00" in link.get_attribute("href")
    qr = WebDriverWait(browser, WAIT).until(
        lambda d: [i for i in d.find_elements(By.CSS_SELECTOR, ".msg.bot img")
                   if d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)],
        "the payment QR image did not load")
    assert qr

    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The sender of the payment is the page's session; paying it pushes the confirmation.
    [payment] = payments_for(servers.database_url, "N3210987654")
    assert payment.sender == session and payment.status == "pending"
    before = len(page.bot_texts())
    r = requests.post(f"{servers.rasa_url}/webhooks/payments/pay/{payment.ref}", data={"outcome": "pay"}, timeout=60)
    assert r.status_code == 200
    confirmed = page.wait_for("भुगतान प्राप्त हुआ", before)     # no reload: pushed over socket.io
    assert payment.ref in confirmed and "₹1,847.00" in confirmed

    # A reload offers the signed session kept in localStorage back: the server verifies it and
    # the page keeps its conversation (its sender) rather than starting a new one.
    browser.refresh()
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-session") == session,
        "the reloaded page did not keep its session")
