extension TrialProtocol {
    /// A categorical covariate computed from a numeric one by bands (`age_band` from `age`), so
    /// that it is never typed twice and can never contradict its source.
    public struct Derivation: Sendable, Codable, Equatable {
        /// The numeric covariate the value is computed from.
        public var from: String
        /// In increasing order; together they cover the source's whole range (checked at registration).
        public var bands: [Band]

        /// The values up to and including `max`, above the previous band's `max`; the last band
        /// has no `max` and takes every value above.
        public struct Band: Sendable, Codable, Equatable {
            public var level: String
            public var max: Double?
        }

        /// The level of the first band that reaches `value`.
        public func level(for value: Double) -> String? {
            bands.first { band in band.max.map { value <= $0 } ?? true }?.level
        }
    }
}
