#!/usr/bin/env python3
"""Reference numbers from SciPy and statsmodels for ProefStats' tests. Reads one JSON request
on stdin, writes one JSON answer on stdout. Requests:
  {"kind": "distributions", "t": [[t, df]...], "tq": [[p, df]...], "normal": [x...], "nq": [p...], "chi2": [[x, k]...]}
  {"kind": "hc2", "y": [...], "x": [[...], ...]}       OLS with HC2 (statsmodels cov_type="HC2")
  {"kind": "holm", "p": [...]}                         statsmodels multipletests(method="holm"), or "bonferroni"
  {"kind": "smd", "a": [...], "b": [...]}              standardised mean difference with sample variances (numpy)
  {"kind": "srm", "counts": [...], "weights": [...]}  SciPy chisquare against counts expected from the weights
                                                       (or "expected": [...] counts given directly)
  {"kind": "exact_clusters", "y": [...], "z": [...], "clusters": [...]}  exact randomisation p of a two-arm cluster design
  {"kind": "f_nct", "f": [[f, d1, d2]...], "nct": [[t, df, nc]...]}  SciPy's F survival and noncentral t cdf
  {"kind": "subgroup_ftest", "y": [...], "arm": [...], "subgroup": [...], "control": "..."}
                                                       statsmodels OLS y ~ C(arm) * C(subgroup) with HC2, f_test of
                                                       all interaction terms
  {"kind": "power_plain", "proportions": [{"p0", "diff", "n1", "n0", "alpha"}...],
   "means": [{"d", "n1", "n0", "alpha"}...]}        power_proportions_2indep, NormalIndPower on Cohen's h,
                                                       TTestIndPower
"""
import json
import sys

import numpy as np
from scipy import stats


def main() -> int:
    req = json.load(sys.stdin)
    kind = req["kind"]
    if kind == "distributions":
        out = {
            "t_cdf": [float(stats.t.cdf(t, df)) for t, df in req["t"]],
            "t_two_sided": [float(2 * stats.t.sf(abs(t), df)) for t, df in req["t"]],
            "t_quantile": [float(stats.t.ppf(p, df)) for p, df in req["tq"]],
            "normal_cdf": [float(stats.norm.cdf(x)) for x in req["normal"]],
            "normal_quantile": [float(stats.norm.ppf(p)) for p in req["nq"]],
            "chi2_sf": [float(stats.chi2.sf(x, k)) for x, k in req["chi2"]],
        }
    elif kind == "hc2":
        import statsmodels.api as sm
        fit = sm.OLS(np.array(req["y"]), np.array(req["x"])).fit(cov_type="HC2")
        out = {"params": fit.params.tolist(), "bse": fit.bse.tolist(), "cov": np.asarray(fit.cov_params()).tolist()}
    elif kind == "riskratio":
        from statsmodels.stats.contingency_tables import Table2x2
        # rows: treated, control; columns: event, no event
        t = Table2x2(np.array(req["table"], dtype=float))
        lo, hi = t.riskratio_confint(alpha=req.get("alpha", 0.05))
        out = {"ratio": float(t.riskratio), "lower": float(lo), "upper": float(hi), "p": float(t.riskratio_pvalue())}
    elif kind == "exact_permutation":
        # Every assignment the design can give, each equally likely: within each block (all
        # clients one block by default, i.e. complete randomisation) every choice of as many
        # treated as observed. The exact two-sided p-value of the difference in means under
        # the sharp null; clients whose y is null are allocated but not measured.
        from itertools import combinations, product
        y, z = req["y"], req["z"]
        blocks = req.get("blocks") or [0] * len(y)
        members = {}
        for i, b in enumerate(blocks):
            members.setdefault(b, []).append(i)
        def stat(treated):
            t = [y[i] for i in range(len(y)) if i in treated and y[i] is not None]
            c = [y[i] for i in range(len(y)) if i not in treated and y[i] is not None]
            return sum(t) / len(t) - sum(c) / len(c)
        observed = stat({i for i, zi in enumerate(z) if zi})
        choices = [list(combinations(m, sum(z[i] for i in m))) for m in members.values()]
        all_stats = [stat({i for part in pick for i in part}) for pick in product(*choices)]
        out = {"observed": observed, "p": sum(abs(s) >= abs(observed) - 1e-12 for s in all_stats) / len(all_stats),
               "assignments": len(all_stats)}
    elif kind == "exact_clusters":
        # Simple randomisation of whole clusters between two equally weighted arms: all 2^C
        # assignments of the clusters are equally likely. A client whose y is null is
        # allocated but not measured; an arm without measured clients makes the statistic 0.
        from itertools import product
        y, z, cl = req["y"], req["z"], req["clusters"]
        names = sorted(set(cl))
        def stat(treated_clusters):
            t = [v for v, c in zip(y, cl) if v is not None and c in treated_clusters]
            c0 = [v for v, c in zip(y, cl) if v is not None and c not in treated_clusters]
            return sum(t) / len(t) - sum(c0) / len(c0) if t and c0 else 0.0
        observed = stat({c for c, zi in zip(cl, z) if zi})
        all_stats = [stat({n for n, bit in zip(names, bits) if bit}) for bits in product([0, 1], repeat=len(names))]
        out = {"observed": observed, "p": sum(abs(s) >= abs(observed) - 1e-12 for s in all_stats) / len(all_stats),
               "assignments": len(all_stats)}
    elif kind == "power":
        from statsmodels.stats.power import NormalIndPower
        from statsmodels.stats.proportion import proportion_effectsize
        solver = NormalIndPower()
        out = {"mde": [float(solver.solve_power(effect_size=None, nobs1=c["n1"] / c["deff"], alpha=c["alpha"], power=c["power"],
                                                  ratio=c["n0"] / c["n1"], alternative="two-sided")) for c in req["cases"]],
               "power": [float(solver.power(effect_size=c["d"], nobs1=c["n1"] / c["deff"], alpha=c["alpha"], ratio=c["n0"] / c["n1"],
                                            alternative="two-sided")) for c in req["cases"]],
               "h": [float(proportion_effectsize(p1, p0)) for p1, p0 in req["proportions"]]}
    elif kind == "f_nct":
        out = {"f_sf": [float(stats.f.sf(f, d1, d2)) for f, d1, d2 in req["f"]],
               "nct_cdf": [float(stats.nct.cdf(t, df, nc)) for t, df, nc in req["nct"]]}
    elif kind == "subgroup_ftest":
        import pandas as pd
        import statsmodels.formula.api as smf
        data = pd.DataFrame({"y": req["y"], "arm": req["arm"], "subgroup": req["subgroup"]})
        fit = smf.ols(f"y ~ C(arm, Treatment('{req['control']}')) * C(subgroup)", data).fit(cov_type="HC2")
        names = list(fit.params.index)
        restrictions = np.array([[1.0 if j == i else 0.0 for j in range(len(names))] for i, n in enumerate(names) if ":" in n])
        test = fit.f_test(restrictions)
        out = {"F": float(np.squeeze(test.fvalue)), "df_num": float(test.df_num), "df_denom": float(test.df_denom), "p": float(test.pvalue)}
    elif kind == "power_plain":
        from statsmodels.stats.power import NormalIndPower, TTestIndPower
        from statsmodels.stats.proportion import power_proportions_2indep, proportion_effectsize
        out = {"pooled_z": [float(power_proportions_2indep(c["diff"], c["p0"], c["n1"], ratio=c["n0"] / c["n1"], alpha=c["alpha"],
                                                             return_results=False)) for c in req["proportions"]],
               "arcsine": [float(NormalIndPower().power(proportion_effectsize(c["p0"] + c["diff"], c["p0"]), c["n1"], c["alpha"],
                                                        ratio=c["n0"] / c["n1"])) for c in req["proportions"]],
               "t": [float(TTestIndPower().power(c["d"], c["n1"], c["alpha"], ratio=c["n0"] / c["n1"])) for c in req["means"]]}
    elif kind == "srm":
        from scipy.stats import chisquare
        counts = req["counts"]
        expected = req.get("expected") or [sum(counts) * w / sum(req["weights"]) for w in req["weights"]]
        r = chisquare(counts, f_exp=expected)
        out = {"statistic": float(r.statistic), "p": float(r.pvalue)}
    elif kind in ("holm", "bonferroni"):
        from statsmodels.stats.multitest import multipletests
        out = {"adjusted": multipletests(req["p"], method=kind)[1].tolist()}
    elif kind == "smd":
        # Standardised mean difference with sample variances: (mean a - mean b) / sqrt((var a + var b) / 2).
        a, b = np.array(req["a"], dtype=float), np.array(req["b"], dtype=float)
        out = {"smd": float((a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))}
    else:
        raise SystemExit(f"unknown kind {kind}")
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
