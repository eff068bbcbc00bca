#!/usr/bin/env python3
"""Checks proef.js and the layout in headless Chromium on the rendered preview pages.

    python3 Scripts/dev/web-preview/behaviour_check.py      # run render.py first

- the BSN elfproef message (enrol.html), shown when the field is left, never blocking submit;
- data-show-if on the municipality of a new user (admin-users.html);
- focus on the error summary's title after a failed submit (sign-in-error.html);
- no page scrolls sideways at 320 px wide (WCAG 1.4.10 reflow; 1280 px at 400 % zoom) or at
  640 px (200 % zoom): wide tables scroll inside their own region instead.
Prints each check and exits 1 if one fails.
"""
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

OUT = Path(__file__).resolve().parent / "out"
failures = []


def check(name, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + name + (f"  ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def bsn_message(browser, value):
    field = browser.find_element(By.ID, "bsn")
    field.clear()
    field.send_keys(value)
    field.send_keys(Keys.TAB)
    return browser.find_element(By.ID, "bsn-check").text


def main():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        browser.set_window_size(1280, 900)
        browser.get((OUT / "enrol.html").as_uri())
        field = browser.find_element(By.ID, "bsn")
        check("BSN field is empty and not autocompleted",
              field.get_attribute("value") == "" and field.get_attribute("autocomplete") == "off")
        check("valid BSN 111222333 is accepted", "kan kloppen" in bsn_message(browser, "111222333"))
        check("valid BSN 123456782 is accepted", "kan kloppen" in bsn_message(browser, "123456782"))
        check("BSN 111222334 fails the elfproef", "klopt niet" in bsn_message(browser, "111222334"))
        check("BSN with spaces is read as digits", "kan kloppen" in bsn_message(browser, "1112 22 333"))
        check("BSN of 7 digits asks for 9 digits", "9 cijfers" in bsn_message(browser, "1234567"))
        check("BSN 000000000 (sum 0) is refused", "klopt niet" in bsn_message(browser, "000000000"))
        check("8-digit BSN gets a leading zero (11222333 is 011222333)",
              "klopt niet" in bsn_message(browser, "11222333"))
        check("BSN of 8 digits 10000021 = 010000021 passes", "kan kloppen" in bsn_message(browser, "10000021"))
        message = browser.find_element(By.ID, "bsn-check")
        check("the message is a live region described by the field",
              message.get_attribute("aria-live") == "polite"
              and "bsn-check" in field.get_attribute("aria-describedby"))
        check("submit stays enabled with an invalid BSN",
              browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").is_enabled())

        browser.get((OUT / "admin-users.html").as_uri())
        municipality = browser.find_element(By.ID, "municipality")
        wrapper = browser.find_element(By.CSS_SELECTOR, "[data-show-if]")
        check("municipality shown for a klantmanager", wrapper.is_displayed())
        Select(browser.find_element(By.ID, "role")).select_by_value("statistician")
        check("municipality hidden and disabled for a statistician",
              not wrapper.is_displayed() and not municipality.is_enabled())
        Select(browser.find_element(By.ID, "role")).select_by_value("klantmanager")
        check("municipality shown again for a klantmanager",
              wrapper.is_displayed() and municipality.is_enabled())

        browser.get((OUT / "sign-in-error.html").as_uri())
        active = browser.switch_to.active_element
        check("focus on the error summary title", active.get_attribute("id") == "error-summary-title")
        check("page title says the form was not sent", browser.title.startswith("Niet verstuurd"))
        browser.find_element(By.CSS_SELECTOR, ".error-summary a").click()
        check("error summary link focuses the field",
              browser.switch_to.active_element.get_attribute("id") == "username")

        browser.get((OUT / "receipt.html").as_uri())
        check("print button appears with JS",
              browser.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed())

        pages = sorted(OUT.glob("*.html")) + sorted((OUT / "en").glob("*.html"))
        for width in (320, 640):
            browser.set_window_size(width, 900)
            wide = []
            for page in pages:
                browser.get(page.as_uri())
                scroll = browser.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if scroll > 0:
                    wide.append(f"{page.stem} +{scroll}px")
            check(f"no page scrolls sideways at {width} px", not wide, ", ".join(wide))
    finally:
        browser.quit()
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
