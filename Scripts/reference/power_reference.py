#!/usr/bin/env python3
"""Reference power of a planned trial, from statsmodels, for `proef power`'s tests. Reads one JSON
request on stdin and writes one JSON answer on stdout:
  {"plans": [{"total": N, "weights": [control, arm1, ...], "alpha": a, "power": target,
              "icc": rho, "cluster_size": m,          (optional: design effect 1 + (m - 1) rho)
              "sd": s | "baseline": p0,                (optional: the scale; neither is SD units)
              "effect": d,                             (optional: a difference on that scale)
              "detectable": [Proef's MDE per arm]}]}
Each arm is compared with control at n_arm = N w_arm / sum(w), with statsmodels seeing the
effective sizes n / deff and ratio = n_control / n_arm:
  SD units     NormalIndPower
  sd           TTestIndPower on effect / sd
  baseline     NormalIndPower on proportion_effectsize(p0 + d, p0) (arcsine), and
               power_proportions_2indep(d, p0, ...) (pooled z test)
The answer has, per plan and arm: n, control_n, design_effect, power (and power_pooled_z) at the
effect, power_at_detectable (statsmodels' power at Proef's MDE, which should be the target) and
solved (statsmodels' own solve_power MDE on the plan's scale; its root finder stops near 1e-6)."""
import json
import math
import sys

from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import power_proportions_2indep, proportion_effectsize


def arm(plan, n1, n0, detectable):
    deff = 1 + (plan["cluster_size"] - 1) * plan["icc"] if "icc" in plan else 1.0
    n1e, ratio = n1 / deff, n0 / n1
    alpha, target, effect = plan["alpha"], plan["power"], plan.get("effect")
    out = {"n": n1, "control_n": n0, "design_effect": deff}
    if "baseline" in plan:
        p0 = plan["baseline"]
        normal = NormalIndPower()
        h = lambda d: proportion_effectsize(p0 + d, p0)
        if effect is not None:
            out["power"] = normal.power(h(effect), n1e, alpha, ratio=ratio)
            out["power_pooled_z"] = power_proportions_2indep(effect, p0, n1e, ratio=ratio, alpha=alpha).power
        out["power_at_detectable"] = normal.power(h(detectable), n1e, alpha, ratio=ratio)
        solved_h = normal.solve_power(None, n1e, alpha, target, ratio)
        out["solved"] = math.sin(math.asin(math.sqrt(p0)) + solved_h / 2) ** 2 - p0
    elif "sd" in plan:
        sd, t = plan["sd"], TTestIndPower()
        if effect is not None:
            out["power"] = t.power(effect / sd, n1e, alpha, ratio=ratio)
        out["power_at_detectable"] = t.power(detectable / sd, n1e, alpha, ratio=ratio)
        out["solved"] = t.solve_power(None, n1e, alpha, target, ratio) * sd
    else:
        normal = NormalIndPower()
        if effect is not None:
            out["power"] = normal.power(effect, n1e, alpha, ratio=ratio)
        out["power_at_detectable"] = normal.power(detectable, n1e, alpha, ratio=ratio)
        out["solved"] = normal.solve_power(None, n1e, alpha, target, ratio)
    return out


def plan(p):
    w = p["weights"]
    sizes = [p["total"] * x / sum(w) for x in w]
    return [arm(p, n1, sizes[0], p["detectable"][k]) for k, n1 in enumerate(sizes[1:])]


if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump({"plans": [plan(p) for p in request["plans"]]}, sys.stdout)
