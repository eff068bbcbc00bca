#!/usr/bin/env python3
"""The canonical JSON text and SHA-256 of a format 1 protocol: an independent reference.

Written from Protocols/README.md ("Lifecycle": the parsed protocol with defaults filled in and
absent optional fields left out, the model's key names, keys sorted, no white space, UTF-8,
slashes unescaped) and the format 1 field tables, not from the Swift code. Format 2 added
labels, consent texts and derived covariates; this script knows none of them, so a format 1
protocol's hash computed here is the hash every release has recorded for it, and Proef must
keep producing it (Tests/ProefCoreTests/ProtocolLabelsTests.swift).

    python3 Scripts/reference/canonical_protocol.py FILE.yaml    # prints the SHA-256, then the text
    python3 Scripts/reference/canonical_protocol.py generate FILE.yaml... > docs/test-vectors/protocol-format-1.json

The vectors hold the protocol files of the release before format 2 (git show 6c1a29c:Protocols/…)
and the test suite's base protocol, each with its canonical text and SHA-256.

Needs PyYAML. Does not validate: give it a protocol that `proef protocol validate` accepts.
"""
import hashlib
import json
import sys

import yaml


def number(x):
    """A YAML number as the JSON number Proef writes: 18 for 18 and 18.0, 0.05 for 0.05."""
    return int(x) if float(x).is_integer() else float(x)


def optional(d, source, key, target, convert=lambda v: v):
    if source.get(key) is not None:
        d[target] = convert(source[key])


def arm(a):
    d = {"id": a["id"], "name": a["name"], "weight": a.get("weight", 1), "control": a.get("control", False)}
    optional(d, a, "description", "description")
    return d


def design(s):
    d = {"type": s["type"], "blockSizes": s.get("block_sizes", []), "strata": s.get("strata", []),
         "factors": [{"name": f, "weight": 1} if isinstance(f, str) else {"name": f["name"], "weight": f.get("weight", 1)}
                     for f in s.get("factors", [])]}
    optional(d, s, "random_element", "randomElement", number)
    optional(d, s, "cluster_unit", "clusterUnit")
    return d


def covariate(c):
    d = {"name": c["name"], "type": c["type"], "levels": [str(v) for v in c.get("levels", [])], "required": c.get("required", True)}
    optional(d, c, "label", "label")
    optional(d, c, "min", "min", number)
    optional(d, c, "max", "max", number)
    optional(d, c, "unit", "unit")
    return d


def text(v):
    """one_of values as the protocol's text: YAML reads `true` as a boolean."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def rule(r):
    d = {"id": r["id"], "covariate": r["covariate"], "oneOf": [text(v) for v in r.get("one_of", [])]}
    optional(d, r, "description", "description")
    optional(d, r, "min", "min", number)
    optional(d, r, "max", "max", number)
    return d


def outcome(o):
    w = o.get("window", {"days_before": 30, "days_after": 60})
    d = {"id": o["id"], "label": o["label"], "type": o["type"], "role": o["role"], "source": o.get("source", "administrative"),
         "waves": o["waves"], "window": {"daysBefore": w["days_before"], "daysAfter": w["days_after"]}}
    optional(d, o, "unit", "unit")
    optional(d, o, "min", "min", number)
    optional(d, o, "max", "max", number)
    return d


def canonical(p):
    if p["format"] != 1:
        raise SystemExit("this reference reads format 1 protocols only")
    dates = p["dates"]
    a = p["analysis"]
    d = {
        "format": 1, "id": p["id"], "title": p["title"], "sponsor": p["sponsor"], "municipalities": p["municipalities"],
        "dates": {"registered": str(dates["registered"]), "enrolmentStart": str(dates["enrolment_start"]),
                  "enrolmentEnd": str(dates["enrolment_end"]), "followUpEnd": str(dates["follow_up_end"])},
        "targetSampleSize": p["target_sample_size"], "followUpMonths": p["follow_up_months"],
        "allocationVersion": p.get("allocation_version", 1),
        "arms": [arm(x) for x in p["arms"]], "design": design(p["design"]),
        "covariates": [covariate(x) for x in p.get("covariates", [])],
        "eligibility": [rule(x) for x in p.get("eligibility", [])],
        "outcomes": [outcome(x) for x in p["outcomes"]],
        "analysis": {"estimand": a.get("estimand", "itt"), "estimator": a["estimator"], "covariates": a.get("covariates", []),
                     "alpha": number(a.get("alpha", 0.05)), "multiplicity": a.get("multiplicity", "none"),
                     "randomisationInference": a.get("randomisation_inference", False)},
        "conflictsWith": p.get("conflicts_with", []),
    }
    for key in ("programme", "contact", "summary"):
        optional(d, p, key, key)
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load(path):
    """The file's text and its canonical JSON text."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    # Dates stay text, as Proef reads them.
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return source, canonical(yaml.load(source, Loader=Loader))


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "generate":
        vectors = []
        for path in args[1:]:
            source, text = load(path)
            vectors.append({"name": path.rsplit("/", 1)[-1], "yaml": source, "canonical": text, "sha256": sha256(text)})
        print(json.dumps(vectors, indent=1, ensure_ascii=False))
    elif len(args) == 1:
        _, text = load(args[0])
        print(sha256(text))
        print(text)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
