#!/usr/bin/env python3
"""Proef allocation algorithm version 1: an independent reference implementation.

Written from docs/allocation-spec.md (not from the Swift code), with the Python standard
library only. It generates and checks the frozen test vectors:

    python3 Scripts/reference/allocation_v1.py generate > docs/test-vectors/allocation-v1.json
    python3 Scripts/reference/allocation_v1.py check docs/test-vectors/allocation-v1.json

`check` exits 0 when every vector is reproduced and 1 on any mismatch (naming each one).
"""
import hashlib
import hmac
import json
import sys
import unicodedata

DOMAIN = "proef-alloc-v1"
TWO64 = 1 << 64


# ---------------------------------------------------------------------------------------------
# Section 2: the pseudorandom function
# ---------------------------------------------------------------------------------------------

def be32(v):
    if not 0 <= v < 1 << 32:
        raise ValueError("be32 out of range: %d" % v)
    return v.to_bytes(4, "big")


def dec(k):
    """Decimal text of a non-negative integer (no sign, no leading zeros)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise ValueError("dec needs a non-negative integer, not %r" % (k,))
    return str(k)


def label(components):
    """label(c1, ..., cm): the domain and each component as be32(byte length) || UTF-8."""
    out = bytearray()
    for c in [DOMAIN] + list(components):
        if not isinstance(c, str):
            raise TypeError("label components are text, not %r" % (c,))
        b = c.encode("utf-8")
        out += be32(len(b)) + b
    return bytes(out)


def block(seed, lab, counter):
    """First 8 bytes, big-endian, of HMAC-SHA-256(seed, label || be32(counter))."""
    mac = hmac.new(seed, lab + be32(counter), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big")


def uniform_counted(seed, n, components):
    """U(n; components) and the number of blocks rejected before the accepted one."""
    if not 1 <= n < TWO64:
        raise ValueError("n must satisfy 1 <= n < 2^64, not %d" % n)
    if len(seed) != 32:
        raise ValueError("the seed is 32 bytes")
    limit = TWO64 - 1 - (TWO64 % n)
    lab = label(components)
    counter = 0
    while True:
        x = block(seed, lab, counter)
        if x <= limit:
            return x % n, counter
        counter += 1


def uniform(seed, n, components):
    return uniform_counted(seed, n, components)[0]


# ---------------------------------------------------------------------------------------------
# Section 3: inputs and state
# ---------------------------------------------------------------------------------------------

def key(s):
    """Dictionary key for streams, counts and clusters: Swift compares strings by canonical
    equivalence (spec section 12), so equivalent spellings share one entry."""
    return unicodedata.normalize("NFD", s)


class State:
    """The allocation state of one sequence (spec 3.3)."""

    def __init__(self, sequence):
        self.sequence = sequence
        self.draws = 0
        self.streams = {}   # key(stratum key) -> Stream
        self.counts = {}    # factor name -> key(level) -> [count per arm]
        self.clusters = {}  # key(cluster id) -> arm id

    def next(self):
        """The state of the sequence an amendment starts: only the clusters are kept."""
        s = State(self.sequence + 1)
        s.clusters = dict(self.clusters)
        return s


class Stream:
    def __init__(self):
        self.units = 0
        self.block = -1
        self.arms = []
        self.position = 0


class Trial:
    """What an allocation depends on besides the state and the input (spec 3.1)."""

    def __init__(self, trial_id, seed, arms, design):
        self.trial_id = trial_id
        self.seed = seed
        self.arms = [(a["id"], int(a["weight"])) for a in arms]
        if len(self.arms) < 1 or any(w < 1 for _, w in self.arms):
            raise ValueError("arms need integer weights >= 1")
        self.total = sum(w for _, w in self.arms)
        self.type = design["type"]
        self.block_sizes = list(design.get("block_sizes") or [])
        self.strata = list(design.get("strata") or [])
        self.factors = [(f["name"], int(f["weight"])) for f in (design.get("factors") or [])]
        self.random_element = design.get("random_element")
        for size in self.block_sizes:
            if size <= 0 or size % self.total:
                raise ValueError("block size %d is not a positive multiple of %d" % (size, self.total))

    def U(self, n, *components):
        return uniform(self.seed, n, list(components))

    def arm_for(self, r):
        """Spec 3.4: the arm whose cumulative-weight interval (protocol order) holds r."""
        upper = 0
        for arm_id, w in self.arms:
            upper += w
            if r < upper:
                return arm_id
        return self.arms[-1][0]

    def index_of(self, arm_id):
        for j, (a, _) in enumerate(self.arms):
            if a == arm_id:
                return j
        return 0


# ---------------------------------------------------------------------------------------------
# Section 4: designs, one function each
# ---------------------------------------------------------------------------------------------

def stratum_key(trial, factors):
    """Spec 4.2: `name=value` in protocol order joined by `;`, or `*` without strata."""
    names = [] if trial.type == "minimisation" else trial.strata
    if not names:
        return "*"
    return ";".join("%s=%s" % (name, factors.get(name, "")) for name in names)


def block_draw(trial, state, stratum, seq):
    """Spec 4.2: the next arm index of the stratum's permuted-block stream."""
    st = state.streams.get(key(stratum)) or Stream()
    if st.position >= len(st.arms):
        st.block += 1
        b = dec(st.block)
        size = trial.block_sizes[trial.U(len(trial.block_sizes), "block-size", trial.trial_id, seq, stratum, b)]
        blk = []
        for j, (_, w) in enumerate(trial.arms):
            blk += [j] * (w * size // trial.total)
        i = len(blk) - 1
        while i >= 1:
            j = trial.U(i + 1, "shuffle", trial.trial_id, seq, stratum, b, dec(i))
            blk[i], blk[j] = blk[j], blk[i]
            i -= 1
        st.arms = blk
        st.position = 0
    a = st.arms[st.position]
    st.position += 1
    st.units += 1
    state.streams[key(stratum)] = st
    return a


def allocate_simple(trial, state, inp):
    seq = dec(state.sequence)
    k = state.draws
    state.draws = k + 1
    return trial.arm_for(trial.U(trial.total, "simple", trial.trial_id, seq, dec(k))), True


def allocate_blocks(trial, state, inp):
    """permuted-blocks and stratified-blocks."""
    seq = dec(state.sequence)
    state.draws += 1
    j = block_draw(trial, state, stratum_key(trial, inp["factors"]), seq)
    return trial.arms[j][0], True


def lcm(a, b):
    x, y = a, b
    while y:
        x, y = y, x % y
    return a // x * b


def allocate_minimisation(trial, state, inp):
    seq = dec(state.sequence)
    k = dec(state.draws)
    state.draws += 1
    narms = len(trial.arms)
    m = 1
    for _, w in trial.arms:
        m = lcm(m, w)
    scale = [m // w for _, w in trial.arms]
    factors = inp["factors"]
    score = [0] * narms
    for name, fweight in trial.factors:
        level = factors.get(name, "")
        c = state.counts.get(name, {}).get(key(level)) or [0] * narms
        for j in range(narms):
            c2 = list(c)
            c2[j] += 1
            s = [c2[i] * scale[i] for i in range(narms)]
            score[j] += fweight * (max(s) - min(s))
    best = min(score)
    minimal = [j for j in range(narms) if score[j] == best]
    others = [j for j in range(narms) if score[j] != best]
    tid = trial.trial_id
    if len(minimal) == narms:
        chosen = trial.index_of(trial.arm_for(trial.U(trial.total, "minimisation", tid, seq, k, "tie")))
    else:
        re = 1.0 if trial.random_element is None else float(trial.random_element)
        p = int(re * 1000000 + 0.5)
        if trial.U(1000000, "minimisation", tid, seq, k, "p") < p:
            chosen = minimal[trial.U(len(minimal), "minimisation", tid, seq, k, "best")]
        else:
            chosen = others[trial.U(len(others), "minimisation", tid, seq, k, "other")]
    for name, _ in trial.factors:
        level = factors.get(name, "")
        per_level = state.counts.setdefault(name, {})
        c = list(per_level.get(key(level)) or [0] * narms)
        c[chosen] += 1
        per_level[key(level)] = c
    return trial.arms[chosen][0], True


def allocate_cluster(trial, state, inp):
    seq = dec(state.sequence)
    cluster = inp.get("cluster")
    cluster = "" if cluster is None else cluster
    if key(cluster) in state.clusters:
        return state.clusters[key(cluster)], False
    if not trial.block_sizes:
        arm = trial.arm_for(trial.U(trial.total, "cluster", trial.trial_id, seq, dec(state.draws)))
    else:
        arm = trial.arms[block_draw(trial, state, stratum_key(trial, inp["factors"]), seq)][0]
    state.draws += 1
    state.clusters[key(cluster)] = arm
    return arm, True


DESIGNS = {
    "simple": allocate_simple,
    "permuted-blocks": allocate_blocks,
    "stratified-blocks": allocate_blocks,
    "minimisation": allocate_minimisation,
    "cluster": allocate_cluster,
}


def allocate(trial, state, inp):
    """Allocates one enrolment; returns (arm id, drawn) and updates the state."""
    return DESIGNS[trial.type](trial, state, inp)


# ---------------------------------------------------------------------------------------------
# Test vectors
# ---------------------------------------------------------------------------------------------

def seed_counting(start):
    """32 bytes start, start+1, ... (mod 256): 000102...1f for 0."""
    return bytes((start + i) % 256 for i in range(32))


def pick(salt, i, options):
    """A fixed, implementation-independent choice of test inputs (not of arms)."""
    h = hashlib.sha256(("%s/%d" % (salt, i)).encode()).digest()
    return options[int.from_bytes(h[:8], "big") % len(options)]


def prf_vector(seed, components, n):
    value, rejected = uniform_counted(seed, n, components)
    return {"seed_hex": seed.hex(), "components": components, "n": n, "expected": value,
            "label_hex": label(components).hex(), "rejected": rejected}


def first_with_rejections(seed, n, prefix, at_least):
    """The first components prefix + [dec(i)] whose draw rejects at least `at_least` blocks."""
    i = 0
    while True:
        components = prefix + [dec(i)]
        if uniform_counted(seed, n, components)[1] >= at_least:
            return components
        i += 1


def prf_vectors():
    s0 = seed_counting(0)
    s1 = hashlib.sha256(b"proef test vector seed 1").digest()
    s2 = bytes([0xff] * 32)
    s3 = bytes(32)
    big1 = (1 << 63) + 1              # 2^64 mod n = 2^63 - 1: about half of all blocks rejected
    big2 = TWO64 // 3 + 1             # fits in a signed 64-bit Int: about a third rejected
    out = [
        prf_vector(s0, [], 1),
        prf_vector(s0, ["simple", "proef-vector", "1", "0"], 2),
        prf_vector(s0, ["t", "0"], 7),
        prf_vector(s1, ["t", "1"], 7),
        prf_vector(s0, ["minimisation", "proef-vector", "1", "0", "p"], 1000000),
        prf_vector(s2, ["shuffle", "trial", "1", "*", "0", "3"], 4),
        prf_vector(s3, [""], 3),
        prf_vector(s3, ["", ""], 3),
        prf_vector(s1, ["block-size", "t", "12", "municipality=GM0344;age_band=25-34", "10"], 3),
        prf_vector(s1, ["cluster", "één-trial", "Súdwest-Fryslân", "2"], 10),
        prf_vector(s0, ["power of two"], 1 << 62),
        prf_vector(s1, ["int max"], (1 << 63) - 1),
        prf_vector(s0, first_with_rejections(s0, big1, ["rejection"], 1), big1),
        prf_vector(s1, first_with_rejections(s1, big1, ["rejection"], 3), big1),
        prf_vector(s0, first_with_rejections(s0, big2, ["rejection-int"], 1), big2),
    ]
    return out


def arms_of(*pairs):
    return [{"id": a, "weight": w} for a, w in pairs]


def design_of(type_, block_sizes=(), strata=(), factors=(), random_element=None, cluster_unit=None):
    return {"type": type_, "block_sizes": list(block_sizes), "strata": list(strata),
            "factors": [{"name": n, "weight": w} for n, w in factors],
            "random_element": random_element, "cluster_unit": cluster_unit}


MUNIS = ["GM0344", "GM0014", "GM0855", "GM0150"]
AGE = ["18-24", "25-34", "35-49", "50-66"]
GENDER = ["f", "m", "x"]


def enrolment_inputs(case, count):
    """The inputs of a design case: municipality, factors (only the design's names), cluster."""
    d = case["design"]
    salt = case["name"]
    names = [f["name"] for f in d["factors"]] if d["type"] == "minimisation" else list(d["strata"])
    out = []
    for i in range(count):
        if d["type"] == "cluster":
            # Clusters are bound to a municipality (a caseworker or team works in one), and repeat.
            clusters = case["_clusters"]
            cluster = pick(salt + "/cluster", i, clusters)
            municipality = case["_cluster_municipality"][cluster]
        else:
            cluster = None
            municipality = pick(salt + "/municipality", i, case["_municipalities"])
        values = {"municipality": municipality, "age_band": pick(salt + "/age", i, AGE),
                  "gender": pick(salt + "/gender", i, GENDER)}
        if d["type"] == "stratified-blocks":
            # Skew towards a few strata so that several of them run through more than one block.
            values["age_band"] = pick(salt + "/age", i, ["25-34", "25-34", "35-49", "18-24"])
        factors = {n: values[n] for n in names}
        out.append({"municipality": municipality, "factors": factors, "cluster": cluster})
    return out


def design_cases():
    cw = ["km-bakker", "km-de-vries", "km-jansen", "km-visser", "km-smit", "km-meijer",
          "km-mulder", "km-bos", "km-vos", "km-peters"]
    teams = ["Team Noord", "Team Zuid", "Team Oost", "Team West", "Team Centrum",
             "Team Werkplein", "Team Jongeren", "Team Statushouders"]
    cases = [
        dict(name="simple 1:1", trial_id="proef-vector-simple", seed=seed_counting(0), sequence=1,
             arms=arms_of(("controle", 1), ("interventie", 1)), design=design_of("simple"),
             n=20, _municipalities=MUNIS[:2]),
        dict(name="simple 2:1:1 unequal weights", trial_id="proef-vector-simple-weighted",
             seed=seed_counting(0x20), sequence=1,
             arms=arms_of(("intensief", 2), ("controle", 1), ("licht", 1)), design=design_of("simple"),
             n=40, _municipalities=MUNIS[:3]),
        dict(name="permuted-blocks 1:1 sizes [2,4]", trial_id="proef-vector-blocks",
             seed=seed_counting(0x40), sequence=1,
             arms=arms_of(("controle", 1), ("interventie", 1)), design=design_of("permuted-blocks", [2, 4]),
             n=40, _municipalities=MUNIS[:2]),
        dict(name="permuted-blocks 2:1 sizes [3,6], sequence 3", trial_id="proef-vector-blocks-seq3",
             seed=seed_counting(0x50), sequence=3,
             arms=arms_of(("interventie", 2), ("controle", 1)), design=design_of("permuted-blocks", [3, 6]),
             n=30, _municipalities=MUNIS[:2]),
        dict(name="stratified-blocks 1:1:1:1 sizes [4,8] strata [municipality, age_band]",
             trial_id="utrecht-weten-wat-werkt", seed=seed_counting(0x60), sequence=1,
             arms=arms_of(("controle", 1), ("regelvrij", 1), ("bonus", 1), ("coaching", 1)),
             design=design_of("stratified-blocks", [4, 8], ["municipality", "age_band"]),
             n=40, _municipalities=["GM0344", "GM0344", "GM0014"]),
        dict(name="minimisation 1:1 factors municipality(2), gender; random_element 0.8",
             trial_id="proef-vector-minimisation", seed=seed_counting(0x80), sequence=1,
             arms=arms_of(("controle", 1), ("interventie", 1)),
             design=design_of("minimisation", factors=[("municipality", 2), ("gender", 1)], random_element=0.8),
             n=40, _municipalities=MUNIS[:3]),
        dict(name="minimisation 2:1:1 factors municipality, age_band, gender; random_element 0.7",
             trial_id="proef-vector-minimisation-weighted", seed=seed_counting(0xa0), sequence=1,
             arms=arms_of(("intensief", 2), ("controle", 1), ("licht", 1)),
             design=design_of("minimisation", factors=[("municipality", 1), ("age_band", 1), ("gender", 1)],
                              random_element=0.7),
             n=40, _municipalities=MUNIS[:2]),
        dict(name="cluster by caseworker, blocks [2,4], strata [municipality]",
             trial_id="vaste-klantmanager", seed=seed_counting(0xc0), sequence=1,
             arms=arms_of(("roterend", 1), ("vast", 1)),
             design=design_of("cluster", [2, 4], ["municipality"], cluster_unit="caseworker"),
             n=40, _clusters=cw,
             _cluster_municipality={c: ["GM0014", "GM0855", "GM0150"][i % 3] for i, c in enumerate(cw)}),
        dict(name="cluster by team, no blocks, 2:1", trial_id="proef-vector-cluster-teams",
             seed=seed_counting(0xe0), sequence=1,
             arms=arms_of(("interventie", 2), ("controle", 1)),
             design=design_of("cluster", cluster_unit="team"),
             n=30, _clusters=teams,
             _cluster_municipality={c: ["GM0344", "GM0014"][i % 2] for i, c in enumerate(teams)}),
    ]
    out = []
    for case in cases:
        trial = Trial(case["trial_id"], case["seed"], case["arms"], case["design"])
        state = State(case["sequence"])
        enrolments = []
        for inp in enrolment_inputs(case, case["n"]):
            arm, _ = allocate(trial, state, inp)
            enrolments.append(dict(inp, expected_arm=arm))
        out.append({"name": case["name"], "trial_id": case["trial_id"], "seed_hex": case["seed"].hex(),
                    "sequence": case["sequence"], "arms": case["arms"], "design": case["design"],
                    "enrolments": enrolments})
    return out


def generate():
    return {
        "version": 1,
        "spec": "docs/allocation-spec.md (allocation algorithm version 1, frozen)",
        "generator": "Scripts/reference/allocation_v1.py generate",
        "prf": prf_vectors(),
        "designs": design_cases(),
    }


def check(doc):
    """Replays every vector; returns a list of mismatches (empty when all match)."""
    problems = []
    if doc.get("version") != 1:
        problems.append("version is %r, not 1" % (doc.get("version"),))
    for i, v in enumerate(doc.get("prf", [])):
        seed = bytes.fromhex(v["seed_hex"])
        value, rejected = uniform_counted(seed, int(v["n"]), v["components"])
        if value != v["expected"]:
            problems.append("prf[%d] %r n=%d: got %d, expected %d" % (i, v["components"], v["n"], value, v["expected"]))
        if "label_hex" in v and label(v["components"]).hex() != v["label_hex"]:
            problems.append("prf[%d]: label bytes differ" % i)
        if "rejected" in v and rejected != v["rejected"]:
            problems.append("prf[%d]: %d blocks rejected, expected %d" % (i, rejected, v["rejected"]))
    for case in doc.get("designs", []):
        trial = Trial(case["trial_id"], bytes.fromhex(case["seed_hex"]), case["arms"], case["design"])
        state = State(case["sequence"])
        for k, e in enumerate(case["enrolments"]):
            arm, _ = allocate(trial, state, {"municipality": e["municipality"], "factors": e.get("factors") or {},
                                             "cluster": e.get("cluster")})
            if arm != e["expected_arm"]:
                problems.append("%s, enrolment %d: got %s, expected %s" % (case["name"], k + 1, arm, e["expected_arm"]))
    if len(doc.get("prf", [])) < 10 or not doc.get("designs"):
        problems.append("the file holds too few vectors")
    return problems


def main(argv):
    if len(argv) == 2 and argv[1] == "generate":
        json.dump(generate(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if len(argv) == 3 and argv[1] == "check":
        with open(argv[2], encoding="utf-8") as f:
            doc = json.load(f)
        problems = check(doc)
        for p in problems:
            print("MISMATCH " + p)
        if problems:
            return 1
        n = sum(len(c["enrolments"]) for c in doc["designs"])
        print("ok: %d PRF vectors and %d designs (%d allocations) reproduced" % (len(doc["prf"]), len(doc["designs"]), n))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
