import ProefStats

/// The CSV that `proef estimate --csv` and `proef analyse --csv` print (and the web page
/// offers): one header, every number at full precision, blank where a value is absent.
public enum EffectCSV {
    public static let effectHeader = [
        "outcome", "wave", "arm", "control", "estimator", "n_arm", "n_control", "mean_arm", "mean_control", "estimate", "std_error",
        "statistic", "df", "p_value", "ci_lower", "ci_upper", "p_adjusted", "p_randomisation",
        "risk_ratio", "risk_ratio_lower", "risk_ratio_upper", "risk_ratio_p", "complier_effect", "complier_lower", "complier_upper", "complier_p",
        "first_stage", "first_stage_std_error",
    ]

    public static let survivalHeader = [
        "outcome", "arm", "control", "n", "events", "hazard_ratio", "ci_lower", "ci_upper", "p_value", "p_adjusted",
        "log_rank_chi_square", "log_rank_p",
    ]

    public static func effects(_ rows: [EffectRow]) -> String {
        document(effectHeader, rows.map { r in
            let e = r.estimate, rr = r.riskRatio, c = r.cace
            return [r.outcome, String(r.wave), r.arm, r.control, r.estimator, String(r.nArm), String(r.nControl), number(r.meanArm), number(r.meanControl),
                    number(e.estimate), number(e.stdError), number(e.statistic), number(e.df), number(e.pValue), number(e.ciLower), number(e.ciUpper),
                    number(r.pAdjusted), number(r.pRandomisation), number(rr?.ratio), number(rr?.ciLower), number(rr?.ciUpper), number(rr?.pValue),
                    number(c?.estimate), number(c?.ciLower), number(c?.ciUpper), number(c?.pValue),
                    number(r.firstStage?.estimate), number(r.firstStage?.stdError)]
        })
    }

    public static func survival(_ rows: [SurvivalRow]) -> String {
        document(survivalHeader, rows.map { r in
            [r.outcome, r.arm, r.control, String(r.n), String(r.events), number(r.hazardRatio), number(r.ciLower), number(r.ciUpper), number(r.pValue),
             number(r.pAdjusted), number(r.logRankChiSquare), number(r.logRankP)]
        })
    }

    static func document(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
