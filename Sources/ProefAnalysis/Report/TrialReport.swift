import Foundation
import ProefCore
import ProefStats

/// `proef report`: SVG plots (effect per wave, Kaplan–Meier curves, a forest plot by
/// municipality, the CONSORT flow) and an HTML page with the tables, as files.
public struct TrialReport: Sendable {
    public let title: String
    public let effects: EffectReport
    public let consort: ConsortReport

    /// Every arm that appears, sorted: its position picks its colour in every plot.
    let arms: [String]

    public init(title: String, effects: EffectReport, consort: ConsortReport) {
        self.title = title
        self.effects = effects
        self.consort = consort
        arms = Array(Set(effects.rows.map(\.arm) + effects.survival.map(\.arm) + effects.survival.map(\.control))).sorted()
    }

    /// File name → contents.
    public func files() -> [String: String] {
        var files: [String: String] = ["consort.svg": consortSVG()]
        var outcomes: [String] = []
        for o in effects.rows.map(\.outcome) where !outcomes.contains(o) { outcomes.append(o) }
        for o in outcomes { files["effect-\(o).svg"] = effectSVG(o) }
        for o in Set(effects.survival.map(\.outcome)) { files["km-\(o).svg"] = kaplanMeierSVG(o) }
        if !effects.forest.isEmpty { files["forest.svg"] = forestSVG() }
        files["index.html"] = html(images: files.keys.filter { $0.hasSuffix(".svg") }.sorted())
        return files
    }

    func color(_ arm: String) -> String {
        SVGPlot.palette[(arms.firstIndex(of: arm) ?? 0) % SVGPlot.palette.count]
    }

    /// Effect of each arm against control per wave, with its confidence interval.
    func effectSVG(_ outcome: String) -> String {
        let rows = effects.rows.filter { $0.outcome == outcome }
        let waves = rows.map { Double($0.wave) }
        let lo = min(0, rows.map(\.estimate.ciLower).min() ?? 0), hi = max(0, rows.map(\.estimate.ciUpper).max() ?? 0)
        let pad = (hi - lo) * 0.05
        var plot = SVGPlot(x: ((waves.min() ?? 0) - 1)...((waves.max() ?? 0) + 1), y: (lo - pad)...(hi + pad))
        plot.axes(xLabel: "months after enrolment", yLabel: "effect against control",
                  xTicks: Set(rows.map(\.wave)).sorted().map { (Double($0), String($0)) }, yTicks: SVGPlot.ticks(plot.y).map { ($0, String(format: "%g", $0)) })
        plot.line(plot.x.lowerBound, 0, plot.x.upperBound, 0, color: "#777", dash: true)
        let arms = Array(Set(rows.map(\.arm))).sorted()
        for (i, arm) in arms.enumerated() {
            let offset = (Double(i) - Double(arms.count - 1) / 2) * 0.25
            let mine = rows.filter { $0.arm == arm }.sorted { $0.wave < $1.wave }
            for r in mine {
                plot.line(Double(r.wave) + offset, r.estimate.ciLower, Double(r.wave) + offset, r.estimate.ciUpper, color: color(arm), width: 2)
                plot.dot(Double(r.wave) + offset, r.estimate.estimate, color: color(arm))
            }
            plot.polyline(mine.map { (Double($0.wave) + offset, $0.estimate.estimate) }, color: color(arm), width: 1, opacity: 0.5)
        }
        plot.legend(arms.map { ($0, color($0)) })
        return plot.render(title: "\(outcome): effect per wave, \(effects.confidencePercent)% intervals")
    }

    /// Kaplan–Meier curves per arm, as steps, with the pointwise band dashed.
    func kaplanMeierSVG(_ outcome: String) -> String {
        var curves: [String: KaplanMeier.Curve] = [:]
        for row in effects.survival where row.outcome == outcome { for c in row.curves { curves[c.group] = c } }
        let maxTime = curves.values.flatMap { $0.steps.map(\.time) }.max() ?? 1
        var plot = SVGPlot(x: 0...maxTime, y: 0...1)
        plot.axes(xLabel: "days since enrolment", yLabel: "still on benefit (survival)", xTicks: SVGPlot.ticks(plot.x).map { ($0, String(format: "%g", $0)) },
                  yTicks: [0, 0.25, 0.5, 0.75, 1].map { ($0, String(format: "%.2f", $0)) })
        for (group, curve) in curves.sorted(by: { $0.key < $1.key }) {
            func steps(_ value: (KaplanMeier.Step) -> Double?) -> [(Double, Double)] {
                var points: [(Double, Double)] = [(0, 1)]
                var last = 1.0
                for s in curve.steps {
                    guard let v = value(s) else { continue }
                    points.append((s.time, last))
                    points.append((s.time, v))
                    last = v
                }
                points.append((maxTime, last))
                return points
            }
            plot.polyline(steps { $0.survival }, color: color(group))
            plot.polyline(steps { $0.lower }, color: color(group), width: 1, opacity: 0.4)
            plot.polyline(steps { $0.upper }, color: color(group), width: 1, opacity: 0.4)
        }
        plot.legend(curves.keys.sorted().map { ($0, color($0)) })
        return plot.render(title: "\(outcome): Kaplan–Meier by arm")
    }

    /// The primary outcome's effect per municipality and arm: labels on the left, the
    /// estimate and its interval as numbers on the right.
    func forestSVG() -> String {
        let rows = effects.forest
        let lo = min(0, rows.map(\.estimate.ciLower).min() ?? 0), hi = max(0, rows.map(\.estimate.ciUpper).max() ?? 0)
        let pad = (hi - lo) * 0.05
        var plot = SVGPlot(x: (lo - pad)...(hi + pad), y: 0...Double(rows.count + 1), left: 190, right: 150)
        plot.axes(xLabel: "effect against control", yLabel: "", xTicks: SVGPlot.ticks(plot.x).map { ($0, String(format: "%g", $0)) }, yTicks: [])
        plot.line(0, 0, 0, Double(rows.count + 1), color: "#777", dash: true)
        plot.text("estimate [\(effects.confidencePercent)% interval]", atX: plot.width - plot.right + 10, atY: plot.top - 6, size: 10, color: "#555")
        for (i, r) in rows.enumerated() {
            let y = Double(rows.count - i)
            plot.line(r.estimate.ciLower, y, r.estimate.ciUpper, y, color: color(r.arm), width: 2)
            plot.dot(r.estimate.estimate, y, color: color(r.arm))
            plot.text("\(r.municipality) \(r.arm)", atX: plot.left - 8, atY: plot.py(y) + 4, anchor: "end", size: 11)
            let numbers = String(format: "%.3f [%.3f, %.3f]", r.estimate.estimate, r.estimate.ciLower, r.estimate.ciUpper)
            plot.text(numbers, atX: plot.width - plot.right + 10, atY: plot.py(y) + 4, size: 11)
        }
        let first = rows.first
        let estimator = first?.estimator == EffectMethod.cr2.rawValue ? "CR2 by cluster" : "difference in means, HC2"
        return plot.render(title: "\(first?.outcome ?? "") at month \(first?.wave ?? 0), by municipality (\(estimator))")
    }

    /// The CONSORT 2010 flow as boxes and arrows.
    func consortSVG() -> String {
        let c = consort
        var out: [String] = []
        func box(_ x: Double, _ y: Double, _ w: Double, _ lines: [String]) {
            let h = Double(lines.count) * 16 + 12
            out.append("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"#f4f6f8\" stroke=\"#555\"/>")
            for (i, l) in lines.enumerated() {
                out.append("<text x=\"\(x + 8)\" y=\"\(y + 20 + Double(i) * 16)\" font-size=\"12\">\(SVGPlot.escape(l))</text>")
            }
        }
        func arrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) {
            out.append("<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>")
        }
        let width = max(760.0, Double(c.arms.count) * 240 + 40)
        box(width / 2 - 130, 20, 260, ["Assessed for eligibility (n = \(c.assessed))"])
        var excluded = ["Excluded (n = \(c.excluded))"]
        for (rule, n) in c.excludedNotEligible.sorted(by: { $0.key < $1.key }) { excluded.append("  not eligible, \(rule) (n = \(n))") }
        excluded.append("  declined consent (n = \(c.declinedConsent))")
        box(width / 2 + 150, 60, width / 2 - 170, excluded)
        arrow(width / 2, 48, width / 2, 150)
        arrow(width / 2, 90, width / 2 + 150, 90)
        box(width / 2 - 100, 152, 200, ["Randomised (n = \(c.randomised))"])
        let colWidth = (width - 40) / Double(max(c.arms.count, 1))
        for (i, a) in c.arms.enumerated() {
            let x = 20 + Double(i) * colWidth
            arrow(width / 2, 180, x + colWidth / 2, 228)
            box(x + 5, 230, colWidth - 10, ["Allocated to \(a.arm) (n = \(a.allocated))", "  received it (n = \(a.receivedAllocated))",
                                             "  received other (n = \(a.receivedOther))", "  not recorded (n = \(a.receivedUnknown))"])
            box(x + 5, 330, colWidth - 10, ["Lost to follow-up (n = \(a.lostToFollowUp))", "Invalid enrolment (n = \(a.invalid))"])
            box(x + 5, 400, colWidth - 10, ["Analysed (n = \(a.analysed))"])
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="450" font-family="Helvetica, Arial, sans-serif">
        <defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>
        <rect width="100%" height="100%" fill="white"/>
        \(out.joined(separator: "\n"))
        </svg>

        """
    }

    func html(images: [String]) -> String {
        let e = SVGPlot.escape
        func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
        func p(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
        // Risk ratios, complier effects and randomisation p-values get columns only when some row has them.
        let hasRatio = effects.rows.contains { $0.riskRatio != nil }, hasCace = effects.rows.contains { $0.cace != nil }
        let hasRI = effects.rows.contains { $0.pRandomisation != nil }
        var head = "<tr><th>outcome</th><th>month</th><th>arm</th><th>n (arm / control)</th><th>mean</th><th>control mean</th><th>effect</th><th>interval</th><th>p</th><th>p adjusted</th>"
        if hasRI { head += "<th>p (randomisation)</th>" }
        if hasRatio { head += "<th>risk ratio</th><th>interval</th>" }
        if hasCace { head += "<th>complier effect</th><th>interval</th>" }
        head += "</tr>"
        var rows = ""
        for r in effects.rows {
            rows += "<tr><td>\(e(r.outcome))</td><td>\(r.wave)</td><td>\(e(r.arm))</td><td>\(r.nArm) / \(r.nControl)</td><td>\(fmt(r.meanArm))</td><td>\(fmt(r.meanControl))</td>"
            rows += "<td>\(fmt(r.estimate.estimate))</td><td>\(fmt(r.estimate.ciLower)) … \(fmt(r.estimate.ciUpper))</td><td>\(p(r.estimate.pValue))</td>"
            rows += "<td>\(p(r.pAdjusted))</td>"
            if hasRI { rows += "<td>\(p(r.pRandomisation))</td>" }
            if hasRatio { rows += r.riskRatio.map { "<td>\(fmt($0.ratio))</td><td>\(fmt($0.ciLower)) … \(fmt($0.ciUpper))</td>" } ?? "<td></td><td></td>" }
            if hasCace { rows += r.cace.map { "<td>\(fmt($0.estimate))</td><td>\(fmt($0.ciLower)) … \(fmt($0.ciUpper))</td>" } ?? "<td></td><td></td>" }
            rows += "</tr>\n"
        }
        var survival = ""
        for r in effects.survival {
            survival += "<tr><td>\(e(r.outcome))</td><td>\(e(r.arm))</td><td>\(r.n)</td><td>\(r.events)</td><td>\(fmt(r.hazardRatio))</td>"
            survival += "<td>\(fmt(r.ciLower)) … \(fmt(r.ciUpper))</td><td>\(p(r.pValue))</td><td>\(p(r.pAdjusted))</td><td>\(p(r.logRankP))</td></tr>\n"
        }
        let checks = effects.checks
        let balance = checks.balance.map { "<tr><td>\(e($0.covariate))</td><td>\(e($0.arm))</td><td>\(fmt($0.standardisedMeanDifference))</td></tr>" }
        let attrition = checks.attrition.map {
            "<tr><td>\(e($0.outcome))</td><td>\($0.wave)</td><td>\(e($0.arm))</td><td>\($0.missing) of \($0.randomised)</td><td>\(String(format: "%.1f%%", $0.rate * 100))</td></tr>"
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}
        td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:1em 0}</style></head>
        <body>
        <h1>\(e(title))</h1>
        <p>Trial <code>\(e(effects.trialID))</code>, protocol version \(effects.protocolVersion). Intention to treat: every valid enrolment by its
        assigned arm, against the control arm. Intervals at \(effects.confidencePercent)%; p-values adjusted: \(e(effects.multiplicity.rawValue)).</p>
        <h2>Effects</h2>
        <table>\(head)
        \(rows)</table>
        \(survival.isEmpty ? "" : "<h2>Time to event</h2><table><tr><th>outcome</th><th>arm</th><th>n</th><th>events</th><th>hazard ratio</th><th>interval</th><th>p (robust)</th><th>p adjusted</th><th>log-rank p</th></tr>\n\(survival)</table>")
        <h2>Checks</h2>
        <p>Arms: \(checks.armCounts.sorted { $0.key < $1.key }.map { "\(e($0.key)) \($0.value)" }.joined(separator: ", ")).
        Sample ratio mismatch: chi-square \(fmt(checks.sampleRatioChiSquare)), p = \(String(format: "%.3f", checks.sampleRatioP)).</p>
        \(balance.isEmpty ? "" : "<h3>Covariate balance</h3><table><tr><th>covariate</th><th>arm</th><th>standardised mean difference</th></tr>\n" + balance.joined(separator: "\n") + "</table>")
        \(attrition.isEmpty ? "" : "<h3>Attrition</h3><table><tr><th>outcome</th><th>month</th><th>arm</th><th>missing</th><th>rate</th></tr>\n" + attrition.joined(separator: "\n") + "</table>")
        \(effects.skipped.isEmpty ? "" : "<p>Not estimated: \(effects.skipped.map(e).joined(separator: "; ")).</p>")
        <h2>Figures</h2>
        \(images.map { "<img src=\"\($0)\" alt=\"\(e($0))\">" }.joined(separator: "\n"))
        </body></html>

        """
    }
}
