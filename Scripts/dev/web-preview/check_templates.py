#!/usr/bin/env python3
"""Checks the web templates and message catalogues of ProefWeb.

- nl.json and en.json have exactly the same keys, and no key twice in one object;
- every {{t.…}} a template uses exists and is a plain string without a {placeholder}
  (strings with placeholders are formatted by the server and passed as page data);
- both catalogues use the same placeholders in each string;
- no template has visible literal text outside {{…}} (apart from punctuation), nor in the
  attributes people see or hear (alt, title, placeholder, aria-label);
- no inline script, style attribute or event handler attribute, no triple mustache;
- every page template starts with a {{! … }} comment and includes header and footer.

Usage: python3 Scripts/dev/web-preview/check_templates.py   (exits 1 on any problem)
"""
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "Sources" / "ProefWeb" / "Resources"
TEMPLATES = RESOURCES / "templates"
PARTIALS = {"header", "footer", "field", "error-summary", "pagination", "due-table",
            "enrolment-summary", "yaml-listing", "protocol-input", "trial-facts"}
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
PLACEHOLDER = re.compile(r"\{([a-zA-Z]+)\}")

problems = []


def load(name):
    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        for key in {k for k in keys if keys.count(k) > 1}:
            problems.append(f"{name}: key '{key}' appears twice in one object")
        return dict(pairs)
    text = (RESOURCES / "messages" / name).read_text(encoding="utf-8")
    return json.loads(text, object_pairs_hook=no_duplicates)


def flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        elif isinstance(value, list):  # a list of texts (Catalogue.list): checked like one text
            out[path] = "\n".join(value)
        else:
            out[path] = value
    return out


class TextFinder(HTMLParser):
    def __init__(self, name):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.stack = []

    def handle_starttag(self, tag, attrs):
        for attr, value in attrs:
            if attr.startswith("on"):
                problems.append(f"{self.name}: event handler attribute {attr} on <{tag}>")
            if attr == "style":
                problems.append(f"{self.name}: style attribute on <{tag}>")
            if attr in VISIBLE_ATTRIBUTES and value and re.search(r"[^\W\d_]", value):
                problems.append(f"{self.name}: literal text in {attr}=\"{value}\" on <{tag}>")
        if tag == "script" and not dict(attrs).get("src"):
            problems.append(f"{self.name}: inline <script>")
        if tag == "style":
            problems.append(f"{self.name}: inline <style>")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if re.search(r"[^\W\d_]", data):
            problems.append(f"{self.name}: literal text {data.strip()!r}")


def check_template(path, strings):
    name = path.name
    source = path.read_text(encoding="utf-8")
    if "{{{" in source or "{{&" in source:
        problems.append(f"{name}: unescaped variable (triple mustache or {{{{&}}}})")
    if not source.lstrip().startswith("{{!"):
        problems.append(f"{name}: does not start with a {{{{! … }}}} comment")
    if path.stem not in PARTIALS:
        for partial in ("header", "footer"):
            if "{{> " + partial + "}}" not in source:
                problems.append(f"{name}: does not include {{{{> {partial}}}}}")
    for key in re.findall(r"\{\{[#^/]?\s*t\.([A-Za-z0-9_.]+)\s*\}\}", source):
        if key not in strings:
            problems.append(f"{name}: t.{key} is not in the catalogues")
        elif PLACEHOLDER.search(strings[key]):
            problems.append(f"{name}: t.{key} has a placeholder; the server formats it")
    without_comments = re.sub(r"\{\{!.*?\}\}", "", source, flags=re.S)
    without_tags = re.sub(r"\{\{.*?\}\}", "", without_comments, flags=re.S)
    finder = TextFinder(name)
    finder.feed(without_tags)
    finder.close()


def main():
    nl, en = load("nl.json"), load("en.json")
    flat_nl, flat_en = flatten(nl), flatten(en)
    for key in sorted(set(flat_nl) - set(flat_en)):
        problems.append(f"en.json lacks {key}")
    for key in sorted(set(flat_en) - set(flat_nl)):
        problems.append(f"nl.json lacks {key}")
    for key in sorted(set(flat_nl) & set(flat_en)):
        a, b = set(PLACEHOLDER.findall(flat_nl[key])), set(PLACEHOLDER.findall(flat_en[key]))
        # A protocol issue's text uses what its language needs of the values its code gives;
        # ProtocolIssuePageTests checks each against those values.
        if a != b and not key.startswith("protocolIssue."):
            problems.append(f"{key}: placeholders differ (nl {sorted(a)}, en {sorted(b)})")
        for lang, value in (("nl", flat_nl[key]), ("en", flat_en[key])):
            if not value.strip():
                problems.append(f"{lang}.json {key} is empty")
    templates = sorted(TEMPLATES.glob("*.mustache"))
    for path in templates:
        check_template(path, flat_nl)
    for problem in problems:
        print(problem)
    print(f"{len(templates)} templates, {len(flat_nl)} catalogue strings, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
