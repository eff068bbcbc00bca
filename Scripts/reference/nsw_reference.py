#!/usr/bin/env python3
"""The experimental sample of the National Supported Work demonstration (Dehejia & Wahba's
LaLonde subsample, from PyPI's causaldata): writes it as a Proef-style CSV (arm, re78, ...) to
the path given, and prints the reference numbers as JSON: the published treatment-minus-control
difference in 1978 earnings (1794, Dehejia & Wahba 1999) and statsmodels' OLS with HC2."""
import json
import sys

import statsmodels.formula.api as smf
from causaldata import nsw_mixtape

d = nsw_mixtape.load_pandas().data
d = d.astype({c: "float64" for c in ["age", "educ", "re74", "re75", "re78"]})
d["arm"] = d["treat"].map({1: "treated", 0: "control"})
d[["arm", "re78", "age", "educ", "re74", "re75"]].to_csv(sys.argv[1], index=False, float_format="%.17g")
fit = smf.ols("re78 ~ treat", d).fit(cov_type="HC2")
json.dump({"published": 1794, "n_treated": int(d.treat.sum()), "n_control": int((1 - d.treat).sum()),
           "estimate": float(fit.params["treat"]), "std_error": float(fit.bse["treat"])}, sys.stdout)
