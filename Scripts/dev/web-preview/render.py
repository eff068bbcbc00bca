#!/usr/bin/env python3
"""Renders every ProefWeb page template with sample data, for screenshots and axe checks.

    pip install chevron
    python3 Scripts/dev/web-preview/render.py          # writes out/<page>.html and out/en/<page>.html

Each contexts/<page>.json is the data the Swift server would pass, plus a few keys for this
script (they start with "_"):

    _template   template name (default: the file name)
    _role       a key of contexts/_roles.json: user, municipality and navigation
    _nav        which navigation item is current

Inside the data, so one context renders in both languages:
    "t:section.key"                       the catalogue string (as the server looks it up)
    {"t": "section.key", "args": {...}}   the catalogue string formatted with named arguments;
                                          with "count", the .one / .other form is chosen
    {"nl": "...", "en": "..."}            data that differs by language (e.g. protocol text)

chevron follows the Mustache spec, as swift-mustache does; only core features are used.
"""
import copy
import json
import re
import shutil
import sys
from pathlib import Path

import chevron

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
RESOURCES = ROOT / "Sources" / "ProefWeb" / "Resources"
TEMPLATES = RESOURCES / "templates"
OUT = HERE / "out"
LANGUAGES = ("nl", "en")


def lookup(catalogue, key):
    value = catalogue
    for part in key.split("."):
        value = value[part]
    return value


def resolve(value, catalogue, lang):
    if isinstance(value, str) and value.startswith("t:"):
        return lookup(catalogue, value[2:])
    if isinstance(value, dict):
        if set(value) == {"nl", "en"}:
            return value[lang]
        if "t" in value and set(value) <= {"t", "args", "count"}:
            text = lookup(catalogue, value["t"])
            args = {k: resolve(v, catalogue, lang) for k, v in value.get("args", {}).items()}
            if "count" in value:
                text = text["one" if value["count"] == 1 else "other"]
                args.setdefault("count", value["count"])
                args.setdefault("days", value["count"])
            return text.format_map(args)
        return {k: resolve(v, catalogue, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, catalogue, lang) for v in value]
    return value


def layout(page, name, lang, catalogue, roles, base):
    data = copy.deepcopy(base)
    role = roles.get(page.get("_role", ""), {})
    if "user" in role:
        data["user"] = {"name": role["user"]["name"],
                        "roleLabel": lookup(catalogue, "role." + role["user"]["role"])}
    if "org" in role:
        data["org"] = role["org"]
    if role.get("navigation"):
        data["navigation"] = {"items": [
            {"href": item["href"], "label": lookup(catalogue, "nav." + item["key"]),
             "current": item["key"] == page.get("_nav")}
            for item in role["navigation"]]}
    prefix = "" if lang == "nl" else "../"
    data["languages"] = [
        {"code": code, "name": lookup(catalogue, "language." + code), "current": code == lang,
         "href": prefix + ("" if code == "nl" else "en/") + name + ".html"}
        for code in LANGUAGES]
    data["lang"] = lang
    data["t"] = catalogue
    data.update(resolve({k: v for k, v in page.items() if not k.startswith("_")}, catalogue, lang))
    return data


def section_names():
    """Names used as {{#name}} or {{^name}} (the last part of a dotted name)."""
    names = set()
    for path in TEMPLATES.glob("*.mustache"):
        for name in re.findall(r"\{\{[#^]\s*([A-Za-z0-9_.]+)\s*\}\}", path.read_text("utf-8")):
            names.add(name.split(".")[-1])
    return names


def empty_sections(value, names, where=""):
    """swift-mustache renders a section for an empty string (only nil, false and an empty list
    are false there), chevron does not: optional text must be absent or null, never ""."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if child == "" and key in names:
                found.append(f"{where}{key}")
            found += empty_sections(child, names, f"{where}{key}.")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += empty_sections(child, names, f"{where}{index}.")
    return found


def main():
    catalogues = {lang: json.loads((RESOURCES / "messages" / f"{lang}.json").read_text("utf-8"))
                  for lang in LANGUAGES}
    roles = json.loads((HERE / "contexts" / "_roles.json").read_text("utf-8"))
    base = json.loads((HERE / "contexts" / "_layout.json").read_text("utf-8"))
    for old in (OUT / "static", OUT / "en"):
        if old.exists():
            shutil.rmtree(old)
    for old in OUT.glob("*.html"):
        old.unlink()
    for lang in LANGUAGES:
        target = OUT if lang == "nl" else OUT / lang
        target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(RESOURCES / "static", OUT / "static")
    pages = sorted(p for p in (HERE / "contexts").glob("*.json") if not p.name.startswith("_"))
    names = section_names()
    for path in pages:
        page = json.loads(path.read_text("utf-8"))
        name = path.stem
        template = (TEMPLATES / (page.get("_template", name) + ".mustache")).read_text("utf-8")
        for lang in LANGUAGES:
            data = layout(page, name, lang, catalogues[lang], roles, base)
            for key in empty_sections({k: v for k, v in data.items() if k != "t"}, names):
                print(f"warning: {name}: {key} is \"\" but used as a section", file=sys.stderr)
            html = chevron.render(template, data, partials_path=str(TEMPLATES),
                                  partials_ext="mustache", warn=False)
            # The server serves assets at /static/; the preview is opened from the file system.
            html = html.replace('"/static/', '"' + ("" if lang == "nl" else "../") + "static/")
            html = re.sub(r"\n\s*\n+", "\n", html)
            target = OUT if lang == "nl" else OUT / lang
            (target / f"{name}.html").write_text(html, "utf-8")
    print(f"rendered {len(pages)} pages in {len(LANGUAGES)} languages into {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
