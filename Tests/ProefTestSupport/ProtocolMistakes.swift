/// Protocols with mistakes of every kind the reader and checker report: a valid format 2 base
/// and edits of it, so that tests can trigger each `ProtocolIssue.Code` and see its values.
public enum ProtocolMistakes {
    public static let base = """
    format: 2
    id: mistakes
    title: Mistakes
    labels:
      nl: {title: Fouten, summary: Kort.}
      en: {title: Mistakes, summary: Short.}
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
        levels: [young, old]
        derived:
          from: age
          bands:
            - {level: young, max: 26}
            - {level: old}
        labels:
          nl: {label: Leeftijdsklasse, levels: {young: jong, old: oud}}
          en: {label: Age band, levels: {young: young, old: old}}
      - name: partner
        type: boolean
        required: false
      - name: start
        type: date
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
        waves: [12, 24]
        window: {days_before: 14, days_after: 30}
    analysis:
      estimator: blocked
      covariates: [age]
      alpha: 0.05

    """

    /// A mistake: what it is, and the edits (replace this with that) that make it in `base`.
    public struct Mistake: Sendable, CustomStringConvertible {
        public let name: String
        public let edits: [(String, String)]
        public var description: String { name }
        public var text: String { edits.reduce(base) { $0.replacingOccurrences(of: $1.0, with: $1.1) } }
    }

    static func m(_ name: String, _ edits: (String, String)...) -> Mistake { Mistake(name: name, edits: edits) }

    static let design = "design:\n  type: stratified-blocks\n  block_sizes: [2, 4]\n  strata: [municipality, age_band]\n"
    static let rule = "    covariate: age\n    min: 18\n    max: 66\n"
    static let bands = "        - {level: young, max: 26}\n        - {level: old}\n"
    static let partner = "  - name: partner\n    type: boolean\n    required: false\n"
    static let extraArms = (3...21).map { "  - id: t\($0)\n    name: T\($0)\n" }.joined()

    /// Documents that are no protocol at all; they replace the whole of `base`.
    public static let documents = [
        Mistake(name: "empty document", edits: [(base, "")]),
        Mistake(name: "broken YAML", edits: [(base, "format: 1\nid: [unclosed\n")]),
        Mistake(name: "duplicate key", edits: [(base, "format: 2\nformat: 2\n")]),
        Mistake(name: "a list, not a mapping", edits: [(base, "- format\n- id\n")]),
    ]

    public static let all: [Mistake] = documents + [
        // Fields and their types.
        m("unknown field", ("sponsor: Gemeente Utrecht", "sponsor: Gemeente Utrecht\nsponser: typo")),
        m("missing field", ("title: Mistakes\n", "")),
        m("complex key", ("sponsor: Gemeente Utrecht", "sponsor: Gemeente Utrecht\n? [a, b]\n: c")),
        m("list for text", ("sponsor: Gemeente Utrecht", "sponsor: [a, b]")),
        m("blank text", ("sponsor: Gemeente Utrecht", "sponsor: ' '")),
        m("empty list", ("    waves: [6, 12, 24]", "    waves: []")),
        m("null in a list of ids", ("target_sample_size: 200", "target_sample_size: 200\nconflicts_with: [null, ~]")),
        m("text for a whole number", ("target_sample_size: 200", "target_sample_size: many")),
        m("text for a number", ("alpha: 0.05", "alpha: low")),
        m("text for true or false", ("    control: true", "    control: yes please")),
        m("bad date", ("registered: 2024-01-01", "registered: 2024-13-01")),
        m("unknown design type", ("type: stratified-blocks", "type: coin-flip")),
        m("text for a list", ("municipalities: [GM0344, GM0014]", "municipalities: GM0344")),
        m("text for labels", ("  nl: {title: Fouten, summary: Kort.}\n  en: {title: Mistakes, summary: Short.}", "  nl: Fouten\n  en: Mistakes")),
        // The header.
        m("format 3", ("format: 2", "format: 3")),
        m("format 2 texts in format 1", ("format: 2", "format: 1")),
        m("bad trial id", ("id: mistakes", "id: Mistakes Trial")),
        m("bad municipality code", ("[GM0344, GM0014]", "[GM0344, Utrecht]")),
        m("municipality twice", ("[GM0344, GM0014]", "[GM0344, GM0344]")),
        m("enrolment before registration", ("enrolment_start: 2024-02-01", "enrolment_start: 2023-12-01")),
        m("enrolment ends before it starts", ("enrolment_end: 2024-12-31", "enrolment_end: 2024-01-15")),
        m("follow-up ends before enrolment", ("follow_up_end: 2027-01-31", "follow_up_end: 2024-06-30")),
        m("follow-up too short", ("follow_up_end: 2027-01-31", "follow_up_end: 2025-01-31")),
        m("sample of one", ("target_sample_size: 200", "target_sample_size: 1")),
        m("follow-up of 300 months", ("follow_up_months: 24", "follow_up_months: 300")),
        m("unknown allocation version", ("target_sample_size: 200", "target_sample_size: 200\nallocation_version: 9")),
        m("bad conflicts", ("target_sample_size: 200", "target_sample_size: 200\nconflicts_with: [Bad Id, mistakes, other, other]")),
        // Arms.
        m("one arm", ("  - id: treatment\n    name: Extra guidance\n    weight: 1\n", "")),
        m("21 arms", ("  - id: treatment\n    name: Extra guidance\n    weight: 1\n", "  - id: treatment\n    name: Extra guidance\n    weight: 1\n" + extraArms)),
        m("bad arm id", ("  - id: treatment", "  - id: Treatment Arm")),
        m("duplicate arm id", ("  - id: treatment", "  - id: control")),
        m("weight zero", ("    weight: 1", "    weight: 0")),
        m("weight 200", ("    weight: 1", "    weight: 200")),
        m("no control arm", ("    control: true", "    control: false")),
        // Covariates.
        m("bad covariate name", ("  - name: partner", "  - name: 2partner")),
        m("covariate named municipality", ("  - name: partner", "  - name: municipality")),
        m("duplicate covariate", ("  - name: partner", "  - name: age")),
        m("categorical with one level", (partner, "  - name: partner\n    type: categorical\n    levels: [single]\n    required: false\n")),
        m("bad levels", (partner, "  - name: partner\n    type: categorical\n    levels: [a, a, b=c]\n    required: false\n")),
        m("levels and range on a boolean", (partner, partner + "    levels: [x, y]\n    max: 3\n")),
        m("max below min", ("    min: 18\n    max: 67", "    min: 70\n    max: 67")),
        // Derived covariates.
        m("derived integer", ("    type: categorical\n    levels: [young, old]\n    derived:", "    type: integer\n    derived:")),
        m("derived from nothing", ("      from: age\n", "      from: income\n")),
        m("derived from itself", ("      from: age\n", "      from: age_band\n")),
        m("derived from a derived covariate", (partner, "  - name: band2\n    type: categorical\n    levels: [young, old]\n    derived:\n      from: age_band\n      bands:\n"
                                                + "        - {level: young, max: 1}\n        - {level: old}\n" + partner)),
        m("derived from a boolean", ("      from: age\n", "      from: partner\n")),
        m("derived from an optional number", ("    min: 18\n    max: 67", "    min: 18\n    max: 67\n    required: false")),
        m("band level twice, and one not a level", (bands, "        - {level: young, max: 26}\n        - {level: young, max: 40}\n        - {level: mid, max: 50}\n        - {level: old}\n")),
        m("band above the maximum", (bands, "        - {level: young, max: 70}\n        - {level: old}\n")),
        m("open band first", (bands, "        - {level: young}\n        - {level: old}\n")),
        m("band ends at a fraction", (bands, "        - {level: young, max: 26.5}\n        - {level: old}\n")),
        m("bands decreasing", (bands, "        - {level: young, max: 26}\n        - {level: old, max: 20}\n")),
        m("band below the minimum", (bands, "        - {level: young, max: 10}\n        - {level: old}\n")),
        m("closed last band over an open range", ("    min: 18\n    max: 67", "    min: 18"), (bands, "        - {level: young, max: 26}\n        - {level: old, max: 80}\n")),
        m("level without a band", (bands, "        - {level: young, max: 26}\n")),
        // The design.
        m("no block sizes", ("  block_sizes: [2, 4]\n", "")),
        m("block size not a multiple", ("block_sizes: [2, 4]", "block_sizes: [3, 4]")),
        m("block size twice", ("block_sizes: [2, 4]", "block_sizes: [2, 2]")),
        m("simple design with blocks and strata", ("type: stratified-blocks", "type: simple")),
        m("stratified without strata", ("  strata: [municipality, age_band]\n", "")),
        m("strata that are no factors", ("strata: [municipality, age_band]", "strata: [municipality, region, age, partner, age_band, age_band]")),
        m("minimisation without factors", (design, "design:\n  type: minimisation\n")),
        m("minimisation with bad factors", (design, "design:\n  type: minimisation\n  random_element: 1\n"
                                            + "  factors: [region, age, partner, {name: age_band, weight: 0}, age_band]\n")),
        m("minimisation with huge weights", (design, "design:\n  type: minimisation\n  random_element: 0.8\n  factors: [age_band]\n"),
          ("    control: true\n", "    control: true\n    weight: 97\n"), ("    weight: 1\n", "    weight: 89\n  - id: t3\n    name: T3\n    weight: 83\n  - id: t4\n    name: T4\n    weight: 79\n")),
        m("minimisation parts in a stratified design", ("  strata: [municipality, age_band]\n", "  strata: [municipality, age_band]\n  factors: [age_band]\n  random_element: 0.8\n  cluster_unit: team\n")),
        m("cluster design without a unit", ("type: stratified-blocks", "type: cluster")),
        m("clusters of municipalities stratified by municipality", ("type: stratified-blocks", "type: cluster\n  cluster_unit: municipality"), ("estimator: blocked", "estimator: cr2")),
        // Eligibility.
        m("bad rule ids", ("  - id: working-age\n" + rule, "  - id: Working Age\n" + rule + "  - id: Working Age\n" + rule)),
        m("rule over an unknown covariate", (rule, "    covariate: income\n    min: 1\n")),
        m("rule without a condition", (rule, "    covariate: age\n")),
        m("one_of on a number", (rule, rule + "    one_of: ['1']\n")),
        m("range on a boolean rule", (rule, "    covariate: partner\n    min: 1\n")),
        m("one_of with an unknown level", (rule, "    covariate: age_band\n    one_of: [kids]\n")),
        m("rule over a date", (rule, "    covariate: start\n    min: 1\n")),
        // Outcomes.
        m("no primary outcome", ("    role: primary", "    role: secondary")),
        m("bad outcome id", ("  - id: hours", "  - id: 2hours")),
        m("duplicate outcome id", ("  - id: hours", "  - id: paid_work")),
        m("outcome named as a covariate", ("  - id: hours", "  - id: age")),
        m("range on a binary outcome", ("    type: binary\n", "    type: binary\n    max: 1\n")),
        m("count below zero", ("    type: continuous\n    role: secondary\n    min: 0", "    type: count\n    role: secondary\n    min: -1")),
        m("wave beyond follow-up", ("waves: [6, 12, 24]", "waves: [6, 12, 36]")),
        m("waves not increasing", ("waves: [6, 12, 24]", "waves: [12, 6, 24]")),
        m("negative window", ("days_before: 14, days_after: 30", "days_before: -1, days_after: -1")),
        // The analysis plan.
        m("alpha 5", ("alpha: 0.05", "alpha: 5")),
        m("bad adjusting covariates", ("  covariates: [age]", "  covariates: [age, age, partner, start, income]")),
        m("Lin without covariates", ("  estimator: blocked\n  covariates: [age]", "  estimator: lin")),
        m("cr2 without clusters", ("estimator: blocked", "estimator: cr2")),
        m("blocked without strata", (design, "design:\n  type: simple\n")),
        m("risk difference without a binary outcome", ("estimator: blocked", "estimator: risk-difference"), ("    type: binary\n", "    type: count\n")),
        m("cox-ph without a time to event", ("estimator: blocked", "estimator: cox-ph")),
        // Labels and consent texts.
        m("German title", ("  en: {title: Mistakes, summary: Short.}", "  en: {title: Mistakes, summary: Short.}\n  de: {title: Fehler, summary: Kurz.}")),
        m("consent in no language", ("consent:\n  nl: Meedoen is vrijwillig.\n  en: Taking part is voluntary.", "consent: {}")),
        m("consent only in Dutch", ("  en: Taking part is voluntary.\n", "")),
        m("summary only in Dutch", ("  en: {title: Mistakes, summary: Short.}", "  en: {title: Mistakes}")),
        m("level labels on a boolean", (partner, partner + "    labels:\n      nl: {label: Partner, levels: {ja: ja}}\n      en: {label: Partner, levels: {ja: yes}}\n")),
        m("level labels for too few and unknown levels", ("levels: {young: jong, old: oud}", "levels: {young: jong, mid: midden}")),
    ]
}
