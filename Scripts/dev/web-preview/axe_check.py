#!/usr/bin/env python3
"""Runs axe-core on every rendered preview page in headless Chromium and prints the violations.

    pip install selenium axe-selenium-python
    pip install --no-deps axe-playwright-python    # only for its copy of axe-core 4.x
    python3 Scripts/dev/web-preview/axe_check.py [--width 1280]   # run render.py first

Checks every rule axe runs by default (WCAG 2.0, 2.1 and 2.2 A and AA, and best practices),
at the given window width. Exits 1 when any violation of impact serious or critical is found.

axe-selenium-python ships axe-core 3.1 (2018), which among other things still rejects <div>
groups inside <dl> (valid HTML since 2017). So a current axe-core is taken from the
axe-playwright-python package when it is installed (only its axe.min.js is used, Playwright
itself is not needed); otherwise the old one, with a warning.
"""
import argparse
import importlib.util
import sys
from pathlib import Path

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

OUT = Path(__file__).resolve().parent / "out"


def axe_script():
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec and spec.submodule_search_locations:
        script = Path(list(spec.submodule_search_locations)[0]) / "axe.min.js"
        if script.exists():
            return str(script)
    print("warning: axe-playwright-python not installed; using the axe-core 3.1 of "
          "axe-selenium-python", file=sys.stderr)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_window_size(args.width, 900)
    pages = sorted(OUT.glob("*.html")) + sorted((OUT / "en").glob("*.html"))
    counts = {}
    serious = 0
    script = axe_script()
    try:
        for page in pages:
            browser.get(page.as_uri())
            axe = Axe(browser, script_url=script) if script else Axe(browser)
            axe.inject()
            if page == pages[0]:
                print("axe-core " + browser.execute_script("return axe.version"))
            results = axe.run()
            for violation in results["violations"]:
                impact = violation["impact"] or "unknown"
                counts[impact] = counts.get(impact, 0) + 1
                serious += impact in ("serious", "critical")
                print(f"{page.relative_to(OUT)}: [{impact}] {violation['id']}: {violation['help']}")
                for node in violation["nodes"][:3]:
                    print("    " + ", ".join(node["target"]) + "  " + node["html"][:120])
    finally:
        browser.quit()
    summary = ", ".join(f"{n} {impact}" for impact, n in sorted(counts.items())) or "none"
    print(f"{len(pages)} pages checked; violations: {summary}")
    return 1 if serious else 0


if __name__ == "__main__":
    sys.exit(main())
