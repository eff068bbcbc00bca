import Foundation
import ProefCore
import ProefTestSupport
import Testing

/// The base protocol in format 2, with a label of every kind, a consent text and a derived
/// covariate; each case below changes one thing in it.
let labelledProtocol = """
format: 2
id: test-trial
title: Test trial
labels:
  nl: {title: Proefonderzoek}
  en: {title: Test trial}
consent:
  nl: Meedoen is vrijwillig.
  en: Taking part is voluntary.
sponsor: Gemeente Utrecht
municipalities: [GM0344, GM0014]
dates:
  registered: 2024-01-01
  enrolment_start: 2024-02-01
  enrolment_end: 2024-12-31
  follow_up_end: 2027-01-31
target_sample_size: 200
follow_up_months: 24
arms:
  - id: control
    name: Regular regime
    control: true
    labels:
      nl:
        name: Gewone regels
        description: De gewone regels van de Participatiewet.
      en:
        name: Regular regime
        description: The usual rules of the Participatiewet.
  - id: treatment
    name: Extra guidance
    labels:
      nl: {name: Extra begeleiding}
      en: {name: Extra guidance}
design:
  type: stratified-blocks
  block_sizes: [2, 4]
  strata: [municipality, age_band]
covariates:
  - name: age
    type: integer
    min: 18
    max: 67
    unit: years
    labels:
      nl: {label: Leeftijd, unit: jaar}
      en: {label: Age, unit: years}
  - name: age_band
    type: categorical
    levels: [under-27, 27-49, 50-plus]
    derived:
      from: age
      bands:
        - {level: under-27, max: 26}
        - {level: 27-49, max: 49}
        - {level: 50-plus}
    labels:
      nl:
        label: Leeftijdsklasse
        levels: {under-27: jonger dan 27, 27-49: 27 tot 50, 50-plus: 50 of ouder}
      en:
        label: Age band
        levels: {under-27: under 27, 27-49: 27 to 49, 50-plus: 50 or older}
  - name: partner
    type: boolean
    required: false
eligibility:
  - id: working-age
    covariate: age
    min: 18
    max: 66
    labels:
      nl: {description: Is 18 tot en met 66 jaar oud.}
      en: {description: Is aged 18 to 66.}
outcomes:
  - id: paid_work
    label: Any paid work
    type: binary
    role: primary
    waves: [6, 12, 24]
    labels:
      nl: {label: Betaald werk}
      en: {label: Any paid work}
analysis:
  estimator: blocked
"""

@Suite struct ProtocolLabelsTests {
    /// The language codes a part's labels are given in.
    func languages<T>(_ labels: [String: T]?) -> Set<String> { Set(labels.map { Array($0.keys) } ?? []) }

    @Test("labels, consent texts and a derivation are read into the protocol")
    func reading() throws {
        let p = try ProtocolParser.decode(labelledProtocol)
        #expect(p.labels?["nl"]?.title == "Proefonderzoek")
        #expect(p.consent == ["nl": "Meedoen is vrijwillig.", "en": "Taking part is voluntary."])
        #expect(p.arms[0].labels?["en"]?.description == "The usual rules of the Participatiewet.")
        #expect(p.arms[1].labels?["nl"]?.name == "Extra begeleiding" && p.arms[1].labels?["nl"]?.description == nil)
        #expect(p.covariates[0].labels?["nl"]?.unit == "jaar")
        #expect(p.covariates[1].labels?["nl"]?.levels?["50-plus"] == "50 of ouder")
        #expect(p.covariates[1].derived?.from == "age")
        #expect(p.covariates[1].derived?.bands.map(\.max) == [26, 49, nil])
        #expect(p.eligibility[0].labels?["en"]?.description == "Is aged 18 to 66.")
        #expect(p.outcomes[0].labels?["nl"]?.label == "Betaald werk")
    }

    @Test("the shipped protocols carry Dutch and English labels for every arm, covariate, rule and outcome", arguments: Fixtures.allProtocols)
    func shipped(name: String) throws {
        let p = try ProtocolParser.decode(Fixtures.protocolText(name))
        let both = Set(TrialProtocol.Language.allCases.map(\.rawValue))
        #expect(languages(p.labels) == both)
        #expect(languages(p.consent) == both)
        for arm in p.arms { #expect(languages(arm.labels) == both, "arm \(arm.id)") }
        for c in p.covariates {
            #expect(languages(c.labels) == both, "covariate \(c.name)")
            if c.type == .categorical { #expect(c.labels?["nl"]?.levels?.count == c.levels.count, "levels of \(c.name)") }
        }
        for r in p.eligibility { #expect(languages(r.labels) == both, "rule \(r.id)") }
        for o in p.outcomes { #expect(languages(o.labels) == both, "outcome \(o.id)") }
    }

    @Test("the shipped trials with age and age_band derive age_band from age")
    func shippedDerivation() throws {
        for name in [Fixtures.utrecht, Fixtures.tegenprestatie] {
            let p = try ProtocolParser.decode(Fixtures.protocolText(name))
            let band = try #require(p.covariates.first { $0.name == "age_band" }?.derived)
            #expect(band.from == "age")
            #expect([18.0, 26, 27, 39, 40, 54, 55, 66].map { band.level(for: $0) } == ["18-26", "18-26", "27-39", "27-39", "40-54", "40-54", "55-66", "55-66"])
        }
    }

    /// (what changes, replace this, with this, the field reported, a fragment of the message, its line)
    static let cases: [(String, String, String, String, String, Int?)] = [
        ("unknown language", "      en: {name: Extra guidance}", "      en: {name: Extra guidance}\n      fr: {name: Encadrement}", "arms[1].labels.fr", "'fr' is not a language", 35),
        ("one language only", "      nl: {name: Extra begeleiding}\n", "", "arms[1].labels", "not in nl", 33),
        ("empty label", "nl: {title: Proefonderzoek}", "nl: {title: \"  \"}", "labels.nl.title", "must not be empty", 5),
        ("optional text in one language", "        description: The usual rules of the Participatiewet.\n", "", "arms[0].labels.en.description", "gives no description, while nl does", 28),
        ("label of a level that does not exist", "levels: {under-27: jonger dan 27,", "levels: {under-25: jonger dan 25, under-27: jonger dan 27,", "covariates[1].labels.nl.levels.under-25", "'under-25' is not a level of 'age_band'", 60),
        ("level left unlabelled", "levels: {under-27: under 27, 27-49: 27 to 49, 50-plus: 50 or older}", "levels: {under-27: under 27, 27-49: 27 to 49}", "covariates[1].labels.en.levels", "no label for level '50-plus'", 63),
        ("level labels on a number", "      nl: {label: Leeftijd, unit: jaar}", "      nl: {label: Leeftijd, unit: jaar, levels: {18: achttien}}", "covariates[0].labels.nl.levels", "are for categorical covariates", 46),
        ("consent in one language", "  en: Taking part is voluntary.\n", "", "consent", "not in en (English)", 8),
        ("consent in an unknown language", "  en: Taking part is voluntary.", "  en: Taking part is voluntary.\n  de: Die Teilnahme ist freiwillig.", "consent.de", "'de' is not a language", 10),
        ("rule label without description", "      en: {description: Is aged 18 to 66.}", "      en: {text: Is aged 18 to 66.}", "eligibility[0].labels.en.text", "unknown field 'text'", 74),
        ("labels in format 1", "format: 2", "format: 1", "format", "write 'format: 2'", 1),
        ("an unknown format", "format: 2", "format: 3", "format", "reads formats 1 and 2", 1),
        ("derived from an unknown covariate", "      from: age", "      from: leeftijd", "covariates[1].derived.from", "'leeftijd' is not a declared covariate", 52),
        ("derived from itself", "      from: age", "      from: age_band", "covariates[1].derived.from", "cannot be derived from itself", 52),
        ("derived from a boolean", "      from: age", "      from: partner", "covariates[1].derived.from", "bands need a numeric covariate", 52),
        ("required derived from an optional source", "    max: 67\n    unit: years", "    max: 67\n    required: false\n    unit: years", "covariates[1].derived.from", "must be required too", nil),
        ("a band for a level that does not exist", "        - {level: 27-49, max: 49}", "        - {level: 27-59, max: 49}", "covariates[1].derived.bands[1].level", "'27-59' is not a level of 'age_band'", 55),
        ("a level without a band", "        - {level: 27-49, max: 49}\n", "", "covariates[1].derived.bands", "level '27-49' of 'age_band' has no band", nil),
        ("a level with two bands", "        - {level: 27-49, max: 49}", "        - {level: 27-49, max: 39}\n        - {level: 27-49, max: 49}", "covariates[1].derived.bands[2].level", "has a band already", 56),
        ("bands out of order", "        - {level: 27-49, max: 49}", "        - {level: 27-49, max: 20}", "covariates[1].derived.bands[1].max", "from low to high", 55),
        ("an open band before the last", "        - {level: 27-49, max: 49}", "        - {level: 27-49}", "covariates[1].derived.bands[1].max", "only the last band is open-ended", 55),
        ("a gap at the top", "        - {level: 50-plus}", "        - {level: 50-plus, max: 60}", "covariates[1].derived.bands[2].max", "above 60 fall in no band", 56),
        ("a band below the source's range", "        - {level: under-27, max: 26}", "        - {level: under-27, max: 10}", "covariates[1].derived.bands[0].max", "below the lowest value of 'age' (18)", 54),
        ("a band bound that is not whole", "        - {level: under-27, max: 26}", "        - {level: under-27, max: 26.5}", "covariates[1].derived.bands[0].max", "a whole number", 54),
        ("a derived number", "    type: categorical\n    levels: [under-27", "    type: integer\n    levels: [under-27", "covariates[1].derived", "a derived covariate is categorical", 52),
        ("bands missing", "      bands:\n        - {level: under-27, max: 26}\n        - {level: 27-49, max: 49}\n        - {level: 50-plus}\n", "", "covariates[1].derived.bands", "is required", nil),
    ]

    @Test("each rule of labels, consent texts and derivations reports its field, reason and line", arguments: cases)
    func validation(c: (String, String, String, String, String, Int?)) {
        let (_, from, to, field, fragment, line) = c
        #expect(labelledProtocol.contains(from), "the case must change the labelled protocol")
        let issues = parseIssues(labelledProtocol.replacingOccurrences(of: from, with: to))
        let match = issues.first { $0.field == field && $0.message.contains(fragment) }
        #expect(match != nil, "expected \(field): …\(fragment)… in \(issues.map(\.description))")
        if let line { #expect(match?.line == line, "\(issues.map(\.description))") }
    }

    @Test("a protocol with labels reads back from its YAML to the same protocol, level names as written")
    func roundTrip() throws {
        // A level name that snake_case conversion would change, were it applied to level labels' keys.
        let p = try ProtocolParser.decode(labelledProtocol.replacingOccurrences(of: "50-plus", with: "Fifty_Plus"))
        #expect(p.covariates[1].labels?["en"]?.levels?["Fifty_Plus"] == "50 or older")
        let again = try ProtocolParser.decode(try ProtocolText.yaml(p))
        #expect(again == p)
        #expect(try CanonicalJSON.encode(again) == CanonicalJSON.encode(p))
    }
}

/// The vectors of `Scripts/reference/canonical_protocol.py`: format 1 protocols, among them the
/// shipped ones as they were before format 2, with the canonical text and SHA-256 recorded for
/// them. Format 2 must leave both unchanged, or every locked trial's hash would stop verifying.
@Suite struct FormatOneHashTests {
    struct Vector: Decodable, Sendable {
        let name: String
        let yaml: String
        let canonical: String
        let sha256: String
    }

    static let vectors: [Vector] = {
        let url = Fixtures.repositoryRoot.appendingPathComponent("docs/test-vectors/protocol-format-1.json")
        return (try? JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test("there are vectors for the base protocol and the three shipped protocols of format 1")
    func present() {
        #expect(Self.vectors.map(\.name).sorted() == ["base-protocol.yaml", "tegenprestatie.yaml", "utrecht-weten-wat-werkt.yaml", "vaste-klantmanager.yaml"])
    }

    @Test("a format 1 protocol has the canonical text and hash it always had", arguments: vectors.map(\.name))
    func unchanged(name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        let text = try CanonicalJSON.encode(try ProtocolParser.decode(v.yaml))
        #expect(text == v.canonical)
        #expect(CanonicalJSON.sha256(of: text) == v.sha256)
    }

    @Test("the base protocol of the parser tests is the one in the vectors")
    func baseIsCurrent() {
        #expect(Self.vectors.first { $0.name == "base-protocol.yaml" }?.yaml == baseProtocol)
    }
}
