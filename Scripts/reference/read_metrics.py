#!/usr/bin/env python3
"""Parses Prometheus exposition text with prometheus_client's own parser (independent of Proef).

stdin: {"text": "..."}; stdout: {"families": {name: type}, "samples": [{"name", "labels", "value"}]}.
A text the parser refuses ends the script with an error, which fails the test that asked.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

request = json.load(sys.stdin)
families, samples = {}, []
for family in text_string_to_metric_families(request["text"]):
    families[family.name] = family.type
    for s in family.samples:
        samples.append({"name": s.name, "labels": dict(s.labels), "value": s.value})
json.dump({"families": families, "samples": samples}, sys.stdout)
