/// The rules of a derived covariate: a categorical covariate whose bands over one typed numeric
/// covariate give every value of that covariate exactly one level.
extension ProtocolChecker {
    mutating func checkDerivation(_ d: TrialProtocol.Derivation, of c: TrialProtocol.Covariate, path: String) {
        let from = "\(path).from"
        guard c.type == .categorical else {
            report(path, .derivedNotCategorical, ["covariate": c.name, "type": c.type.rawValue], "a derived covariate is categorical, with a level per band; '\(c.name)' is \(c.type.rawValue)")
            return
        }
        guard let source = covariate(d.from) else {
            report(from, .undeclaredCovariate, ["value": d.from], "'\(d.from)' is not a declared covariate")
            return
        }
        guard source.name != c.name else { return report(from, .derivedFromItself, "a covariate cannot be derived from itself") }
        guard source.derived == nil else { return report(from, .derivedFromDerived, ["from": d.from], "'\(d.from)' is derived itself; derive from the covariate that is typed") }
        guard source.type == .integer || source.type == .number else {
            return report(from, .derivedFromNonNumeric, ["from": d.from, "type": source.type.rawValue], "bands need a numeric covariate to derive from; '\(d.from)' is \(source.type.rawValue)")
        }
        if c.required && !source.required {
            report(from, .derivedFromOptional, ["covariate": c.name, "from": d.from], "'\(c.name)' is required, so '\(d.from)' must be required too: every value of '\(c.name)' comes from it")
        }
        checkBands(d, of: c, source: source, path: path)
    }

    /// Upper bounds that rise, the last band open or reaching the source's maximum, and no band
    /// outside the source's range: so the bands cover it without gaps or overlap.
    private mutating func checkBands(_ d: TrialProtocol.Derivation, of c: TrialProtocol.Covariate, source: TrialProtocol.Covariate, path: String) {
        for (j, band) in d.bands.enumerated() {
            let bandPath = "\(path).bands[\(j)]"
            let previous = j > 0 ? d.bands[j - 1].max : nil
            if !c.levels.contains(band.level) {
                report("\(bandPath).level", .notALevel, ["value": band.level, "covariate": c.name, "levels": c.levels.joined(separator: ", ")], "'\(band.level)' is not a level of '\(c.name)' (\(c.levels.joined(separator: ", ")))")
            } else if d.bands[..<j].contains(where: { $0.level == band.level }) {
                report("\(bandPath).level", .bandLevelRepeated, ["level": band.level], "level '\(band.level)' has a band already")
            }
            if let previous, let hi = source.max, previous >= hi {
                report(bandPath, .bandAboveSourceMax, ["level": band.level, "from": d.from, "sourceMax": Self.number(hi)], "band '\(band.level)' lies above the highest value of '\(d.from)' (\(Self.number(hi))), so it is never used")
            }
            guard let max = band.max else {
                if j < d.bands.count - 1 { report("\(bandPath).max", .bandOpenBeforeLast, ["level": band.level], "only the last band is open-ended; give band '\(band.level)' a max") }
                continue
            }
            if source.type == .integer && max != max.rounded() {
                report("\(bandPath).max", .bandMaxNotWhole, ["from": d.from, "max": Self.number(max)], "'\(d.from)' is a whole number, so a band ends at a whole number, not \(Self.number(max))")
            }
            if let previous, max <= previous {
                report("\(bandPath).max", .bandsNotIncreasing, ["max": Self.number(max), "previous": Self.number(previous)], "bands are listed from low to high: \(Self.number(max)) is not above the previous band's max \(Self.number(previous))")
            }
            if let lo = source.min, max < lo {
                report("\(bandPath).max", .bandBelowSourceMin, ["level": band.level, "max": Self.number(max), "from": d.from, "sourceMin": Self.number(lo)], "band '\(band.level)' ends at \(Self.number(max)), below the lowest value of '\(d.from)' (\(Self.number(lo))), so it is never used")
            }
            if j == d.bands.count - 1, source.max.map({ max < $0 }) ?? true {
                let message = "values of '\(d.from)' above \(Self.number(max)) fall in no band; leave max out of the last band"
                if let hi = source.max {
                    report("\(bandPath).max", .lastBandBelowSourceMax, ["from": d.from, "max": Self.number(max), "sourceMax": Self.number(hi)],
                           message + " or make it at least \(Self.number(hi))")
                } else {
                    report("\(bandPath).max", .lastBandClosed, ["from": d.from, "max": Self.number(max)], message)
                }
            }
        }
        for level in c.levels where !d.bands.contains(where: { $0.level == level }) {
            report("\(path).bands", .levelWithoutBand, ["level": level, "covariate": c.name], "level '\(level)' of '\(c.name)' has no band")
        }
    }

    /// 26 rather than 26.0, as the protocol writes it.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
