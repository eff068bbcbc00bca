#!/usr/bin/env python3
"""The file `Scripts/bench/analyse-1m.sh` analyses, and the same work as its `proef analyse` runs in
one statsmodels process. Usage:
  analyse_python.py generate FILE CLIENTS   writes CLIENTS clients x 4 waves (6, 12, 18, 24), long
  analyse_python.py analyse FILE            reads it with pandas and, per wave: difference in means
      (HC2), blocked (8 strata), Lin (1 covariate, HC2), cluster-robust (CR1: statsmodels has no
      CR2; 2,000 clusters), risk ratio of the 0/1 outcome, first stage and 2SLS complier effect (numpy);
      the checks (arm counts with the sample-ratio test, standardised difference, attrition); and
      from each client's latest status Kaplan-Meier, log-rank and a stratified Cox model (Efron)."""
import resource
import sys
import time

import numpy as np


def generate(path, clients):
    import pandas as pd
    rng = np.random.default_rng(5)
    n = clients
    z = rng.random(n) < 0.5
    x1 = rng.uniform(0, 10, n)
    stratum = np.array([f"s{i % 8}" for i in range(8)])[np.arange(n) % 8]
    cluster = np.array([f"km{i}" for i in range(2000)])[np.arange(n) % 2000]
    took = np.where(z, rng.random(n) < 0.8, rng.random(n) < 0.05)
    exit_day = np.ceil(rng.exponential(1 / (0.0015 + 0.0005 * z)))
    with open(path, "w") as out:
        out.write("pseudonym,arm,stratum,cluster,received,x1,wave,y,work,exited,days\n")
        for wave in (6, 12, 18, 24):
            y = 2 + 0.3 * z + 0.1 * x1 + rng.uniform(-2, 2, n)
            y = np.where(rng.random(n) < 0.08, np.nan, y)
            work = (rng.random(n) < 0.3 + 0.05 * z).astype(int)
            horizon = wave * 30.4
            exited = exit_day <= horizon
            d = pd.DataFrame({"pseudonym": np.char.add("p", np.arange(n).astype(str)), "arm": np.where(z, "treated", "control"),
                              "stratum": stratum, "cluster": cluster, "received": np.where(took, "treated", "control"), "x1": x1.round(6),
                              "wave": wave, "y": y.round(6), "work": work, "exited": exited.astype(int),
                              "days": np.where(exited, exit_day, np.floor(horizon)).astype(int)})
            d.to_csv(out, header=False, index=False, float_format="%.6f")


def two_stage(y, d, z):
    """2SLS of y on d instrumented by z with the HC0 sandwich, in numpy (statsmodels' IV2SLS has no robust covariance)."""
    y, one = y.to_numpy(), np.ones(len(y))
    Z, X = np.column_stack([one, z.to_numpy()]), np.column_stack([one, d.to_numpy()])
    Xhat = Z @ np.linalg.solve(Z.T @ Z, Z.T @ X)
    bread = np.linalg.inv(Xhat.T @ Xhat)
    beta = bread @ (Xhat.T @ y)
    e = y - X @ beta
    return beta, bread @ ((Xhat * (e ** 2)[:, None]).T @ Xhat) @ bread


def analyse(path):
    import pandas as pd
    import statsmodels.api as sm
    from scipy.stats import chisquare
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff
    from statsmodels.stats.contingency_tables import Table2x2

    start = time.perf_counter()
    data = pd.read_csv(path)
    print(f"  read {len(data)} rows                           {time.perf_counter() - start:7.2f} s", flush=True)
    data["z"] = (data.arm == "treated").astype(float)
    data["d"] = (data.received == "treated").astype(float)

    def timed(name, f):
        t0 = time.perf_counter()
        f()
        print(f"  {name:42s} {time.perf_counter() - t0:7.2f} s", flush=True)

    for wave, d in data.groupby("wave"):
        m = d.dropna(subset=["y"])
        X = sm.add_constant(m[["z"]])
        timed(f"wave {wave:2d} difference in means (HC2)", lambda: sm.OLS(m.y, X).fit(cov_type="HC2"))

        def blocked():
            g = m.groupby(["stratum", "z"]).y.agg(["mean", "var", "count"]).unstack()
            w = g["count"].sum(axis=1) / len(m)
            (w * (g["mean"][1.0] - g["mean"][0.0])).sum(), (w ** 2 * (g["var"][1.0] / g["count"][1.0] + g["var"][0.0] / g["count"][0.0])).sum()
        timed(f"wave {wave:2d} blocked (8 strata)", blocked)
        xc = m.x1 - m.x1.mean()
        XL = sm.add_constant(pd.DataFrame({"z": m.z, "xc": xc, "zx": m.z * xc}))
        timed(f"wave {wave:2d} Lin (1 covariate, HC2)", lambda: sm.OLS(m.y, XL).fit(cov_type="HC2"))
        timed(f"wave {wave:2d} cluster-robust CR1 (2,000 clusters)",
              lambda: sm.OLS(m.y, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(m.cluster)[0]}))
        timed(f"wave {wave:2d} first stage (HC2) + 2SLS (HC0)", lambda: (sm.OLS(m.d, X).fit(cov_type="HC2"), two_stage(m.y, m.d, m.z)))

        def risk_ratio():
            t = pd.crosstab(d.z, d.work).reindex(index=[1.0, 0.0], columns=[1, 0]).to_numpy()
            r = Table2x2(t)
            r.riskratio, r.riskratio_confint(), r.riskratio_pvalue()
            sm.OLS(d.work, sm.add_constant(d[["z"]])).fit(cov_type="HC2")
        timed(f"wave {wave:2d} risk difference (HC2) and ratio", risk_ratio)

    def checks():
        clients = data[data.wave == 6]
        counts = clients.arm.value_counts()
        chisquare(counts.to_numpy())
        a, b = clients.x1[clients.z == 1], clients.x1[clients.z == 0]
        (a.mean() - b.mean()) / np.sqrt((a.var() + b.var()) / 2)
        data[data.y.isna()].groupby(["wave", "arm"]).size()
    timed("checks: sample ratio, balance, attrition", checks)
    latest = data[data.wave == 24]

    def survival():
        for arm in (0.0, 1.0):
            s = latest[latest.z == arm]
            SurvfuncRight(s.days, s.exited)
        survdiff(latest.days, latest.exited, latest.z, strata=latest.stratum)
    timed("Kaplan-Meier + log-rank (stratified)", survival)
    timed("Cox (Efron, robust SE, stratified)", lambda: PHReg(latest.days.to_numpy(), latest[["z"]].to_numpy(), status=latest.exited.to_numpy(),
                                                               strata=latest.stratum.to_numpy(), ties="efron").fit(groups=np.arange(len(latest))))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"statsmodels, one process: {time.perf_counter() - start:.1f} s, peak memory {peak:.0f} MB")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        analyse(sys.argv[2])
