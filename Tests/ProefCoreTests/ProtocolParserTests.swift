import ProefCore
import ProefTestSupport
import Testing

/// A small valid protocol; each validation case below changes one thing in it.
let baseProtocol = """
format: 1
id: test-trial
title: Test trial
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
    weight: 1
    control: true
  - id: treatment
    name: Extra guidance
    weight: 1
design:
  type: stratified-blocks
  block_sizes: [2, 4]
  strata: [municipality, age_band]
covariates:
  - name: age
    type: integer
    min: 18
    max: 67
  - name: age_band
    type: categorical
    levels: [under-27, 27-49, 50-plus]
  - name: partner
    type: boolean
    required: false
eligibility:
  - id: working-age
    covariate: age
    min: 18
    max: 66
outcomes:
  - id: paid_work
    label: Any paid work
    type: binary
    role: primary
    waves: [6, 12, 24]
  - id: hours
    label: Hours worked per week
    type: continuous
    role: secondary
    min: 0
    max: 80
    waves: [0, 12, 24]
    window: {days_before: 14, days_after: 30}
analysis:
  estimator: blocked
  covariates: [age]
  alpha: 0.05
  multiplicity: holm
"""

func parseIssues(_ text: String) -> [ProtocolIssue] {
    switch ProtocolParser.parse(text, file: "t.yaml") {
    case .success: return []
    case let .failure(e): return e.issues
    }
}

@Suite struct ProtocolParserTests {
    @Test("the base protocol and every shipped protocol parse without problems", arguments: ["base"] + Fixtures.allProtocols)
    func validProtocols(name: String) throws {
        let text = name == "base" ? baseProtocol : Fixtures.protocolText(name)
        let p = try ProtocolParser.decode(text)
        #expect(p.arms.count >= 2)
        #expect(p.controlArm != nil)
        #expect(!p.outcomes.isEmpty)
    }

    @Test("the base protocol's fields are read with their defaults")
    func fieldsAndDefaults() throws {
        let p = try ProtocolParser.decode(baseProtocol)
        #expect(p.id == "test-trial")
        #expect(p.municipalities == ["GM0344", "GM0014"])
        #expect(p.dates.enrolmentEnd == CalendarDate("2024-12-31"))
        #expect(p.design.type == .stratifiedBlocks && p.design.blockSizes == [2, 4])
        #expect(p.covariates[2].required == false && p.covariates[0].required == true)
        #expect(p.outcomes[0].window.daysBefore == 30 && p.outcomes[0].window.daysAfter == 60)
        #expect(p.outcomes[1].window.daysBefore == 14 && p.outcomes[1].window.daysAfter == 30)
        #expect(p.outcomes[0].source == .administrative)
        #expect(p.analysis.estimand == .itt && p.analysis.multiplicity == .holm)
        #expect(p.allocationVersion == AllocationVersion.current)
    }

    @Test("JSON is accepted as well as YAML")
    func json() throws {
        let yaml = try ProtocolParser.decode(baseProtocol)
        let json = """
        {"format": 1, "id": "test-trial", "title": "Test trial", "sponsor": "S", "municipalities": ["GM0344"],
         "dates": {"registered": "2024-01-01", "enrolment_start": "2024-02-01", "enrolment_end": "2024-12-31", "follow_up_end": "2027-01-31"},
         "target_sample_size": 200, "follow_up_months": 24,
         "arms": [{"id": "control", "name": "C", "control": true}, {"id": "treatment", "name": "T"}],
         "design": {"type": "simple"},
         "outcomes": [{"id": "paid_work", "label": "W", "type": "binary", "role": "primary", "waves": [6]}],
         "analysis": {"estimator": "difference-in-means"}}
        """
        let p = try ProtocolParser.decode(json)
        #expect(p.id == yaml.id)
        #expect(p.design.type == .simple)
        #expect(p.arms.map(\.weight) == [1, 1])
    }

    /// (what changes, replace this, with this, the field reported, a fragment of the message, its line)
    static let cases: [(String, String, String, String, String, Int?)] = [
        ("unknown field", "sponsor: Gemeente Utrecht", "sponsor: Gemeente Utrecht\nsponser: typo", "sponser", "unknown field 'sponser'", 5),
        ("wrong type", "target_sample_size: 200", "target_sample_size: many", "target_sample_size", "expected a whole number", 11),
        ("missing required field", "title: Test trial\n", "", "title", "is required", nil),
        ("weight zero", "    weight: 1\n    control: true", "    weight: 0\n    control: true", "arms[0].weight", "positive whole number", 16),
        ("weight negative", "    name: Extra guidance\n    weight: 1", "    name: Extra guidance\n    weight: -2", "arms[1].weight", "positive whole number", 20),
        ("weight too large", "    name: Extra guidance\n    weight: 1", "    name: Extra guidance\n    weight: 200", "arms[1].weight", "at most 100", 20),
        ("duplicate arm id", "  - id: treatment", "  - id: control", "arms[1].id", "duplicate arm id 'control'", 18),
        ("no control arm", "    control: true", "    control: false", "arms", "exactly one arm", nil),
        ("one arm only", "  - id: treatment\n    name: Extra guidance\n    weight: 1\n", "", "arms", "at least two arms", nil),
        ("wave beyond follow-up", "waves: [6, 12, 24]", "waves: [6, 12, 36]", "outcomes[0].waves[2]", "outside the trial's follow-up", 46),
        ("waves not increasing", "waves: [6, 12, 24]", "waves: [12, 6, 24]", "outcomes[0].waves[1]", "increasing order", 46),
        ("rule names unknown covariate", "    covariate: age\n    min: 18\n    max: 66", "    covariate: leeftijd\n    min: 18\n    max: 66", "eligibility[0].covariate", "unknown covariate 'leeftijd'", 38),
        ("rule without a condition", "    covariate: age\n    min: 18\n    max: 66", "    covariate: age", "eligibility[0]", "sets no condition", nil),
        ("rule with a level that does not exist", "    covariate: age\n    min: 18\n    max: 66", "    covariate: age_band\n    one_of: [kids]", "eligibility[0].one_of[0]", "not a level", nil),
        ("duplicate outcome id", "  - id: hours", "  - id: paid_work", "outcomes[1].id", "duplicate outcome id", nil),
        ("duplicate covariate", "  - name: partner", "  - name: age", "covariates[2].name", "duplicate covariate", nil),
        ("block size not a multiple", "block_sizes: [2, 4]", "block_sizes: [3, 4]", "design.block_sizes[0]", "not a positive multiple", nil),
        ("stratum not a covariate", "strata: [municipality, age_band]", "strata: [municipality, region]", "design.strata[1]", "not a declared covariate", nil),
        ("stratum not categorical", "strata: [municipality, age_band]", "strata: [age]", "design.strata[0]", "categorical or boolean", nil),
        ("stratum optional", "strata: [municipality, age_band]", "strata: [partner]", "design.strata[0]", "required covariate", nil),
        ("unknown design type", "type: stratified-blocks", "type: coin-flip", "design.type", "'coin-flip' is not one of", 22),
        ("minimisation without random element", "  type: stratified-blocks\n  block_sizes: [2, 4]\n  strata: [municipality, age_band]", "  type: minimisation\n  factors: [municipality]", "design.random_element", "needs a random element", nil),
        ("random element of 1", "  type: stratified-blocks\n  block_sizes: [2, 4]\n  strata: [municipality, age_band]", "  type: minimisation\n  factors: [municipality]\n  random_element: 1", "design.random_element", "below 1", nil),
        ("cluster without unit", "  type: stratified-blocks\n  block_sizes: [2, 4]\n  strata: [municipality, age_band]", "  type: cluster", "design.cluster_unit", "names its unit", nil),
        ("bad municipality code", "[GM0344, GM0014]", "[GM0344, Utrecht]", "municipalities[1]", "not a CBS municipality code", nil),
        ("municipality twice", "[GM0344, GM0014]", "[GM0344, GM0344]", "municipalities[1]", "listed twice", nil),
        ("bad date", "registered: 2024-01-01", "registered: 2024-13-01", "dates.registered", "not a date", 7),
        ("dates out of order", "enrolment_end: 2024-12-31", "enrolment_end: 2024-01-15", "dates.enrolment_end", "before it starts", nil),
        ("follow-up ends too early", "follow_up_end: 2027-01-31", "follow_up_end: 2025-01-31", "dates.follow_up_end", "completes 24 months", nil),
        ("bad trial id", "id: test-trial", "id: Test Trial", "id", "not a valid id", nil),
        ("no primary outcome", "    role: primary", "    role: secondary", "outcomes", "at least one outcome must be primary", nil),
        ("range on binary outcome", "    type: binary\n", "    type: binary\n    max: 1\n", "outcomes[0].min", "has no range", nil),
        ("analysis covariate unknown", "  covariates: [age]", "  covariates: [income]", "analysis.covariates[0]", "not a declared covariate", nil),
        ("cr2 without clusters", "estimator: blocked", "estimator: cr2", "analysis.estimator", "for cluster designs", nil),
        ("alpha out of range", "alpha: 0.05", "alpha: 5", "analysis.alpha", "between 0 and 0.5", nil),
        ("categorical with one level", "levels: [under-27, 27-49, 50-plus]", "levels: [all]", "covariates[1].levels", "at least two levels", nil),
        ("unsupported allocation version", "target_sample_size: 200", "target_sample_size: 200\nallocation_version: 9", "allocation_version", "not known", nil),
        ("list where a mapping belongs", "dates:\n  registered", "dates: [1]\nxdates:\n  registered", "dates", "expected a mapping", nil),
    ]

    @Test("each validation rule reports its field, reason and line", arguments: cases)
    func validation(c: (String, String, String, String, String, Int?)) {
        let (_, from, to, field, fragment, line) = c
        #expect(baseProtocol.contains(from), "the case must change the base protocol")
        let issues = parseIssues(baseProtocol.replacingOccurrences(of: from, with: to))
        let match = issues.first { $0.field == field && $0.message.contains(fragment) }
        #expect(match != nil, "expected \(field): …\(fragment)… in \(issues.map(\.description))")
        if let line { #expect(match?.line == line) }
        #expect(match?.file == "t.yaml")
    }

    @Test("every problem is reported, not only the first")
    func allProblems() {
        let text = baseProtocol
            .replacingOccurrences(of: "    weight: 1\n    control: true", with: "    weight: 0\n    control: true")
            .replacingOccurrences(of: "waves: [6, 12, 24]", with: "waves: [6, 12, 99]")
            .replacingOccurrences(of: "    covariate: age\n", with: "    covariate: nope\n")
        let fields = Set(parseIssues(text).map(\.field))
        #expect(fields.isSuperset(of: ["arms[0].weight", "outcomes[0].waves[2]", "eligibility[0].covariate"]))
    }

    @Test("YAML syntax errors and duplicate keys point at their line")
    func syntax() {
        let broken = parseIssues("format: 1\nid: [unclosed\n")
        #expect(broken.count == 1 && broken[0].message.contains("not valid YAML") && broken[0].line != nil)
        let dup = parseIssues("format: 1\nformat: 2\n")
        #expect(dup.count == 1 && dup[0].message.contains("more than once"))
        #expect(parseIssues("").first?.message == "the document is empty")
    }

    @Test("an issue prints as file:line:column: field: message")
    func issueFormat() {
        let i = ProtocolIssue(file: "a.yaml", line: 3, column: 5, field: "arms[0].weight", message: "bad")
        #expect(i.description == "a.yaml:3:5: arms[0].weight: bad")
    }

    @Test("the canonical hash ignores formatting and comments but not content")
    func canonicalHash() throws {
        let a = try ProtocolParser.decode(baseProtocol)
        let b = try ProtocolParser.decode("# a comment\n" + baseProtocol.replacingOccurrences(of: "[2, 4]", with: "[ 2,   4 ]"))
        let c = try ProtocolParser.decode(baseProtocol.replacingOccurrences(of: "alpha: 0.05", with: "alpha: 0.01"))
        #expect(try CanonicalJSON.sha256(of: CanonicalJSON.encode(a)) == CanonicalJSON.sha256(of: CanonicalJSON.encode(b)))
        #expect(try CanonicalJSON.sha256(of: CanonicalJSON.encode(a)) != CanonicalJSON.sha256(of: CanonicalJSON.encode(c)))
    }
}

@Suite struct ProtocolTextTests {
    @Test("a protocol written back as YAML reads to the same protocol, hash for hash", arguments: Fixtures.allProtocols)
    func roundTrip(name: String) throws {
        let original = try ProtocolParser.decode(Fixtures.protocolText(name))
        let again = try ProtocolParser.decode(try ProtocolText.yaml(original))
        #expect(again == original)
        #expect(try CanonicalJSON.encode(again) == CanonicalJSON.encode(original))
    }
}
