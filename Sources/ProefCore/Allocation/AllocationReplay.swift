/// A trial's allocation procedure compiled for re-running it many times over the same
/// enrolments (randomisation inference): the same design, strata, factors, clusters and
/// order as `AllocationEngine`, with every name turned into a number once, so a re-run is a
/// loop over integers. Given the same draws it allocates exactly as the engine does (a test
/// holds it to that for every design); it starts from a fresh sequence, as the trial did.
public struct AllocationReplay: Sendable {
    public let count: Int
    let design: TrialProtocol.DesignType
    let weights: [Int]
    let totalWeight: Int
    /// Arm position for each value of a weighted draw in 0 ..< totalWeight.
    let armOfDraw: [Int8]
    /// Per block size (the design's order): the block before shuffling, arms by weight.
    let blockTemplates: [[Int8]]
    let strata: Int
    /// Per client: stratum number (block designs), cluster number (cluster designs).
    let stratumOf: [Int32]
    let clusterOf: [Int32]
    let clusters: Int
    /// Minimisation: factor weights, and per client and factor the row of that level in the counts table.
    let factorWeights: [Int]
    let levelRowOf: [Int32]
    let levelRows: Int
    /// Minimisation: arm weights scaled to their least common multiple, and the threshold
    /// of the random element out of 1,000,000.
    let scale: [Int]
    let randomElement: Int

    public init(protocol p: TrialProtocol, inputs: [AllocationInput]) {
        count = inputs.count
        design = p.design.type
        let weights = p.arms.map(\.weight), total = weights.reduce(0, +)
        self.weights = weights
        totalWeight = total
        armOfDraw = weights.enumerated().flatMap { i, w in Array(repeating: Int8(i), count: w) }
        blockTemplates = p.design.blockSizes.map { size in
            weights.enumerated().flatMap { i, w in Array(repeating: Int8(i), count: w * size / total) }
        }
        func numbering(_ keys: [String]) -> (numbers: [Int32], distinct: Int) {
            var seen: [String: Int32] = [:]
            let numbers = keys.map { key in
                if let n = seen[key] { return n }
                let n = Int32(seen.count); seen[key] = n; return n
            }
            return (numbers, seen.count)
        }
        (stratumOf, strata) = numbering(inputs.map { AllocationEngine.stratumKey(p.design, $0.factors) })
        (clusterOf, clusters) = p.design.type == .cluster ? numbering(inputs.map { $0.cluster ?? "" }) : ([], 0)
        factorWeights = p.design.factors.map(\.weight)
        if p.design.type == .minimisation {
            let keys = inputs.flatMap { input in p.design.factors.map { "\($0.name)\u{1F}\(input.factors[$0.name] ?? "")" } }
            (levelRowOf, levelRows) = numbering(keys)
        } else {
            (levelRowOf, levelRows) = ([], 0)
        }
        // Only minimisation compares scaled counts (and the protocol checker bounds the multiple there).
        let lcm = p.design.type == .minimisation ? leastCommonMultiple(weights) : 1
        scale = weights.map { lcm / $0 }
        randomElement = Int((p.design.randomElement ?? 1) * 1_000_000 + 0.5)
    }

    /// One re-run of the whole sequence: each client's arm position, in enrolment order.
    public func run(_ random: inout ReplayRandomness, into arms: UnsafeMutableBufferPointer<Int8>) {
        precondition(arms.count == count)
        switch design {
        case .simple:
            for i in 0..<count { arms[i] = weighted(&random) }
        case .permutedBlocks, .stratifiedBlocks:
            let blocks = BlockStreams(self)
            for i in 0..<count { arms[i] = blocks.next(Int(stratumOf[i]), &random) }
        case .cluster:
            let blocks = BlockStreams(self)
            var armOfCluster = [Int8](repeating: -1, count: clusters)
            for i in 0..<count {
                let c = Int(clusterOf[i])
                if armOfCluster[c] < 0 {
                    armOfCluster[c] = blockTemplates.isEmpty ? weighted(&random) : blocks.next(Int(stratumOf[i]), &random)
                }
                arms[i] = armOfCluster[c]
            }
        case .minimisation:
            minimise(&random, into: arms)
        }
    }

    @inline(__always)
    func weighted(_ random: inout ReplayRandomness) -> Int8 { armOfDraw[random.uniform(totalWeight)] }

    /// The current permuted block of every stratum, as `AllocationEngine.blockDraw` keeps
    /// them. One re-run starts a block every few clients, so blocks live in one flat buffer (a
    /// slot of the largest block size per stratum) and starting one allocates nothing.
    struct BlockStreams: ~Copyable {
        /// The templates side by side, and where each starts (one more entry marks the end).
        let templates: UnsafeMutableBufferPointer<Int8>
        let templateStart: UnsafeMutableBufferPointer<Int>
        let slot: Int
        let arms: UnsafeMutableBufferPointer<Int8>
        /// Per stratum: the length of the current block (0 before the first) and the next position in it.
        let length: UnsafeMutableBufferPointer<Int>
        let position: UnsafeMutableBufferPointer<Int>

        init(_ replay: AllocationReplay) {
            templates = .allocate(capacity: replay.blockTemplates.reduce(0) { $0 + $1.count })
            _ = templates.initialize(from: replay.blockTemplates.joined())
            templateStart = .allocate(capacity: replay.blockTemplates.count + 1)
            var start = 0
            for (k, t) in replay.blockTemplates.enumerated() { templateStart[k] = start; start += t.count }
            templateStart[replay.blockTemplates.count] = start
            slot = replay.blockTemplates.map(\.count).max() ?? 0
            arms = .allocate(capacity: replay.strata * slot)
            arms.initialize(repeating: 0)
            length = .allocate(capacity: replay.strata)
            length.initialize(repeating: 0)
            position = .allocate(capacity: replay.strata)
            position.initialize(repeating: 0)
        }

        deinit {
            for buffer in [templateStart, length, position] { buffer.deallocate() }
            templates.deallocate(); arms.deallocate()
        }

        func next(_ stratum: Int, _ random: inout ReplayRandomness) -> Int8 {
            let base = stratum * slot
            if position[stratum] >= length[stratum] {
                let k = random.uniform(templateStart.count - 1)
                let start = templateStart[k], count = templateStart[k + 1] - start
                for j in 0..<count { arms[base + j] = templates[start + j] }
                var i = count - 1
                while i >= 1 {
                    arms.swapAt(base + i, base + random.uniform(i + 1))
                    i -= 1
                }
                length[stratum] = count
                position[stratum] = 0
            }
            defer { position[stratum] += 1 }
            return arms[base + position[stratum]]
        }
    }

    /// Pocock–Simon as `AllocationEngine.minimise`: range of weight-scaled counts, summed over
    /// factors by weight; ties over all arms go by the weights, otherwise the best arm with the
    /// random element's probability and another arm else.
    func minimise(_ random: inout ReplayRandomness, into arms: UnsafeMutableBufferPointer<Int8>) {
        let k = weights.count, factors = factorWeights.count
        var counts = [Int](repeating: 0, count: levelRows * k)
        var scores = [Int](repeating: 0, count: k)
        var minimal: [Int] = [], others: [Int] = []
        for i in 0..<count {
            for j in 0..<k { scores[j] = 0 }
            for f in 0..<factors {
                let row = Int(levelRowOf[i * factors + f]) * k
                for j in 0..<k {
                    var lo = Int.max, hi = Int.min
                    for a in 0..<k {
                        let v = (counts[row + a] + (a == j ? 1 : 0)) * scale[a]
                        lo = min(lo, v); hi = max(hi, v)
                    }
                    scores[j] += factorWeights[f] * (hi - lo)
                }
            }
            let best = scores.min() ?? 0
            minimal.removeAll(keepingCapacity: true); others.removeAll(keepingCapacity: true)
            for j in 0..<k { if scores[j] == best { minimal.append(j) } else { others.append(j) } }
            let chosen: Int
            if others.isEmpty {
                chosen = Int(weighted(&random))
            } else if random.uniform(1_000_000) < randomElement {
                chosen = minimal[random.uniform(minimal.count)]
            } else {
                chosen = others[random.uniform(others.count)]
            }
            for f in 0..<factors { counts[Int(levelRowOf[i * factors + f]) * k + chosen] += 1 }
            arms[i] = Int8(chosen)
        }
    }
}
