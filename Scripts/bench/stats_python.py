#!/usr/bin/env python3
"""The same standard analysis as `proef-bench stats`, in statsmodels, linearmodels and lifelines,
on the CSV it wrote; and randomisation inference as a vectorised numpy permutation test.
Usage: stats_python.py analysis FILE.csv | ri CLIENTS DRAWS"""
import resource
import sys
import time

import numpy as np


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def analysis(path):
    import pandas as pd
    import statsmodels.api as sm
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from linearmodels.iv import IV2SLS

    data = pd.read_csv(path)
    total = 0.0
    for wave, d in data.groupby("wave"):
        def timed(name, f):
            nonlocal total
            start = time.perf_counter()
            f()
            t = time.perf_counter() - start
            total += t
            print(f"  wave {wave:2d}  {name:34s} {t:7.2f} s", flush=True)

        X = sm.add_constant(d[["z"]].astype(float))
        timed("difference in means (HC2)", lambda: sm.OLS(d.y, X).fit(cov_type="HC2"))

        def blocked():
            g = d.groupby(["stratum", "z"]).y.agg(["mean", "var", "count"]).unstack()
            w = g["count"].sum(axis=1) / len(d)
            (w * (g["mean"][1] - g["mean"][0])).sum(), (w ** 2 * (g["var"][1] / g["count"][1] + g["var"][0] / g["count"][0])).sum()
        timed("blocked (8 strata)", blocked)
        xc = d.x1 - d.x1.mean()
        XL = sm.add_constant(pd.DataFrame({"z": d.z.astype(float), "xc": xc, "zx": d.z * xc}))
        timed("Lin (1 covariate, HC2)", lambda: sm.OLS(d.y, XL).fit(cov_type="HC2"))
        timed("cluster-robust CR1 (2,000 clusters)", lambda: sm.OLS(d.y, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d.cluster)[0]}))
        timed("2SLS complier effect (robust)", lambda: IV2SLS(d.y, np.ones(len(d)), d[["d"]].astype(float), d[["z"]].astype(float)).fit(cov_type="robust"))

        def km_logrank():
            for arm in (0, 1):
                s = d[d.z == arm]
                KaplanMeierFitter().fit(s.time, s.event)
            logrank_test(d.time[d.z == 1], d.time[d.z == 0], d.event[d.z == 1], d.event[d.z == 0])
        timed("Kaplan-Meier + log-rank", km_logrank)
        timed("Cox (Efron, robust SE, stratified)",
              lambda: CoxPHFitter().fit(d[["time", "event", "z", "stratum"]], "time", "event", strata=["stratum"], robust=True))
    print(f"statsmodels/linearmodels/lifelines: {total:.1f} s, peak memory {peak_mb():.0f} MB")


def ri(clients, draws):
    rng = np.random.default_rng(3)
    y = rng.uniform(0, 10, clients)
    z = rng.random(clients) < 0.5
    observed = y[z].mean() - y[~z].mean()
    start = time.perf_counter()
    exceed, done = 0, 0
    while done < draws:
        k = min(100, draws - done)
        sims = rng.random((k, clients)) < 0.5          # simple randomisation, as the Swift run
        n1 = sims.sum(axis=1)
        t = (sims @ y) / n1 - ((~sims) @ y) / (clients - n1)
        exceed += int((np.abs(t) >= abs(observed)).sum())
        done += k
    secs = time.perf_counter() - start
    print(f"numpy vectorised: {draws} draws x {clients} clients in {secs:.1f} s = {draws / secs:.0f} draws/s, p = {(1 + exceed) / (1 + draws):.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "analysis":
        analysis(sys.argv[2])
    else:
        ri(int(sys.argv[2]), int(sys.argv[3]))
