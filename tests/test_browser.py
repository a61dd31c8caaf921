"""End to end in headless Chromium (Selenium): a partner fills in the form by mouse and
keyboard, each page is screenshotted and checked, and the coach report renders.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium
chromium-driver``) and ``selenium``; skipped with that reason otherwise. Screenshots go
to pytest's tmp folder, or to ``$DYADSCORE_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("flask")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from dyadscore.administer.store import AnswerStore  # noqa: E402
from dyadscore.administer.web import create_app  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="headless browser tests need Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver)",
)
BATTERY = ["felt-dependence", "relationship-satisfaction"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = os.environ.get("DYADSCORE_SCREENSHOTS")
    path = Path(out) if out else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1000,1000",
        "--lang=en",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture
def site(tmp_path: Path):
    from werkzeug.serving import make_server

    db = tmp_path / "a.db"
    store = AnswerStore(db)
    a = store.start_session("c01", "A", battery=BATTERY)
    b = store.start_session("c01", "B", battery=BATTERY, lang="nl")
    server = make_server("127.0.0.1", 0, create_app(db), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield store, a, b, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def check_screenshot(drv, path: Path) -> None:
    """Save a screenshot and check it shows a rendered page (not blank)."""
    from PIL import Image

    png = drv.get_screenshot_as_png()
    path.write_bytes(png)
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.size[0] > 300 and img.size[1] > 300
    lo, hi = img.getextrema()
    assert hi - lo > 100, f"{path.name} looks blank"
    colours = len(set(img.resize((200, 200)).tobytes()))
    assert colours > 20, f"{path.name} has too little detail to be a rendered page"


def no_csp_errors(drv) -> None:
    try:
        logs = drv.get_log("browser")
    except Exception:  # pragma: no cover - drivers without log support
        return
    bad = [x["message"] for x in logs if "Content Security Policy" in x["message"]]
    assert not bad, bad


def wait_for(cond, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def wait_url(drv, suffix: str) -> None:
    WebDriverWait(drv, 10).until(lambda d: d.current_url.endswith(suffix))


def test_partner_fills_in_the_form(browser, site, shots):
    store, a, b, base = site
    drv = browser
    drv.set_window_size(1000, 1000)
    drv.get(f"{base}/p/{a.token}")
    assert drv.current_url.endswith(f"/p/{a.token}/1")
    assert "Felt dependence" in drv.find_element(By.TAG_NAME, "h1").text
    check_screenshot(drv, shots / "page1_empty.png")
    # keyboard: focus the first radio group and move with arrow keys (2 steps: value 3)
    first = drv.find_element(By.ID, "fd1-1")
    first.send_keys(Keys.SPACE)
    first.send_keys(Keys.ARROW_RIGHT)
    drv.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert drv.find_element(By.ID, "fd1-3").is_selected()
    # the page's script saves each answer as soon as it is chosen
    wait_for(lambda: store.answers(a.id).get(("felt-dependence", "fd1")) == 3)
    # mouse: click the labels of the other items
    for i, v in zip(range(2, 7), [5, 6, 2, 7, 1], strict=True):
        drv.find_element(By.CSS_SELECTOR, f"label[for='fd{i}-{v}']").click()
    wait_for(lambda: len(store.answers(a.id)) == 6)
    status = drv.find_element(By.ID, "status").text
    assert status == "Saved"
    check_screenshot(drv, shots / "page1_answered.png")
    drv.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_url(drv, "/2")
    assert "item 7–11 of 11" in drv.page_source
    for i in range(1, 5):  # leave sat5 open: skipping is allowed
        drv.find_element(By.CSS_SELECTOR, f"label[for='sat{i}-4']").click()
    check_screenshot(drv, shots / "page2.png")
    drv.find_element(By.CSS_SELECTOR, "button[value=back]").click()
    wait_url(drv, "/1")
    assert drv.find_element(By.ID, "fd4-2").is_selected()  # answers kept
    drv.get(f"{base}/p/{a.token}")  # reopen the link: resumes at the open page
    wait_url(drv, "/2")
    drv.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_url(drv, "/done")
    assert "All your answers are saved" in drv.page_source
    check_screenshot(drv, shots / "done.png")
    no_csp_errors(drv)
    got = store.answers(a.id)
    assert got[("relationship-satisfaction", "sat5")] is None and len(got) == 11
    assert store.session(a.id).is_finished
    # partner B's link shows nothing of A's answers, in Dutch
    drv.get(f"{base}/p/{b.token}")
    assert "Ervaren afhankelijkheid" in drv.page_source
    assert not [
        e for e in drv.find_elements(By.CSS_SELECTOR, "input[type=radio]") if e.is_selected()
    ]
    check_screenshot(drv, shots / "partner_b_nl.png")


def test_mobile_layout_has_no_horizontal_scroll(browser, site, shots):
    _, a, _, base = site
    drv = browser
    drv.set_window_size(390, 844)
    drv.get(f"{base}/p/{a.token}/1")
    over = drv.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert over <= 0
    label = drv.find_element(By.CSS_SELECTOR, "label[for='fd1-4']")
    assert label.size["height"] >= 40  # comfortable touch target
    check_screenshot(drv, shots / "mobile.png")
    drv.set_window_size(1000, 1000)


def test_report_renders(browser, shots, tmp_path: Path):
    from dyadscore.report import couple_report

    db = tmp_path / "r.db"
    store = AnswerStore(db)
    for role, v in (("A", 5), ("B", 3)):
        s = store.start_session("c01", role, battery=BATTERY + ["attachment-short"])
        from dyadscore.administer.batteries import battery_steps, resolve_battery

        steps = battery_steps(resolve_battery(BATTERY + ["attachment-short"]))
        store.save_answers(
            s.id, [(st.instrument.id, st.item_id, min(v, st.instrument.scale_max)) for st in steps]
        )
    page = tmp_path / "report.html"
    page.write_text(couple_report(db, "c01", lang="nl"))
    browser.set_window_size(1000, 1600)
    browser.get(page.as_uri())
    img = browser.find_element(By.TAG_NAME, "img")
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return arguments[0].naturalWidth", img) > 0
    )
    assert browser.execute_script("return arguments[0].naturalWidth", img) > 300
    assert "Rapport voor het stel" in browser.find_element(By.TAG_NAME, "h1").text
    check_screenshot(browser, shots / "report_nl.png")


# ------------------------------------------------- issue 9: the coach's path
def test_enter_never_submits_skips_or_goes_back(browser, site):
    """Enter on part 1 submitted 'save and next' (every open item skipped); later 'back'."""
    store, a, _, base = site
    drv = browser
    drv.set_window_size(1000, 1000)
    drv.get(f"{base}/p/{a.token}/1")
    drv.find_element(By.CSS_SELECTOR, "label[for='fd1-4']").click()
    wait_for(lambda: store.answers(a.id).get(("felt-dependence", "fd1")) == 4)
    drv.find_element(By.ID, "fd1-4").send_keys(Keys.ENTER)
    time.sleep(1.0)
    assert drv.current_url.endswith("/1")
    assert store.answers(a.id) == {("felt-dependence", "fd1"): 4}  # nothing skipped
    for i in range(2, 7):
        drv.find_element(By.CSS_SELECTOR, f"label[for='fd{i}-3']").click()
    drv.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_url(drv, "/2")
    drv.find_element(By.CSS_SELECTOR, "label[for='sat1-2']").click()
    drv.find_element(By.ID, "sat1-2").send_keys(Keys.ENTER)
    time.sleep(1.0)
    assert drv.current_url.endswith("/2")  # not back to part 1
    wait_for(lambda: store.answers(a.id).get(("relationship-satisfaction", "sat1")) == 2)
    assert ("relationship-satisfaction", "sat2") not in store.answers(a.id)


def test_status_line_tells_the_truth_while_the_server_is_down(browser, tmp_path: Path, shots):
    """The status kept saying 'Opgeslagen' while the server was down; now it says the answer
    is not saved yet, and the page sends it again once the server is back."""
    from werkzeug.serving import make_server

    db = tmp_path / "a.db"
    store = AnswerStore(db)
    b = store.start_session("c01", "B", battery=BATTERY, lang="nl")

    def start(port: int = 0):
        server = make_server("127.0.0.1", port, create_app(db), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return server, thread

    server, thread = start()
    port = server.server_port
    drv = browser
    drv.get(f"http://127.0.0.1:{port}/p/{b.token}/1")
    drv.find_element(By.CSS_SELECTOR, "label[for='fd1-2']").click()
    status = drv.find_element(By.ID, "status")
    wait_for(lambda: status.text == "Opgeslagen")
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    drv.find_element(By.CSS_SELECTOR, "label[for='fd2-6']").click()
    wait_for(lambda: status.text.startswith("Nog niet opgeslagen"))
    time.sleep(1.5)
    assert status.text.startswith("Nog niet opgeslagen") and "Opgeslagen" != status.text
    check_screenshot(drv, shots / "offline_nl.png")
    assert ("felt-dependence", "fd2") not in store.answers(b.id)
    server, thread = start(port)  # the coach starts the server again (a new process)
    try:
        wait_for(lambda: status.text == "Opgeslagen", timeout=30)
        assert store.answers(b.id)[("felt-dependence", "fd2")] == 6
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_finished_link_does_not_reopen_editable_from_history(browser, site):
    store, a, _, base = site
    drv = browser
    drv.get(f"{base}/p/{a.token}/1")
    drv.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_url(drv, "/2")
    drv.find_element(By.CSS_SELECTOR, "label[for='sat1-3']").click()
    drv.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_url(drv, "/done")
    assert store.session(a.id).is_finished
    drv.back()  # the partner (or someone after them) goes back in the browser's history
    WebDriverWait(drv, 10).until(lambda d: d.current_url.endswith("/done"))
    assert not drv.find_elements(By.CSS_SELECTOR, "input[type=radio]")
    assert "can no longer be changed" in drv.page_source


def test_report_is_readable_on_a_phone(browser, tmp_path: Path, shots):
    from dyadscore.administer.batteries import battery_steps, resolve_battery
    from dyadscore.report import couple_report

    db = tmp_path / "r.db"
    store = AnswerStore(db)
    battery = BATTERY + ["attachment-short"]
    steps = battery_steps(resolve_battery(battery))
    for role, v in (("A", 5), ("B", 3)):
        s = store.start_session("c01", role, battery=battery)
        store.save_answers(
            s.id, [(st.instrument.id, st.item_id, min(v, st.instrument.scale_max)) for st in steps]
        )
    page = tmp_path / "report.html"
    page.write_text(couple_report(db, "c01", lang="nl"))
    browser.set_window_size(390, 844)
    try:
        browser.get(page.as_uri())
        over = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert over <= 0, f"{over} px wider than the phone"
        check_screenshot(browser, shots / "report_phone.png")
    finally:
        browser.set_window_size(1000, 1000)
