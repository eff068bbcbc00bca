#!/usr/bin/env python3
"""Takes full-page screenshots of the rendered preview pages with headless Chromium.

    python3 Scripts/dev/web-preview/screenshot.py [page ...] [--width 1280] [--lang nl|en]

Writes out/shots/<page>-<width>.png. Run render.py first.
"""
import argparse
import base64
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

OUT = Path(__file__).resolve().parent / "out"


def driver():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--lang", default="nl")
    parser.add_argument("--max-height", type=int, default=6000)
    args = parser.parse_args()
    folder = OUT if args.lang == "nl" else OUT / args.lang
    pages = args.pages or sorted(p.stem for p in folder.glob("*.html"))
    shots = OUT / "shots"
    shots.mkdir(exist_ok=True)
    browser = driver()
    try:
        for page in pages:
            metrics = {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            browser.get((folder / f"{page}.html").as_uri())
            height = browser.execute_script("return document.body.scrollHeight")
            metrics["height"] = min(max(height, 900), args.max_height)
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            suffix = "" if args.lang == "nl" else "-" + args.lang
            target = shots / f"{page}-{args.width}{suffix}.png"
            shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            target.write_bytes(base64.b64decode(shot["data"]))
            print(target)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
