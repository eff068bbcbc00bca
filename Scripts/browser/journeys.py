#!/usr/bin/env python3
"""The web application's journeys in a real browser (headless Chromium through Selenium), as
its users take them, with axe-core on every page, the language switch on every page, and a
scan of every page's HTML for the BSNs typed in. Run by Tests/ProefBrowserTests against a
`proef serve --demo` the test starts itself.

    journeys.py BASE_URL PASSWORD SCREENSHOT_DIR DOWNLOAD_DIR        the journeys on a demo
    journeys.py --expiry BASE_URL USER PASSWORD SCREENSHOT_DIR       an idle session expires

Prints one JSON object: {"failures": [...], "bsns": [...], "pages": N, "screenshots": [...]};
exits 1 when any journey fails.
"""
import json
import re
import sys
import time
from pathlib import Path

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
CATALOGUES = REPO / "Sources/ProefWeb/Resources/messages"
failures = []
pages_seen = {}     # path -> set of languages checked
html_seen = []      # every page source, for the BSN scan
bsns_used = []
screenshots = []


def fail(journey, message):
    failures.append(f"{journey}: {message}")


def check(condition, journey, message):
    if not condition:
        fail(journey, message)
    return condition


def axe_script():
    import importlib.util
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec and spec.submodule_search_locations:
        script = Path(list(spec.submodule_search_locations)[0]) / "axe.min.js"
        if script.exists():
            return str(script)
    return None  # axe-core 3.1 of axe-selenium-python


def catalogue_texts():
    """Texts of one language that the other never uses: a Dutch one on an English page is left over."""
    def leaves(node, out):
        if isinstance(node, dict):
            for v in node.values():
                leaves(v, out)
        elif isinstance(node, list):
            for v in node:
                leaves(v, out)
        elif isinstance(node, str):
            for part in re.split(r"\{[a-zA-Z]+\}", node):
                part = part.strip(" .,:;()‘’'\"")
                if len(part) >= 12:
                    out.add(part)
        return out
    nl = leaves(json.loads((CATALOGUES / "nl.json").read_text()), set())
    en = leaves(json.loads((CATALOGUES / "en.json").read_text()), set())
    # A Dutch term quoted in an English text ("Caseworker (klantmanager)") is not a leftover.
    def unquoted(own, other):
        return {t for t in own - other if not any(t in o for o in other)}
    return unquoted(nl, en), unquoted(en, nl)


ONLY_NL, ONLY_EN = catalogue_texts()


def elfproef_bsn(n):
    """A valid BSN, different for every n."""
    base = 100000000 + n * 7919
    while True:
        digits = [int(c) for c in f"{base:09d}"]
        total = sum(w * d for w, d in zip(range(9, 1, -1), digits[:8])) - digits[8]
        if total % 11 == 0 and total != 0:
            return f"{base:09d}"
        base += 1


class Browser:
    def __init__(self, base, screenshot_dir, download_dir=None, name="browser"):
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--lang=nl-NL"):
            options.add_argument(flag)
        options.binary_location = "/usr/bin/chromium"
        if download_dir:
            options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                      "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        # axe-core on the report (many figures) on a CI machine busy with other suites takes
        # longer than Selenium's 30-second default; a slow machine is not an inaccessible page.
        self.driver.set_script_timeout(300)
        self.driver.set_page_load_timeout(300)
        self.base = base
        self.shots = Path(screenshot_dir)
        self.name = name
        self.axe = axe_script()

    def get(self, path):
        self.driver.get(self.base + path)
        self.seen()

    def seen(self):
        """Every page a journey reaches: axe-core, the BSN scan, a screenshot."""
        path = re.sub(r"^https?://[^/]+", "", self.driver.current_url).split("?")[0]
        html_seen.append((path, self.driver.page_source))
        if path not in pages_seen:
            pages_seen[path] = set()
            self.accessibility(path)
            self.screenshot(path)

    def accessibility(self, path):
        axe = Axe(self.driver, script_url=self.axe) if self.axe else Axe(self.driver)
        axe.inject()
        results = axe.run()
        for v in results["violations"]:
            if v["impact"] in ("serious", "critical"):
                fail("axe", f"{path}: {v['id']} ({v['impact']}): {v['help']}, {len(v['nodes'])} nodes")

    def screenshot(self, path):
        name = self.name + (path.strip("/").replace("/", "_") or "home") + ".png"
        height = self.driver.execute_script("return document.body.scrollHeight")
        self.driver.set_window_size(1280, min(max(height, 900), 6000))
        self.driver.save_screenshot(str(self.shots / name))
        self.driver.set_window_size(1280, 900)
        screenshots.append(name)

    def sign_in(self, user, password):
        self.get("/sign-in")
        self.driver.find_element(By.ID, "username").send_keys(user)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.submit()

    def follow(self, link):
        """Follows a link and waits for the page it leads to."""
        self.driver.execute_script("window.proefLeaving = true")
        link.click()
        self.arrived()

    def submit(self, css="main form button[type=submit]"):
        """Clicks and waits for the next page: a click does not wait for the navigation it starts."""
        self.driver.execute_script("window.proefLeaving = true")
        self.driver.find_element(By.CSS_SELECTOR, css).click()
        self.arrived()

    def arrived(self):
        """Waits until the page that was left (marked in its window) is replaced and loaded."""
        WebDriverWait(self.driver, 60).until(lambda d: d.execute_script(
            "return window.proefLeaving === undefined && document.readyState === 'complete'"))
        self.seen()

    def text(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].text.strip() if found else ""

    def summary_targets(self):
        return [a.get_attribute("href").split("#")[-1] for a in self.driver.find_elements(By.CSS_SELECTOR, ".error-summary a")]

    def fill(self, field_id, value):
        e = self.driver.find_element(By.ID, field_id)
        e.clear()
        e.send_keys(value)

    def choose(self, name, value):
        found = self.driver.find_elements(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
        if found:
            self.driver.execute_script("arguments[0].click()", found[0])
        return bool(found)

    def quit(self):
        self.driver.quit()


# The baseline of an eligible client of the Utrecht trial, by covariate.
CLIENT = {"age": "35", "age_band": "27-39", "gender": "female", "months_on_benefit": "30", "education_level": "vmbo_mbo1",
          "household_type": "single", "has_partial_work": "false", "on_bijstand": "true", "fully_exempt": "false"}


def fill_enrolment(b, bsn, answers, consent=True):
    b.fill("bsn", bsn)
    bsns_used.append(bsn)
    for name, value in answers.items():
        inputs = b.driver.find_elements(By.ID, f"cov-{name}")
        if inputs and inputs[0].get_attribute("type") == "text":
            b.fill(f"cov-{name}", value)
        else:
            b.choose(f"covariates.{name}", value)
    box = b.driver.find_element(By.ID, "consent")
    if box.is_selected() != consent:
        b.driver.execute_script("arguments[0].click()", box)


def client_count(b, trial):
    b.get(f"/trials/{trial}/clients")
    m = re.search(r"(\d[\d.]*) cliënt", b.text("main"))
    return int(m.group(1).replace(".", "")) if m else 0


def klantmanager(base, password, shots):
    j = "klantmanager"
    b = Browser(base, shots, name="km-")
    trial = "utrecht-weten-wat-werkt"
    try:
        b.sign_in("km.utrecht", password)
        check("Mijn onderzoeken" in b.text("h1"), j, f"after sign-in the start page is '{b.text('h1')}'")
        check("Gemeente Utrecht" in b.text(".brand__org"), j, "the header names the municipality")
        b.get("/no-such-page")
        check("Pagina niet gevonden" in b.text("h1"), j, f"an unknown address shows the 404 page ({b.text('h1')})")
        before = client_count(b, trial)
        b.get(f"/trials/{trial}/enrol")
        labels = b.text("main")
        check("Burgerservicenummer" in labels, j, "the enrolment form asks the BSN")
        if b.driver.find_elements(By.ID, "cov-age_band") or b.driver.find_elements(By.CSS_SELECTOR, 'input[name="covariates.age_band"]'):
            fail(j, "age_band is asked although it is derived from age")
        bsn = elfproef_bsn(1)
        fill_enrolment(b, bsn, {k: v for k, v in CLIENT.items() if k != "age_band"})
        b.submit()
        arm = b.text(".arm-result__name")
        check(arm != "", j, f"the result page shows the arm in large type (page: {b.text('h1')}; errors: {b.summary_targets()})")
        number = b.text(".summary-list dd")
        # The same client again: the same arm, and the page says so.
        b.get(f"/trials/{trial}/enrol")
        fill_enrolment(b, bsn, {**{k: v for k, v in CLIENT.items() if k != "age_band"}, "age": "36"})
        b.submit()
        check(b.text(".arm-result__name") == arm, j, f"enrolling again shows the same arm ({b.text('.arm-result__name')} vs {arm})")
        check("al ingeschreven" in b.text("main"), j, "enrolling again says the client was enrolled before")
        check(b.text(".summary-list dd") == number, j, "enrolling again shows the same enrolment number")
        # The receipt as a printable page.
        b.follow(b.driver.find_element(By.PARTIAL_LINK_TEXT, "afdrukken"))
        check(number in b.text("main"), j, "the printable receipt holds the enrolment number")
        check(client_count(b, trial) == before + 1, j, "one client more in 'Mijn cliënten'")
        # An outcome from the due list.
        b.get(f"/trials/{trial}/due")
        links = b.driver.find_elements(By.CSS_SELECTOR, "#due-now-title ~ .table-wrapper a, .table--due a")
        if check(bool(links), j, "the due list offers a measurement to record"):
            b.follow(links[0])
            # Whatever kind of outcome comes first: yes/no, event or censored, or a number.
            b.choose("value", "1") or b.choose("value", "event") or b.fill("value", "3")
            # A date input takes keys in the browser's own order (mm/dd/yyyy here); set the value itself.
            b.driver.execute_script("arguments[0].value = arguments[1]", b.driver.find_element(By.ID, "measuredOn"), time.strftime("%Y-%m-%d"))
            if b.driver.find_elements(By.ID, "reason"):
                b.fill("reason", "gecorrigeerd in de administratie")
            b.submit()
            targets = b.summary_targets()
            if "acceptOutsideWindow" in targets:
                b.driver.execute_script("arguments[0].click()", b.driver.find_element(By.ID, "acceptOutsideWindow"))
                b.submit()
            check("vastgelegd" in b.text(".alert"), j, f"recording says it was recorded (errors: {b.summary_targets()})")
    finally:
        b.quit()


def refusals(base, password, shots):
    j = "refusals"
    b = Browser(base, shots, name="refused-")
    trial = "utrecht-weten-wat-werkt"
    try:
        b.sign_in("km.utrecht", password)
        before = client_count(b, trial)
        b.get(f"/trials/{trial}/enrol")
        fill_enrolment(b, elfproef_bsn(2), {**{k: v for k, v in CLIENT.items() if k != "age_band"}, "on_bijstand": "false"})
        b.submit()
        targets = b.summary_targets()
        check("cov-on_bijstand" in targets, j, f"an ineligible client: the summary links to the rule's field ({targets})")
        check(b.driver.title.startswith("Niet verstuurd"), j, "the page title says the form was not sent")
        check(b.driver.find_element(By.ID, "bsn").get_attribute("value") == "", j, "the BSN is not sent back")
        b.get(f"/trials/{trial}/enrol")
        fill_enrolment(b, elfproef_bsn(3), {k: v for k, v in CLIENT.items() if k != "age_band"}, consent=False)
        b.submit()
        check(b.summary_targets() == ["consent"], j, f"no consent: the summary links to the consent box ({b.summary_targets()})")
        b.get(f"/trials/{trial}/enrol")
        fill_enrolment(b, "111222334", {k: v for k, v in CLIENT.items() if k != "age_band"})
        b.submit()
        check("bsn" in b.summary_targets(), j, "a BSN that fails the elfproef is named")
        check(client_count(b, trial) == before, j, "nothing was enrolled")
    finally:
        b.quit()


PILOT = """format: 1
id: browser-pilot
title: Proef met een vaste klantmanager
sponsor: Gemeente Utrecht
municipalities: [GM0344]
dates: {registered: 2026-11-01, enrolment_start: 2026-12-01, enrolment_end: 2027-06-30, follow_up_end: 2028-06-30}
target_sample_size: 120
follow_up_months: 12
bogus_field: 1
arms:
  - {id: control, name: Regulier, weight: 1, control: true}
  - {id: vast, name: Vaste klantmanager, weight: 1}
design: {type: permuted-blocks, block_sizes: [2, 4]}
covariates:
  - {name: age, label: Leeftijd, type: integer, min: 18, max: 66, required: true}
outcomes:
  - {id: paid_work, label: Betaald werk, type: binary, role: primary, waves: [6, 12]}
analysis: {estimator: difference-in-means}
"""


def programme_manager(base, password, shots):
    j = "programme manager"
    b = Browser(base, shots, name="pm-")
    km = Browser(base, shots, name="pm-km-")
    try:
        b.sign_in("pm", password)
        b.get("/trials/new")
        b.fill("protocolText", PILOT)
        b.submit()
        bad_line = PILOT.split("\n").index("bogus_field: 1") + 1
        targets = b.summary_targets()
        check(f"yaml-line-{bad_line}" in targets, j, f"the issue is linked to its line {bad_line} ({targets})")
        line = b.driver.find_elements(By.ID, f"yaml-line-{bad_line}")
        check(bool(line) and "has-issue" in (line[0].get_attribute("class") or ""), j, "the listing marks the line")
        fixed = PILOT.replace("bogus_field: 1\n", "")
        b.fill("protocolText", fixed)
        b.submit()
        check("concept" in b.text(".alert").lower(), j, f"registered as a draft ({b.text('h1')}, {b.summary_targets()})")
        b.get("/trials/browser-pilot/lock")
        check("niet ongedaan" in b.text(".irreversible").lower() or "kunt u niet" in b.text(".irreversible"), j, "the lock page says what cannot be undone")
        b.submit()
        check("vastgezet" in b.text(".alert"), j, "the dashboard says the protocol is locked")
        check("0 van 120" in b.text("main"), j, "the dashboard counts no enrolment yet")
        km.sign_in("km.utrecht", password)
        km.get("/trials/browser-pilot/enrol")
        km.fill("bsn", elfproef_bsn(4))
        bsns_used.append(elfproef_bsn(4))
        km.fill("cov-age", "41")
        km.driver.execute_script("arguments[0].click()", km.driver.find_element(By.ID, "consent"))
        km.submit()
        check(km.text(".arm-result__name") in ("Regulier", "Vaste klantmanager"), j, f"the klantmanager enrols into the new trial ({km.summary_targets()})")
        b.get("/trials/browser-pilot")
        check("1 van 120" in b.text("main"), j, "the dashboard fills as clients are enrolled")
        # A form without its CSRF token changes nothing.
        b.get("/trials/browser-pilot/close")
        b.driver.execute_script("document.querySelector('main form input[name=csrf]').remove()")
        b.submit()
        check("Geen toegang" in b.text("h1"), j, f"a form without CSRF token is refused ({b.text('h1')})")
        b.get("/trials/browser-pilot")
        check("Inschrijving open" in b.text("main"), j, "and the trial was not closed")
    finally:
        b.quit()
        km.quit()


def statistician(base, password, shots, downloads):
    j = "statistician"
    b = Browser(base, shots, download_dir=downloads, name="stat-")
    try:
        b.sign_in("stat", password)
        b.get("/trials/utrecht-weten-wat-werkt/downloads")
        links = b.driver.find_elements(By.CSS_SELECTOR, 'a[href$=".dta"]')
        if not check(bool(links), j, "the downloads page offers the Stata file"):
            return
        links[0].click()
        target = None
        for _ in range(120):
            found = [p for p in Path(downloads).glob("*.dta")]
            if found and not list(Path(downloads).glob("*.crdownload")):
                target = found[0]
                break
            time.sleep(0.5)
        if not check(target is not None, j, "the Stata file was downloaded"):
            return
        import pyreadstat
        frame, meta = pyreadstat.read_dta(str(target))
        check(len(frame) > 100 and "arm" in frame.columns, j, f"pyreadstat reads the Stata file ({len(frame)} rows, {list(frame.columns)[:6]})")
        check(bool(meta.variable_value_labels), j, "the Stata file carries value labels")
        b.get("/trials/utrecht-weten-wat-werkt/estimates")
        check(len(b.driver.find_elements(By.CSS_SELECTOR, "main table tbody tr")) > 10, j, "the estimates page has a row per arm and wave")
        b.get("/trials/utrecht-weten-wat-werkt")
        b.follow(b.driver.find_element(By.LINK_TEXT, "Rapport bekijken"))
        check(b.driver.find_elements(By.CSS_SELECTOR, "p[data-finding]") != [], j, "the report states its findings in sentences")
        check("Wat het onderzoek wel en niet kan zeggen" in b.text("main"), j, "the report says what the trial can and cannot say")
        check(len(b.driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")) >= 3, j, "the report shows its figures")
    finally:
        b.quit()


def administrator(base, password, shots):
    """The administrator's pages, a token shown once, and the public register signed out."""
    j = "administrator"
    b = Browser(base, shots, name="admin-")
    try:
        b.sign_in("admin", password)
        for path in ("/admin/users", "/admin/municipalities", "/admin/access-log", "/tokens"):
            b.get(path)
            check(b.driver.find_element(By.TAG_NAME, "h1").text != "", j, f"{path} has a heading")
        b.fill("description", "browser test")
        b.submit()
        token = b.text("#new-token")
        check(token.startswith("proef_"), j, f"a new token is shown once ({token[:10]}…)")
        b.get("/tokens")
        check(token not in b.driver.page_source, j, "the token is not shown again")
        b.driver.delete_all_cookies()
        for path in ("/public", "/public/trials/utrecht-weten-wat-werkt", "/public/accessibility", "/public/privacy"):
            b.get(path)
            check("/sign-in" not in b.driver.current_url, j, f"{path} needs no sign-in")
    finally:
        b.quit()


def languages(base, password, shots):
    """Every page seen, in English with no Dutch left, and in Dutch with no English left."""
    j = "language"
    users = ["km.utrecht", "pm", "stat", "admin"]
    axe_in_english = set()
    # Each page is checked in both languages once, by the first user who may see it: the
    # words come from the same template and catalogue whoever signs in, and the report alone
    # takes seconds to render on a busy machine.
    checked = set()
    b = Browser(base, shots, name="en-")
    try:
        for user in users:
            b.get("/sign-in")
            b.driver.delete_all_cookies()
            b.sign_in(user, password)
            for path in sorted(p for p in pages_seen if not p.startswith("/static") and p not in checked):
                for language, leftovers in (("en", ONLY_NL), ("nl", ONLY_EN)):
                    b.driver.get(b.base + path + "?lang=" + language)
                    if "/sign-in" in b.driver.current_url and path != "/sign-in":
                        break
                    if re.search(r"Geen toegang|Access denied|Pagina niet gevonden|Page not found", b.text("h1")):
                        break
                    if language == "nl":
                        checked.add(path)
                    page = b.driver.find_element(By.TAG_NAME, "body").text
                    left = sorted(t for t in leftovers if t in page)
                    check(not left, j, f"{path} in {language} as {user}: {left[:3]}")
                    check(b.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language, j, f"{path}: html lang is {language}")
                    if language == "en" and path not in axe_in_english:
                        axe_in_english.add(path)
                        b.accessibility(path + " (en)")
            b.driver.get(b.base + "/sign-in?lang=nl")
            b.driver.delete_all_cookies()
    finally:
        b.quit()


def expiry(base, user, password, shots):
    j = "session"
    b = Browser(base, shots, name="expiry-")
    try:
        b.sign_in(user, password)
        check("/sign-in" not in b.driver.current_url, j, "signed in")
        time.sleep(8)
        b.get("/trials")
        check("/sign-in" in b.driver.current_url, j, f"an expired session goes back to sign-in ({b.driver.current_url})")
        check("niet actief" in b.text(".alert"), j, f"the sign-in page says why ({b.text('.alert')})")
    finally:
        b.quit()


def bsn_scan():
    for path, html in html_seen:
        for bsn in bsns_used:
            if bsn in html or bsn.lstrip("0") in re.sub(r"\D", " ", html).split():
                fail("privacy", f"BSN {bsn} appears in the HTML of {path}")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--expiry":
        _, base, user, password, shots = args
        Path(shots).mkdir(parents=True, exist_ok=True)
        expiry(base, user, password, shots)
    else:
        base, password, shots, downloads = args
        Path(shots).mkdir(parents=True, exist_ok=True)
        Path(downloads).mkdir(parents=True, exist_ok=True)
        for journey in (klantmanager, refusals, programme_manager):
            try:
                journey(base, password, shots)
            except Exception as e:  # a journey that breaks off is a failure, the others still run
                fail(journey.__name__, f"broke off: {type(e).__name__}: {e}")
        try:
            administrator(base, password, shots)
        except Exception as e:
            fail("administrator", f"broke off: {type(e).__name__}: {e}")
        try:
            statistician(base, password, shots, downloads)
        except Exception as e:
            fail("statistician", f"broke off: {type(e).__name__}: {e}")
        try:
            languages(base, password, shots)
        except Exception as e:
            fail("language", f"broke off: {type(e).__name__}: {e}")
    bsn_scan()
    print(json.dumps({"failures": failures, "bsns": sorted(set(bsns_used)), "pages": len(pages_seen), "screenshots": screenshots}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
