#!/usr/bin/env python3
"""Reads a Proef export with an independent reader (pyreadstat for .dta/.sav, the csv module
for CSV) and prints what it found as JSON: rows, columns, variable labels, value labels and
every record (dates as YYYY-MM-DD, missing as null). Used by the tests to check exports."""
import csv
import datetime
import json
import math
import sys


def clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.strftime("%Y-%m-%d")
    if hasattr(v, "item"):
        return clean(v.item())
    return v


def main() -> int:
    path, fmt = sys.argv[1], sys.argv[2]
    if fmt in ("dta", "sav"):
        import pyreadstat
        reader = pyreadstat.read_dta if fmt == "dta" else pyreadstat.read_sav
        df, meta = reader(path)
        out = {
            "rows": int(df.shape[0]),
            "columns": list(df.columns),
            "column_labels": dict(zip(meta.column_names, meta.column_labels)),
            "value_labels": {k: {str(int(c)): l for c, l in v.items()} for k, v in meta.variable_value_labels.items()},
            "records": [{k: clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")],
        }
    else:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        out = {"rows": len(rows), "columns": list(rows[0].keys()) if rows else [],
               "records": [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
