import Yams

/// The structural half of protocol parsing: every field, its type and the set of allowed keys.
/// Semantic rules that span fields live in `ProtocolChecker`.
enum ProtocolReader {
    static func read(_ root: Node, into r: inout YAMLFieldReader) -> TrialProtocol? {
        guard let f = r.mapping(root, path: "", known: [
            "format", "id", "title", "programme", "sponsor", "contact", "summary", "municipalities", "dates",
            "target_sample_size", "follow_up_months", "allocation_version", "arms", "design", "covariates",
            "eligibility", "outcomes", "analysis", "conflicts_with", "labels", "consent",
        ]) else { return nil }

        let format = r.int(f, "format")
        let id = r.string(f, "id")
        let title = r.string(f, "title")
        let programme = r.string(f, "programme", required: false)
        let sponsor = r.string(f, "sponsor")
        let contact = r.string(f, "contact", required: false)
        let summary = r.string(f, "summary", required: false)
        let municipalities = r.strings(f, "municipalities", required: true)
        let dates = r.require(f, "dates").flatMap { readDates($0, path: f.child("dates"), &r) }
        let target = r.int(f, "target_sample_size")
        let followUp = r.int(f, "follow_up_months")
        let allocationVersion = r.int(f, "allocation_version", required: false) ?? AllocationVersion.current
        let arms = r.sequence(f, "arms", required: true).compactMap { readArm($0.node, path: $0.path, &r) }
        let design = r.require(f, "design").flatMap { readDesign($0, path: f.child("design"), &r) }
        let covariates = r.sequence(f, "covariates").compactMap { readCovariate($0.node, path: $0.path, &r) }
        let eligibility = r.sequence(f, "eligibility").compactMap { readRule($0.node, path: $0.path, &r) }
        let outcomes = r.sequence(f, "outcomes", required: true).compactMap { readOutcome($0.node, path: $0.path, &r) }
        let analysis = r.require(f, "analysis").flatMap { readAnalysis($0, path: f.child("analysis"), &r) }
        let conflicts = r.strings(f, "conflicts_with")
        let labels = r.keyedMapping(f, "labels") { node, path, r -> TrialProtocol.TitleLabel? in
            guard let l = r.mapping(node, path: path, known: ["title", "summary"]) else { return nil }
            let title = r.string(l, "title"), summary = r.string(l, "summary", required: false)
            return title.map { .init(title: $0, summary: summary) }
        }
        let consent = r.keyedMapping(f, "consent") { node, path, r in r.scalarString(node, path: path) }

        guard r.issues.isEmpty, let format, let id, let title, let sponsor, let dates, let target, let followUp,
              let design, let analysis else { return nil }
        return TrialProtocol(
            format: format, id: id, title: title, labels: labels, programme: programme, sponsor: sponsor, contact: contact,
            summary: summary, municipalities: municipalities, dates: dates, targetSampleSize: target,
            followUpMonths: followUp, allocationVersion: allocationVersion, arms: arms, design: design,
            covariates: covariates, eligibility: eligibility, outcomes: outcomes, analysis: analysis,
            conflictsWith: conflicts, consent: consent)
    }

    static func readDates(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Dates? {
        guard let f = r.mapping(node, path: path, known: ["registered", "enrolment_start", "enrolment_end", "follow_up_end"]) else { return nil }
        let registered = r.date(f, "registered"), start = r.date(f, "enrolment_start")
        let end = r.date(f, "enrolment_end"), followUpEnd = r.date(f, "follow_up_end")
        guard let registered, let start, let end, let followUpEnd else { return nil }
        return .init(registered: registered, enrolmentStart: start, enrolmentEnd: end, followUpEnd: followUpEnd)
    }

    static func readArm(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Arm? {
        guard let f = r.mapping(node, path: path, known: ["id", "name", "description", "weight", "control", "labels"]) else { return nil }
        let id = r.string(f, "id"), name = r.string(f, "name")
        let description = r.string(f, "description", required: false)
        let weight = r.int(f, "weight", required: false) ?? 1
        let control = r.bool(f, "control", default: false)
        let labels = r.keyedMapping(f, "labels") { node, path, r -> TrialProtocol.ArmLabel? in
            guard let l = r.mapping(node, path: path, known: ["name", "description"]) else { return nil }
            let name = r.string(l, "name"), description = r.string(l, "description", required: false)
            return name.map { .init(name: $0, description: description) }
        }
        guard let id, let name else { return nil }
        return .init(id: id, name: name, description: description, weight: weight, control: control, labels: labels)
    }

    static func readDesign(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Design? {
        guard let f = r.mapping(node, path: path, known: ["type", "block_sizes", "strata", "factors", "random_element", "cluster_unit"]) else { return nil }
        let type: TrialProtocol.DesignType? = r.enumeration(f, "type")
        let blockSizes = r.integers(f, "block_sizes")
        let strata = r.strings(f, "strata")
        let factors = r.sequence(f, "factors").compactMap { readFactor($0.node, path: $0.path, &r) }
        let randomElement = r.double(f, "random_element", required: false)
        let clusterUnit: TrialProtocol.ClusterUnit? = f.values["cluster_unit"].map(YAMLFieldReader.isNull) ?? true ? nil : r.enumeration(f, "cluster_unit")
        guard let type else { return nil }
        return .init(type: type, blockSizes: blockSizes, strata: strata, factors: factors, randomElement: randomElement, clusterUnit: clusterUnit)
    }

    static func readFactor(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.MinimisationFactor? {
        // A bare name is a factor of weight 1.
        if case .scalar = node { return r.scalarString(node, path: path).map { .init(name: $0, weight: 1) } }
        guard let f = r.mapping(node, path: path, known: ["name", "weight"]) else { return nil }
        let name = r.string(f, "name"), weight = r.int(f, "weight", required: false) ?? 1
        guard let name else { return nil }
        return .init(name: name, weight: weight)
    }

    static func readCovariate(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Covariate? {
        guard let f = r.mapping(node, path: path, known: ["name", "label", "type", "levels", "min", "max", "unit", "required", "derived", "labels"]) else { return nil }
        let name = r.string(f, "name"), label = r.string(f, "label", required: false)
        let type: TrialProtocol.CovariateType? = r.enumeration(f, "type")
        let levels = r.strings(f, "levels")
        let min = r.double(f, "min", required: false), max = r.double(f, "max", required: false)
        let unit = r.string(f, "unit", required: false)
        let required = r.bool(f, "required", default: true)
        let derived = f.values["derived"].flatMap { YAMLFieldReader.isNull($0) ? nil : readDerivation($0, path: f.child("derived"), &r) }
        let labels = r.keyedMapping(f, "labels") { node, path, r -> TrialProtocol.CovariateLabel? in
            guard let l = r.mapping(node, path: path, known: ["label", "unit", "levels"]) else { return nil }
            let label = r.string(l, "label"), unit = r.string(l, "unit", required: false)
            let levels = r.keyedMapping(l, "levels") { node, path, r in r.scalarString(node, path: path) }
            return label.map { .init(label: $0, unit: unit, levels: levels) }
        }
        guard let name, let type else { return nil }
        return .init(name: name, label: label, type: type, levels: levels, min: min, max: max, unit: unit, required: required,
                     derived: derived, labels: labels)
    }

    static func readDerivation(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Derivation? {
        guard let f = r.mapping(node, path: path, known: ["from", "bands"]) else { return nil }
        let from = r.string(f, "from")
        let bands = r.sequence(f, "bands", required: true).compactMap { item -> TrialProtocol.Derivation.Band? in
            guard let b = r.mapping(item.node, path: item.path, known: ["level", "max"]) else { return nil }
            let level = r.string(b, "level"), max = r.double(b, "max", required: false)
            return level.map { .init(level: $0, max: max) }
        }
        guard let from else { return nil }
        return .init(from: from, bands: bands)
    }

    static func readRule(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.EligibilityRule? {
        guard let f = r.mapping(node, path: path, known: ["id", "description", "covariate", "min", "max", "one_of", "labels"]) else { return nil }
        let id = r.string(f, "id"), description = r.string(f, "description", required: false)
        let covariate = r.string(f, "covariate")
        let min = r.double(f, "min", required: false), max = r.double(f, "max", required: false)
        let oneOf = r.strings(f, "one_of")
        let labels = r.keyedMapping(f, "labels") { node, path, r in
            r.mapping(node, path: path, known: ["description"]).flatMap { r.string($0, "description") }.map(TrialProtocol.RuleLabel.init)
        }
        guard let id, let covariate else { return nil }
        return .init(id: id, description: description, covariate: covariate, min: min, max: max, oneOf: oneOf, labels: labels)
    }

    static func readOutcome(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Outcome? {
        guard let f = r.mapping(node, path: path, known: ["id", "label", "type", "role", "source", "unit", "min", "max", "waves", "window", "labels"]) else { return nil }
        let id = r.string(f, "id"), label = r.string(f, "label")
        let type: TrialProtocol.OutcomeType? = r.enumeration(f, "type")
        let role: TrialProtocol.OutcomeRole? = r.enumeration(f, "role")
        let source: TrialProtocol.OutcomeSource? = r.enumeration(f, "source", default: .administrative)
        let unit = r.string(f, "unit", required: false)
        let min = r.double(f, "min", required: false), max = r.double(f, "max", required: false)
        let waves = r.integers(f, "waves", required: true)
        let window = f.values["window"].flatMap { readWindow($0, path: f.child("window"), &r) } ?? .init(daysBefore: 30, daysAfter: 60)
        let labels = r.keyedMapping(f, "labels") { node, path, r -> TrialProtocol.OutcomeLabel? in
            guard let l = r.mapping(node, path: path, known: ["label", "unit"]) else { return nil }
            let label = r.string(l, "label"), unit = r.string(l, "unit", required: false)
            return label.map { .init(label: $0, unit: unit) }
        }
        guard let id, let label, let type, let role, let source else { return nil }
        return .init(id: id, label: label, type: type, role: role, source: source, unit: unit, min: min, max: max, waves: waves,
                     window: window, labels: labels)
    }

    static func readWindow(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.Window? {
        guard let f = r.mapping(node, path: path, known: ["days_before", "days_after"]) else { return nil }
        let before = r.int(f, "days_before"), after = r.int(f, "days_after")
        guard let before, let after else { return nil }
        return .init(daysBefore: before, daysAfter: after)
    }

    static func readAnalysis(_ node: Node, path: String, _ r: inout YAMLFieldReader) -> TrialProtocol.AnalysisPlan? {
        guard let f = r.mapping(node, path: path, known: ["estimand", "estimator", "covariates", "alpha", "multiplicity", "randomisation_inference"]) else { return nil }
        let estimand: TrialProtocol.Estimand? = r.enumeration(f, "estimand", default: .itt)
        let estimator: TrialProtocol.Estimator? = r.enumeration(f, "estimator")
        let covariates = r.strings(f, "covariates")
        let alpha = r.double(f, "alpha", required: false) ?? 0.05
        let multiplicity: TrialProtocol.Multiplicity? = r.enumeration(f, "multiplicity", default: TrialProtocol.Multiplicity.none)
        let ri = r.bool(f, "randomisation_inference", default: false)
        guard let estimand, let estimator, let multiplicity else { return nil }
        return .init(estimand: estimand, estimator: estimator, covariates: covariates, alpha: alpha, multiplicity: multiplicity, randomisationInference: ri)
    }
}
