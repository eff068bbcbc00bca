/// What the allocation of one enrolment depends on, all of it public (it goes into the log).
public struct AllocationInput: Sendable, Equatable {
    public var municipality: String
    /// Values of the design's strata or minimisation factors, by name (`municipality` included when used).
    public var factors: [String: String]
    /// The cluster the client belongs to, for cluster designs.
    public var cluster: String?

    public init(municipality: String, factors: [String: String], cluster: String?) {
        self.municipality = municipality; self.factors = factors; self.cluster = cluster
    }
}

/// The state of one allocation sequence, persisted between enrolments and rebuilt by a
/// verifier from the log. Everything an allocation depends on is here or in the input.
public struct AllocationState: Sendable, Codable, Equatable {
    public var sequence: Int
    /// Draws made in this sequence (clients, or clusters in a cluster design).
    public var draws: Int = 0
    /// Per stratum: how many units were allocated and where the current block stands.
    public var streams: [String: BlockStream] = [:]
    /// Minimisation: factor → level → count per arm (protocol order).
    public var counts: [String: [String: [Int]]] = [:]
    /// Cluster design: cluster id → arm, carried into later sequences.
    public var clusters: [String: String] = [:]

    public struct BlockStream: Sendable, Codable, Equatable {
        public var units = 0
        public var block = -1
        public var arms: [Int] = []
        public var position = 0
    }

    public init(sequence: Int) { self.sequence = sequence }

    /// The state a new sequence starts with after an amendment: clusters keep their arm.
    public func next() -> AllocationState {
        var s = AllocationState(sequence: sequence + 1)
        s.clusters = clusters
        return s
    }
}

/// The outcome of one allocation: the arm, and whether this enrolment drew it (cluster members inherit).
public struct Allocation: Sendable, Equatable {
    public var arm: String
    public var drawn: Bool
}

/// Allocation algorithm version 1 (docs/allocation-spec.md): simple, permuted blocks,
/// stratified blocks, Pocock–Simon minimisation and cluster designs, with unequal weights and
/// any number of arms. Pure: the same seed, protocol, state and input give the same arm.
public struct AllocationEngine: Sendable {
    public let trialID: String
    public let design: TrialProtocol.Design
    public let arms: [TrialProtocol.Arm]
    let prf: any AllocationRandomness

    /// The engine of record: every draw from the trial's committed seed.
    public init(trialID: String, protocol p: TrialProtocol, seed: [UInt8]) {
        self.init(trialID: trialID, protocol: p, randomness: AllocationPRF(seed: seed))
    }

    /// The same procedure with another source of draws (tests hold `AllocationReplay`, which
    /// randomisation inference runs, to this engine with the same draws).
    public init(trialID: String, protocol p: TrialProtocol, randomness: any AllocationRandomness) {
        self.trialID = trialID
        self.design = p.design
        self.arms = p.arms
        self.totalWeight = p.arms.reduce(0) { $0 + $1.weight }
        self.prf = randomness
    }

    let totalWeight: Int

    /// Whether two protocols allocate alike: the same arm ids and weights in the same order,
    /// the same design and algorithm version. Names and descriptions do not matter.
    public static func sameAllocation(_ a: TrialProtocol, _ b: TrialProtocol) -> Bool {
        a.arms.map(\.id) == b.arms.map(\.id) && a.arms.map(\.weight) == b.arms.map(\.weight)
            && a.design == b.design && a.allocationVersion == b.allocationVersion
    }

    /// The names whose values the design needs from each enrolment.
    public static func factorNames(_ design: TrialProtocol.Design) -> [String] {
        switch design.type {
        case .minimisation: design.factors.map(\.name)
        case .stratifiedBlocks, .cluster: design.strata
        case .simple, .permutedBlocks: []
        }
    }

    /// The stratum key: `name=value` pairs in the protocol's order, joined by `;`; `*` without strata.
    public static func stratumKey(_ design: TrialProtocol.Design, _ factors: [String: String]) -> String {
        let names = design.type == .minimisation ? [] : design.strata
        return names.isEmpty ? "*" : names.map { "\($0)=\(factors[$0] ?? "")" }.joined(separator: ";")
    }

    public func allocate(_ input: AllocationInput, state: inout AllocationState) -> Allocation {
        if design.type == .cluster, let arm = state.clusters[input.cluster ?? ""] { return Allocation(arm: arm, drawn: false) }
        return Allocation(arm: arms[drawIndex(input, state: &state)].id, drawn: true)
    }

    /// A fresh draw, as the position of the arm in the protocol's list.
    func drawIndex(_ input: AllocationInput, state: inout AllocationState) -> Int {
        // The sequence becomes text only inside labels, which only the committed-seed source builds.
        let seq = state.sequence
        switch design.type {
        case .simple:
            let k = state.draws
            state.draws += 1
            return weightedIndex(prf.uniform(totalWeight, ["simple", trialID, String(seq), String(k)]))
        case .permutedBlocks, .stratifiedBlocks:
            state.draws += 1
            return blockDraw(Self.stratumKey(design, input.factors), seq, &state)
        case .minimisation:
            return minimise(input, seq, &state)
        case .cluster:
            let cluster = input.cluster ?? ""
            let index = design.blockSizes.isEmpty
                ? weightedIndex(prf.uniform(totalWeight, ["cluster", trialID, String(seq), String(state.draws)]))
                : blockDraw(Self.stratumKey(design, input.factors), seq, &state)
            state.draws += 1
            state.clusters[cluster] = arms[index].id
            return index
        }
    }

    /// The position of the arm whose cumulative-weight interval (protocol order) holds r.
    func weightedIndex(_ r: Int) -> Int {
        var upper = 0
        for (i, arm) in arms.enumerated() {
            upper += arm.weight
            if r < upper { return i }
        }
        return arms.count - 1
    }

    /// Next arm index from the stratum's current permuted block, starting a new block when needed.
    func blockDraw(_ stratum: String, _ seq: Int, _ state: inout AllocationState) -> Int {
        var stream = state.streams[stratum] ?? AllocationState.BlockStream()
        if stream.position >= stream.arms.count {
            stream.block += 1
            let b = String(stream.block)
            let size = design.blockSizes[prf.uniform(design.blockSizes.count, ["block-size", trialID, String(seq), stratum, b])]
            var block: [Int] = []
            for (i, arm) in arms.enumerated() { block += Array(repeating: i, count: arm.weight * size / totalWeight) }
            // Fisher–Yates from the end: swap position i with a uniform j in 0...i.
            var i = block.count - 1
            while i >= 1 {
                let j = prf.uniform(i + 1, ["shuffle", trialID, String(seq), stratum, b, String(i)])
                block.swapAt(i, j)
                i -= 1
            }
            stream.arms = block
            stream.position = 0
        }
        let arm = stream.arms[stream.position]
        stream.position += 1
        stream.units += 1
        state.streams[stratum] = stream
        return arm
    }

    /// Pocock–Simon minimisation with the range as imbalance measure, counts scaled by
    /// allocation weight, and the best arm taken with probability `random_element`.
    func minimise(_ input: AllocationInput, _ seq: Int, _ state: inout AllocationState) -> Int {
        let k = state.draws
        state.draws += 1
        let lcm = leastCommonMultiple(arms.map(\.weight))
        var scores = [Int](repeating: 0, count: arms.count)
        for factor in design.factors {
            let level = input.factors[factor.name] ?? ""
            let counts = state.counts[factor.name]?[level] ?? Array(repeating: 0, count: arms.count)
            for j in arms.indices {
                var c = counts
                c[j] += 1
                let scaled = arms.indices.map { c[$0] * (lcm / arms[$0].weight) }
                scores[j] += factor.weight * ((scaled.max() ?? 0) - (scaled.min() ?? 0))
            }
        }
        let best = scores.min() ?? 0
        let minimal = arms.indices.filter { scores[$0] == best }
        let chosen: Int
        if minimal.count == arms.count {
            let r = prf.uniform(totalWeight, ["minimisation", trialID, String(seq), String(k), "tie"])
            chosen = weightedIndex(r)
        } else {
            let p = Int((design.randomElement ?? 1) * 1_000_000 + 0.5)
            if prf.uniform(1_000_000, ["minimisation", trialID, String(seq), String(k), "p"]) < p {
                chosen = minimal[prf.uniform(minimal.count, ["minimisation", trialID, String(seq), String(k), "best"])]
            } else {
                let others = arms.indices.filter { scores[$0] != best }
                chosen = others[prf.uniform(others.count, ["minimisation", trialID, String(seq), String(k), "other"])]
            }
        }
        for factor in design.factors {
            let level = input.factors[factor.name] ?? ""
            var counts = state.counts[factor.name]?[level] ?? Array(repeating: 0, count: arms.count)
            counts[chosen] += 1
            state.counts[factor.name, default: [:]][level] = counts
        }
        return chosen
    }
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// What minimisation scales arm counts by, so unequal weights compare as whole numbers.
func leastCommonMultiple(_ weights: [Int]) -> Int { weights.reduce(1) { a, b in a / gcd(a, b) * b } }
