/// The semantic rules of a protocol: rules that relate fields to each other (ids unique,
/// rules naming declared covariates, waves within follow-up, design parameters consistent).
struct ProtocolChecker {
    let p: TrialProtocol
    let reader: YAMLFieldReader
    private(set) var issues: [ProtocolIssue] = []

    init(protocol: TrialProtocol, reader: YAMLFieldReader) {
        self.p = `protocol`
        self.reader = reader
    }

    mutating func report(_ path: String, _ code: ProtocolIssue.Code, _ message: String) { report(path, code, [:], message) }

    mutating func report(_ path: String, _ code: ProtocolIssue.Code, _ values: [String: String], _ message: String) {
        let mark = reader.marks[path] ?? reader.nearestMark(path)
        issues.append(ProtocolIssue(line: mark?.line, column: mark?.column, field: path, code: code, values: values, message: message))
    }

    /// Stratum and minimisation factor names that are not covariates.
    static let builtInFactors: Set<String> = ["municipality"]

    mutating func check() {
        checkHeader()
        checkArms()
        checkCovariates()
        checkDesign()
        checkEligibility()
        checkOutcomes()
        checkAnalysis()
        checkLabels()
    }

    private mutating func checkHeader() {
        if !ProtocolParser.supportedFormats.contains(p.format) {
            report("format", .formatUnsupported, ["format": String(p.format), "supported": ProtocolParser.supportedFormats.map(String.init).joined(separator: " and "), "current": String(ProtocolParser.currentFormat)], "format \(p.format) is not supported; this release reads formats \(ProtocolParser.supportedFormats.map(String.init).joined(separator: " and "))")
        } else if p.format < 2 && p.usesFormat2 {
            report("format", .format2Needed, "labels, consent texts and derived covariates are format 2; write 'format: 2'")
        }
        if !Identifier.isSlug(p.id) { report("id", .invalidTrialID, ["value": p.id], "'\(p.id)' is not a valid id: use 1-64 lower-case letters, digits and '-'") }
        for (i, code) in p.municipalities.enumerated() where !Municipality.isValidCode(code) {
            report("municipalities[\(i)]", .invalidMunicipalityCode, ["value": code], "'\(code)' is not a CBS municipality code (GM followed by four digits)")
        }
        for (i, code) in p.municipalities.enumerated() where p.municipalities[..<i].contains(code) {
            report("municipalities[\(i)]", .listedTwice, ["value": code], "'\(code)' is listed twice")
        }
        let d = p.dates
        if d.enrolmentStart < d.registered { report("dates.enrolment_start", .enrolmentBeforeRegistration, ["start": "\(d.enrolmentStart)", "registered": "\(d.registered)"], "enrolment starts (\(d.enrolmentStart)) before the trial is registered (\(d.registered))") }
        if d.enrolmentEnd < d.enrolmentStart { report("dates.enrolment_end", .enrolmentEndsBeforeStart, ["end": "\(d.enrolmentEnd)", "start": "\(d.enrolmentStart)"], "enrolment ends (\(d.enrolmentEnd)) before it starts (\(d.enrolmentStart))") }
        if d.followUpEnd < d.enrolmentEnd { report("dates.follow_up_end", .followUpEndsBeforeEnrolmentEnds, ["followUpEnd": "\(d.followUpEnd)", "end": "\(d.enrolmentEnd)"], "follow-up ends (\(d.followUpEnd)) before enrolment ends (\(d.enrolmentEnd))") }
        let lastFinalWave = d.enrolmentEnd.adding(months: p.followUpMonths)
        if d.followUpEnd < lastFinalWave {
            report("dates.follow_up_end", .followUpTooShort, ["followUpEnd": "\(d.followUpEnd)", "end": "\(d.enrolmentEnd)", "months": String(p.followUpMonths), "lastWave": "\(lastFinalWave)"], "follow-up ends (\(d.followUpEnd)) before the last client enrolled (\(d.enrolmentEnd)) completes \(p.followUpMonths) months (\(lastFinalWave))")
        }
        if p.targetSampleSize < 2 { report("target_sample_size", .targetSampleTooSmall, ["value": String(p.targetSampleSize)], "must be at least 2, not \(p.targetSampleSize)") }
        if p.followUpMonths < 0 || p.followUpMonths > 240 { report("follow_up_months", .followUpMonthsOutOfRange, ["value": String(p.followUpMonths)], "must be between 0 and 240 months, not \(p.followUpMonths)") }
        if !AllocationVersion.supported.contains(p.allocationVersion) {
            report("allocation_version", .allocationVersionUnknown, ["version": String(p.allocationVersion), "known": "\(AllocationVersion.supported)", "current": String(AllocationVersion.current)], "allocation algorithm version \(p.allocationVersion) is not known to this release (known: \(AllocationVersion.supported))")
        }
        for (i, other) in p.conflictsWith.enumerated() {
            if !Identifier.isSlug(other) { report("conflicts_with[\(i)]", .invalidConflictID, ["value": other], "'\(other)' is not a valid trial id") }
            if other == p.id { report("conflicts_with[\(i)]", .conflictsWithItself, "a trial cannot conflict with itself") }
            if p.conflictsWith[..<i].contains(other) { report("conflicts_with[\(i)]", .listedTwice, ["value": other], "'\(other)' is listed twice") }
        }
    }

    private mutating func checkArms() {
        if p.arms.count < 2 { report("arms", .tooFewArms, ["count": String(p.arms.count)], "a trial needs at least two arms, found \(p.arms.count)") }
        if p.arms.count > 20 { report("arms", .tooManyArms, ["count": String(p.arms.count)], "a trial has at most 20 arms, found \(p.arms.count)") }
        for (i, arm) in p.arms.enumerated() {
            if !Identifier.isSlug(arm.id) { report("arms[\(i)].id", .invalidArmID, ["value": arm.id], "'\(arm.id)' is not a valid id: use lower-case letters, digits and '-'") }
            if p.arms[..<i].contains(where: { $0.id == arm.id }) { report("arms[\(i)].id", .duplicateArmID, ["value": arm.id], "duplicate arm id '\(arm.id)'") }
            if arm.weight <= 0 { report("arms[\(i)].weight", .armWeightNotPositive, ["weight": String(arm.weight)], "allocation weight must be a positive whole number, not \(arm.weight)") }
            // Weights are ratios such as 2:1:1; blocks hold a multiple of their sum, so they stay small.
            if arm.weight > 100 { report("arms[\(i)].weight", .armWeightTooLarge, ["weight": String(arm.weight)], "allocation weight must be at most 100, not \(arm.weight); write 2:1 rather than 200:100") }
        }
        let controls = p.arms.filter(\.control).count
        if controls != 1 && p.arms.count >= 2 { report("arms", .controlArmCount, ["count": String(controls)], "exactly one arm must be marked 'control: true', found \(controls)") }
    }

    private mutating func checkCovariates() {
        for (i, c) in p.covariates.enumerated() {
            let path = "covariates[\(i)]"
            if !Identifier.isVariableName(c.name) { report("\(path).name", .invalidCovariateName, ["value": c.name], "'\(c.name)' is not a valid name: start with a letter, then letters, digits or '_'") }
            if Self.builtInFactors.contains(c.name) { report("\(path).name", .reservedCovariateName, ["value": c.name], "'\(c.name)' is reserved: the enrolling municipality is recorded already") }
            if p.covariates[..<i].contains(where: { $0.name == c.name }) { report("\(path).name", .duplicateCovariate, ["value": c.name], "duplicate covariate '\(c.name)'") }
            switch c.type {
            case .categorical:
                if c.levels.count < 2 { report("\(path).levels", .tooFewLevels, "a categorical covariate needs at least two levels") }
                for (j, level) in c.levels.enumerated() where c.levels[..<j].contains(level) {
                    report("\(path).levels[\(j)]", .duplicateLevel, ["value": level], "duplicate level '\(level)'")
                }
                // Stratum keys are written name=value;name=value, so these characters would make them ambiguous.
                for (j, level) in c.levels.enumerated() where level.contains(";") || level.contains("=") {
                    report("\(path).levels[\(j)]", .levelWithSeparator, ["value": level], "a level may not contain ';' or '='")
                }
            default:
                if !c.levels.isEmpty { report("\(path).levels", .levelsNotCategorical, ["type": c.type.rawValue], "levels are only for categorical covariates, not \(c.type.rawValue)") }
            }
            if c.min != nil || c.max != nil, c.type != .integer && c.type != .number {
                report("\(path).min", .rangeNotNumeric, ["type": c.type.rawValue], "a range is only for integer and number covariates, not \(c.type.rawValue)")
            }
            if let lo = c.min, let hi = c.max, lo > hi { report("\(path).max", .maxBelowMin, ["min": "\(lo)", "max": "\(hi)"], "max (\(hi)) is below min (\(lo))") }
            if let d = c.derived { checkDerivation(d, of: c, path: "\(path).derived") }
        }
    }

    func covariate(_ name: String) -> TrialProtocol.Covariate? { p.covariates.first { $0.name == name } }

    /// What a factor is to the design; each role words its problems in its own terms.
    private enum FactorRole: String {
        case stratum, factor
        var undeclared: ProtocolIssue.Code { self == .stratum ? .stratumUndeclared : .factorUndeclared }
        var notCategorical: ProtocolIssue.Code { self == .stratum ? .stratumNotCategorical : .factorNotCategorical }
        var optional: ProtocolIssue.Code { self == .stratum ? .stratumOptional : .factorOptional }
    }

    /// A stratum or minimisation factor must take a fixed, known set of values at enrolment.
    private mutating func checkFactor(_ name: String, path: String, role: FactorRole) {
        if Self.builtInFactors.contains(name) { return }
        guard let c = covariate(name) else {
            report(path, role.undeclared, ["value": name], "\(role.rawValue) '\(name)' is not a declared covariate (nor 'municipality')")
            return
        }
        if c.type != .categorical && c.type != .boolean {
            report(path, role.notCategorical, ["value": name, "type": c.type.rawValue],
                   "\(role.rawValue) '\(name)' must be a categorical or boolean covariate, not \(c.type.rawValue)")
        }
        if !c.required { report(path, role.optional, ["value": name], "\(role.rawValue) '\(name)' must be a required covariate, so every client has a value") }
    }

    private mutating func checkDesign() {
        let d = p.design
        let total = p.totalWeight
        let usesBlocks: Bool
        switch d.type {
        case .simple: usesBlocks = false
        case .permutedBlocks, .stratifiedBlocks: usesBlocks = true
        case .minimisation: usesBlocks = false
        case .cluster: usesBlocks = !d.blockSizes.isEmpty
        }
        if usesBlocks {
            if d.blockSizes.isEmpty { report("design.block_sizes", .blockSizesMissing, ["design": d.type.rawValue], "the \(d.type.rawValue) design needs at least one block size") }
            for (i, size) in d.blockSizes.enumerated() {
                if size <= 0 || total <= 0 || size % total != 0 {
                    report("design.block_sizes[\(i)]", .blockSizeNotMultiple, ["size": String(size), "total": String(total)], "block size \(size) is not a positive multiple of the sum of the arm weights (\(total))")
                }
                if d.blockSizes[..<i].contains(size) { report("design.block_sizes[\(i)]", .blockSizeListedTwice, ["size": String(size)], "block size \(size) is listed twice") }
            }
        } else if !d.blockSizes.isEmpty {
            report("design.block_sizes", .blockSizesUnused, ["design": d.type.rawValue], "block sizes are not used by the \(d.type.rawValue) design")
        }
        switch d.type {
        case .stratifiedBlocks, .cluster:
            if d.type == .stratifiedBlocks && d.strata.isEmpty { report("design.strata", .strataMissing, "a stratified design names at least one stratum variable") }
        default:
            if !d.strata.isEmpty { report("design.strata", .strataUnused, ["design": d.type.rawValue], "strata are used by the stratified-blocks and cluster designs, not \(d.type.rawValue)") }
        }
        for (i, s) in d.strata.enumerated() {
            checkFactor(s, path: "design.strata[\(i)]", role: .stratum)
            if d.strata[..<i].contains(s) { report("design.strata[\(i)]", .listedTwice, ["value": s], "'\(s)' is listed twice") }
        }
        if d.type == .minimisation {
            if d.factors.isEmpty { report("design.factors", .factorsMissing, "minimisation needs at least one factor") }
            // Counts are compared scaled by the least common multiple of the arm weights, which must stay small.
            var lcm = 1
            for w in p.arms.map(\.weight) where w > 0 && w <= 100 && lcm <= 1_000_000 { lcm = lcm / gcd(lcm, w) * w }
            if lcm > 1_000_000 { report("arms", .weightsLCMTooLarge, "minimisation needs arm weights whose least common multiple is at most 1,000,000") }
            if let pr = d.randomElement {
                // At 1 the next arm is predictable (no concealment); at or below 1/arms it favours imbalance.
                let floor = 1.0 / Double(max(p.arms.count, 2))
                if !(pr > floor && pr < 1) {
                    report("design.random_element", .randomElementOutOfRange, ["floor": "\(floor)", "value": "\(pr)"], "must lie above \(floor) (1 / number of arms) and below 1, not \(pr)")
                }
            } else {
                report("design.random_element", .randomElementMissing, "minimisation needs a random element, e.g. 0.8")
            }
        } else {
            if !d.factors.isEmpty { report("design.factors", .factorsUnused, "factors are only used by minimisation") }
            if d.randomElement != nil { report("design.random_element", .randomElementUnused, "a random element is only used by minimisation") }
        }
        for (i, factor) in d.factors.enumerated() {
            checkFactor(factor.name, path: "design.factors[\(i)]", role: .factor)
            if factor.weight <= 0 || factor.weight > 100 { report("design.factors[\(i)].weight", .factorWeightOutOfRange, ["weight": String(factor.weight)], "factor weight must lie between 1 and 100, not \(factor.weight)") }
            if d.factors[..<i].contains(where: { $0.name == factor.name }) { report("design.factors[\(i)]", .listedTwice, ["value": factor.name], "'\(factor.name)' is listed twice") }
        }
        if d.type == .cluster && d.clusterUnit == nil { report("design.cluster_unit", .clusterUnitMissing, "a cluster design names its unit: caseworker, team or municipality") }
        if d.type != .cluster && d.clusterUnit != nil { report("design.cluster_unit", .clusterUnitUnused, "a cluster unit is only used by the cluster design") }
        if d.type == .cluster && d.clusterUnit == .municipality && d.strata.contains("municipality") {
            report("design.strata", .municipalityStrataInClusters, "cannot stratify by municipality when municipalities are the clusters")
        }
    }

    private mutating func checkEligibility() {
        for (i, rule) in p.eligibility.enumerated() {
            let path = "eligibility[\(i)]"
            if !Identifier.isSlug(rule.id) { report("\(path).id", .invalidRuleID, ["value": rule.id], "'\(rule.id)' is not a valid id") }
            if p.eligibility[..<i].contains(where: { $0.id == rule.id }) { report("\(path).id", .duplicateRuleID, ["value": rule.id], "duplicate rule id '\(rule.id)'") }
            guard let c = covariate(rule.covariate) else {
                report("\(path).covariate", .ruleUnknownCovariate, ["rule": rule.id, "covariate": rule.covariate], "rule '\(rule.id)' names an unknown covariate '\(rule.covariate)'")
                continue
            }
            if rule.min == nil && rule.max == nil && rule.oneOf.isEmpty {
                report(path, .ruleWithoutCondition, ["rule": rule.id], "rule '\(rule.id)' sets no condition: give min, max or one_of")
            }
            switch c.type {
            case .integer, .number:
                if !rule.oneOf.isEmpty { report("\(path).one_of", .oneOfNotCategorical, ["covariate": c.name, "type": c.type.rawValue], "one_of is for categorical and boolean covariates; '\(c.name)' is \(c.type.rawValue)") }
                if let lo = rule.min, let hi = rule.max, lo > hi { report("\(path).max", .maxBelowMin, ["min": "\(lo)", "max": "\(hi)"], "max (\(hi)) is below min (\(lo))") }
            case .categorical, .boolean:
                if rule.min != nil || rule.max != nil { report("\(path).min", .rangeOnCategoricalRule, ["covariate": c.name, "type": c.type.rawValue], "min and max are for numeric covariates; '\(c.name)' is \(c.type.rawValue)") }
                let allowed = c.type == .boolean ? ["true", "false"] : c.levels
                for (j, v) in rule.oneOf.enumerated() where !allowed.contains(v) {
                    report("\(path).one_of[\(j)]", .notALevel, ["value": v, "covariate": c.name, "levels": allowed.joined(separator: ", ")], "'\(v)' is not a level of '\(c.name)' (\(allowed.joined(separator: ", ")))")
                }
            case .date:
                report("\(path).covariate", .ruleOnDate, "eligibility rules over date covariates are not supported; derive a numeric covariate (e.g. months on benefit)")
            }
        }
    }

    private mutating func checkOutcomes() {
        if !p.outcomes.contains(where: { $0.role == .primary }) { report("outcomes", .noPrimaryOutcome, "at least one outcome must be primary") }
        for (i, o) in p.outcomes.enumerated() {
            let path = "outcomes[\(i)]"
            if !Identifier.isVariableName(o.id) { report("\(path).id", .invalidOutcomeID, ["value": o.id], "'\(o.id)' is not a valid id: start with a letter, then letters, digits or '_'") }
            if p.outcomes[..<i].contains(where: { $0.id == o.id }) { report("\(path).id", .duplicateOutcomeID, ["value": o.id], "duplicate outcome id '\(o.id)'") }
            if p.covariates.contains(where: { $0.name == o.id }) { report("\(path).id", .outcomeIsCovariate, ["value": o.id], "'\(o.id)' is also a covariate name") }
            if o.type == .binary || o.type == .timeToEvent, o.min != nil || o.max != nil {
                report("\(path).min", .outcomeRangeNotAllowed, ["type": o.type.rawValue], "a \(o.type.rawValue) outcome has no range")
            }
            if o.type == .count, let lo = o.min, lo < 0 { report("\(path).min", .countBelowZero, "a count cannot go below 0") }
            if let lo = o.min, let hi = o.max, lo > hi { report("\(path).max", .maxBelowMin, ["min": "\(lo)", "max": "\(hi)"], "max (\(hi)) is below min (\(lo))") }
            for (j, w) in o.waves.enumerated() {
                if w < 0 || w > p.followUpMonths {
                    report("\(path).waves[\(j)]", .waveOutsideFollowUp, ["wave": String(w), "months": String(p.followUpMonths)], "wave at month \(w) lies outside the trial's follow-up of 0 to \(p.followUpMonths) months")
                }
                if j > 0 && w <= o.waves[j - 1] { report("\(path).waves[\(j)]", .wavesNotIncreasing, "waves must be listed in increasing order without repeats") }
            }
            if o.window.daysBefore < 0 { report("\(path).window.days_before", .windowNegative, "must not be negative") }
            if o.window.daysAfter < 0 { report("\(path).window.days_after", .windowNegative, "must not be negative") }
        }
    }

    private mutating func checkAnalysis() {
        let a = p.analysis
        if !(a.alpha > 0 && a.alpha < 0.5) { report("analysis.alpha", .alphaOutOfRange, ["value": "\(a.alpha)"], "must lie between 0 and 0.5, not \(a.alpha)") }
        for (i, name) in a.covariates.enumerated() {
            guard let c = covariate(name) else {
                report("analysis.covariates[\(i)]", .undeclaredCovariate, ["value": name], "'\(name)' is not a declared covariate")
                continue
            }
            if a.covariates[..<i].contains(name) { report("analysis.covariates[\(i)]", .listedTwice, ["value": name], "'\(name)' is listed twice") }
            if !c.required { report("analysis.covariates[\(i)]", .adjustingCovariateOptional, ["value": name], "'\(name)' must be a required covariate, so no client lacks a value to adjust for") }
            if c.type == .date { report("analysis.covariates[\(i)]", .adjustingCovariateDate, ["value": name], "date covariate '\(name)' cannot adjust an estimate") }
        }
        switch a.estimator {
        case .lin where a.covariates.isEmpty:
            report("analysis.covariates", .linWithoutCovariates, "Lin's estimator adjusts for baseline covariates; name at least one")
        case .cr2 where p.design.type != .cluster:
            report("analysis.estimator", .cr2WithoutClusters, ["design": p.design.type.rawValue], "CR2 standard errors are for cluster designs; this design is \(p.design.type.rawValue)")
        case .blocked where p.design.type != .stratifiedBlocks && p.design.type != .minimisation && p.design.strata.isEmpty:
            report("analysis.estimator", .blockedWithoutStrata, "the blocked estimator needs strata; this design has none")
        case .riskDifference where !p.outcomes.contains(where: { $0.role == .primary && $0.type == .binary }):
            report("analysis.estimator", .riskDifferenceNeedsBinary, "risk-difference needs a binary primary outcome")
        case .coxPH where !p.outcomes.contains(where: { $0.role == .primary && $0.type == .timeToEvent }):
            report("analysis.estimator", .coxNeedsTimeToEvent, "cox-ph needs a time-to-event primary outcome")
        default: break
        }
        if p.design.type == .cluster && a.estimator != .cr2 {
            report("analysis.estimator", .clusterNeedsCR2, ["estimator": a.estimator.rawValue], "a cluster design is analysed with cr2 standard errors, not \(a.estimator.rawValue)")
        }
    }
}
