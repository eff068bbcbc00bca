import ProefCore
import ProefWording

/// A protocol in words, for the protocol page: every design choice, rule, covariate and
/// outcome said the way a programme manager or a council member reads it.
struct ProtocolWords: Sendable {
    let protocol_: TrialProtocol
    let wording: Wording

    var t: Catalogue { wording.t }
    var l: Language { wording.language }

    func data() -> [String: Any] {
        let p = protocol_
        let fields = CovariateFields(protocol_: p, wording: wording)
        var d: [String: Any] = [
            "summary": p.summary ?? "", "sponsor": p.sponsor,
            "municipalitiesText": wording.municipalities(p.municipalities),
            "datesText": t.format("describe.dates", ["registered": wording.date(p.dates.registered), "start": wording.date(p.dates.enrolmentStart),
                                                     "end": wording.date(p.dates.enrolmentEnd), "followUpEnd": wording.date(p.dates.followUpEnd)]),
            "targetText": t.format("describe.target", ["count": l.integer(p.targetSampleSize)]),
            "followUpText": t.format("describe.followUp", ["months": String(p.followUpMonths)]),
            "arms": p.arms.map { a -> [String: Any] in
                ["name": wording.arm(a), "description": wording.armDescription(a) ?? "",
                 "ratioText": t.format("describe.ratio", ["weight": String(a.weight), "total": String(p.totalWeight)]), "isControl": a.control]
            },
            "designText": design(),
            "eligibility": p.eligibility.map { ["text": fields.rule($0)] },
            "covariates": p.covariates.map { c -> [String: Any] in
                ["label": fields.label(c), "name": c.name, "typeText": t.text("covariateType.\(c.type.rawValue)"),
                 "valuesText": values(c, fields), "requiredText": t.text(c.required ? "common.required" : "common.notRequired")]
            },
            "outcomes": p.outcomes.map { o -> [String: Any] in
                ["label": wording.outcome(o), "id": o.id, "roleLabel": t.text("outcomeRole.\(o.role.rawValue)"),
                 "typeText": t.text("outcomeType.\(OutcomeField.typeKey(o))"), "sourceText": t.text("outcomeSource.\(o.source.rawValue)"),
                 "wavesText": list(o.waves.map { $0 == 0 ? t.text("describe.baseline") : t.format("describe.wave", ["months": String($0)]) }),
                 "windowText": t.format("describe.window", ["before": String(o.window.daysBefore), "after": String(o.window.daysAfter)])]
            },
            "analysis": analysis(),
        ]
        if let programme = p.programme { d["programme"] = programme }
        if let contact = p.contact { d["contact"] = contact }
        if !p.conflictsWith.isEmpty { d["conflictsText"] = p.conflictsWith.joined(separator: ", ") }
        return d
    }

    func list(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return t.format("describe.list", ["items": items.dropLast().joined(separator: ", "), "last": last])
    }

    private func values(_ c: TrialProtocol.Covariate, _ fields: CovariateFields) -> String {
        switch c.type {
        case .categorical:
            let levels = list(c.levels.map { fields.levelLabel(c, $0) })
            guard let d = c.derived else { return levels }
            let source = protocol_.covariates.first { $0.name == d.from }.map(fields.label) ?? d.from
            return levels + ". " + t.format("enrol.derivedFrom", ["source": source])
        case .boolean: return list([t.text("common.yes"), t.text("common.no")])
        case .integer, .number:
            let unit = wording.covariateUnit(c) ?? ""
            switch (c.min, c.max) {
            case let (lo?, hi?): return t.format("describe.range", ["min": l.number(lo), "max": l.number(hi), "unit": unit])
            case let (lo?, nil): return t.format("describe.rangeMin", ["min": l.number(lo), "unit": unit])
            case let (nil, hi?): return t.format("describe.rangeMax", ["max": l.number(hi), "unit": unit])
            case (nil, nil): return ""
            }
        case .date: return ""
        }
    }

    private func design() -> String {
        let d = protocol_.design
        let sizes = list(d.blockSizes.map(String.init))
        let covariates = protocol_.covariates
        func name(_ s: String) -> String {
            s == "municipality" ? t.text("describe.clusterMunicipality") : covariates.first { $0.name == s }.map(wording.covariate) ?? s
        }
        switch d.type {
        case .simple: return t.text("describe.designSimple")
        case .permutedBlocks: return t.format("describe.designPermutedBlocks", ["sizes": sizes])
        case .stratifiedBlocks: return t.format("describe.designStratifiedBlocks", ["sizes": sizes, "strata": list(d.strata.map(name))])
        case .minimisation:
            return t.format("describe.designMinimisation", ["factors": list(d.factors.map { name($0.name) }), "p": l.number(d.randomElement ?? 1)])
        case .cluster:
            let unit = switch d.clusterUnit ?? .team {
            case .caseworker: t.text("describe.clusterCaseworker")
            case .team: t.text("describe.clusterTeam")
            case .municipality: t.text("describe.clusterMunicipality")
            }
            return t.format("describe.designCluster", ["unit": unit])
        }
    }

    private func analysis() -> [String: Any] {
        let a = protocol_.analysis
        let estimator = switch a.estimator {
        case .differenceInMeans: "estimatorDifferenceInMeans"
        case .blocked: "estimatorBlocked"
        case .lin: "estimatorLin"
        case .cr2: "estimatorCr2"
        case .riskDifference: "estimatorRiskDifference"
        case .coxPH: "estimatorCoxPh"
        }
        let fields = CovariateFields(protocol_: protocol_, wording: wording)
        let covariates = a.covariates.map { name in protocol_.covariates.first { $0.name == name }.map(fields.label) ?? name }
        return [
            "estimandText": t.text(a.estimand == .itt ? "describe.estimandItt" : "describe.estimandCace"),
            "estimatorText": t.text("describe.\(estimator)"),
            "covariatesText": covariates.isEmpty ? t.text("describe.noCovariates") : list(covariates),
            "alphaText": t.format("describe.alpha", ["alpha": l.number(a.alpha)]),
            "multiplicityText": t.text("describe.multiplicity\(a.multiplicity.rawValue.prefix(1).uppercased())\(a.multiplicity.rawValue.dropFirst())"),
            "randomisationText": t.text(a.randomisationInference ? "describe.randomisationYes" : "describe.randomisationNo"),
        ]
    }
}
