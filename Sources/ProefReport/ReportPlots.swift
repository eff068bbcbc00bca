import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefWording

/// The report's figures as inline SVG, labelled in the report's language: each plot shows the
/// estimator of the table beside it.
struct ReportPlots {
    let words: ReportWords

    var t: Catalogue { words.t }

    /// An arm's colour, by its place in the protocol, the same in every plot.
    func color(_ arm: String) -> String {
        SVGPlot.palette[(words.p.arms.firstIndex { $0.id == arm } ?? 0) % SVGPlot.palette.count]
    }

    func tick(_ v: Double) -> String { words.language.number(v, digits: 3) }

    /// Each arm's effect against control per wave with its interval; a binary outcome in
    /// percentage points.
    func effects(_ outcome: String, percentagePoints: Bool) -> String {
        let scale = percentagePoints ? 100.0 : 1
        let rows = words.effects.rows.filter { $0.outcome == outcome }
        let waves = rows.map { Double($0.wave) }
        let lo = min(0, rows.map(\.estimate.ciLower).min() ?? 0) * scale, hi = max(0, rows.map(\.estimate.ciUpper).max() ?? 0) * scale
        let pad = (hi - lo) * 0.05
        var plot = SVGPlot(x: ((waves.min() ?? 0) - 1)...((waves.max() ?? 0) + 1), y: (lo - pad)...(hi + pad), right: 220)
        plot.axes(xLabel: t.text("plot.monthsAfterEnrolment"), yLabel: t.text(percentagePoints ? "plot.effectPoints" : "plot.effect"),
                  xTicks: Set(rows.map(\.wave)).sorted().map { (Double($0), String($0)) }, yTicks: SVGPlot.ticks(plot.y).map { ($0, tick($0)) })
        plot.line(plot.x.lowerBound, 0, plot.x.upperBound, 0, color: "#777", dash: true)
        let arms = words.p.arms.map(\.id).filter { arm in rows.contains { $0.arm == arm } }
        for (i, arm) in arms.enumerated() {
            let offset = (Double(i) - Double(arms.count - 1) / 2) * 0.25
            let mine = rows.filter { $0.arm == arm }.sorted { $0.wave < $1.wave }
            for r in mine {
                plot.line(Double(r.wave) + offset, r.estimate.ciLower * scale, Double(r.wave) + offset, r.estimate.ciUpper * scale, color: color(arm), width: 2)
                plot.dot(Double(r.wave) + offset, r.estimate.estimate * scale, color: color(arm))
            }
            plot.polyline(mine.map { (Double($0.wave) + offset, $0.estimate.estimate * scale) }, color: color(arm), width: 1, opacity: 0.5)
        }
        plot.legend(arms.map { (words.arm($0), color($0)) })
        return plot.render(title: t.format("plot.effectTitle", ["outcome": words.outcome(outcome), "level": words.level]))
    }

    /// Kaplan–Meier curves per arm as steps in months, with the pointwise band faint.
    func kaplanMeier(_ outcome: String) -> String {
        var curves: [String: KaplanMeier.Curve] = [:]
        for row in words.effects.survival where row.outcome == outcome { for c in row.curves { curves[c.group] = c } }
        let days = ReportSummary.daysPerMonth
        let maxTime = (curves.values.flatMap { $0.steps.map(\.time) }.max() ?? days) / days
        var plot = SVGPlot(x: 0...maxTime, y: 0...1, right: 220)
        plot.axes(xLabel: t.text("plot.monthsAfterEnrolment"), yLabel: t.text("plot.withoutEvent"),
                  xTicks: SVGPlot.ticks(plot.x).map { ($0, tick($0)) }, yTicks: [0, 0.25, 0.5, 0.75, 1].map { ($0, words.percent($0)) })
        let arms = words.p.arms.map(\.id).filter { curves[$0] != nil }
        for arm in arms {
            guard let curve = curves[arm] else { continue }
            func steps(_ value: (KaplanMeier.Step) -> Double?) -> [(Double, Double)] {
                var points: [(Double, Double)] = [(0, 1)]
                var last = 1.0
                for s in curve.steps {
                    guard let v = value(s) else { continue }
                    points.append((s.time / days, last))
                    points.append((s.time / days, v))
                    last = v
                }
                points.append((maxTime, last))
                return points
            }
            plot.polyline(steps { $0.survival }, color: color(arm))
            plot.polyline(steps { $0.lower }, color: color(arm), width: 1, opacity: 0.35)
            plot.polyline(steps { $0.upper }, color: color(arm), width: 1, opacity: 0.35)
        }
        plot.legend(arms.map { (words.arm($0), color($0)) })
        return plot.render(title: t.format("plot.kaplanMeierTitle", ["outcome": words.outcome(outcome)]))
    }

    /// The forest plot by municipality, its numbers in the table beside it.
    func forest() -> String {
        let rows = words.effects.forest
        let lo = min(0, rows.map(\.estimate.ciLower).min() ?? 0), hi = max(0, rows.map(\.estimate.ciUpper).max() ?? 0)
        let pad = (hi - lo) * 0.05
        var plot = SVGPlot(x: (lo - pad)...(hi + pad), y: 0...Double(rows.count + 1), left: 230, right: 40)
        plot.axes(xLabel: t.text("plot.effect"), yLabel: "", xTicks: SVGPlot.ticks(plot.x).map { ($0, tick($0)) }, yTicks: [])
        plot.line(0, 0, 0, Double(rows.count + 1), color: "#777", dash: true)
        for (i, r) in rows.enumerated() {
            let y = Double(rows.count - i)
            plot.line(r.estimate.ciLower, y, r.estimate.ciUpper, y, color: color(r.arm), width: 2)
            plot.dot(r.estimate.estimate, y, color: color(r.arm))
            plot.text("\(words.wording.municipality(r.municipality)): \(words.arm(r.arm))", atX: plot.left - 8, atY: plot.py(y) + 4, anchor: "end", size: 11)
        }
        let first = rows.first
        return plot.render(title: t.format("plot.forestTitle", ["outcome": first.map { words.outcome($0.outcome) } ?? "",
                                                                 "wave": words.wave(first?.wave ?? 0)]))
    }

    /// The CONSORT 2010 flow as boxes and arrows, one column per arm.
    func consort() -> String {
        let c = words.input.consort, l = words.language
        func n(_ k: Int) -> String { l.integer(k) }
        var out: [String] = []
        func box(_ x: Double, _ y: Double, _ w: Double, _ lines: [String]) {
            let h = Double(lines.count) * 16 + 12
            out.append("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"#f4f6f8\" stroke=\"#555\"/>")
            for (i, line) in lines.enumerated() {
                out.append("<text x=\"\(x + 8)\" y=\"\(y + 20 + Double(i) * 16)\" font-size=\"12\">\(SVGPlot.escape(line))</text>")
            }
        }
        func arrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) {
            out.append("<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>")
        }
        let excludedLines = [t.format("consort.excluded", ["n": n(c.excluded)])]
            + c.excludedNotEligible.sorted { $0.key < $1.key }.map { t.format("consort.notEligible", ["rule": $0.key, "n": n($0.value)]) }
            + [t.format("consort.declined", ["n": n(c.declinedConsent)])]
        let width = max(900.0, Double(c.arms.count) * 250 + 40)
        let excludedTop = 60.0, excludedHeight = Double(excludedLines.count) * 16 + 12
        let randomisedTop = max(152.0, excludedTop + excludedHeight + 20)
        box(width / 2 - 150, 20, 300, [t.format("consort.assessed", ["n": n(c.assessed)])])
        box(width / 2 + 170, excludedTop, width / 2 - 190, excludedLines)
        arrow(width / 2, 48, width / 2, randomisedTop - 2)
        arrow(width / 2, excludedTop + 30, width / 2 + 170, excludedTop + 30)
        box(width / 2 - 120, randomisedTop, 240, [t.format("consort.randomised", ["n": n(c.randomised)])])
        let colWidth = (width - 40) / Double(max(c.arms.count, 1))
        let armTop = randomisedTop + 78
        for (i, a) in c.arms.enumerated() {
            let x = 20 + Double(i) * colWidth
            arrow(width / 2, randomisedTop + 28, x + colWidth / 2, armTop - 2)
            box(x + 5, armTop, colWidth - 10, [Self.fit(words.arm(a.arm), colWidth), t.format("consort.allocated", ["n": n(a.allocated)]),
                                               t.format("consort.receivedOwn", ["n": n(a.receivedAllocated)]),
                                               t.format("consort.receivedOther", ["n": n(a.receivedOther)]),
                                               t.format("consort.receivedUnknown", ["n": n(a.receivedUnknown)])])
            box(x + 5, armTop + 104, colWidth - 10, [t.format("consort.lost", ["n": n(a.lostToFollowUp)]), t.format("consort.invalid", ["n": n(a.invalid)])])
            box(x + 5, armTop + 170, colWidth - 10, [t.format("consort.analysed", ["n": n(a.analysed)])])
        }
        let height = armTop + 210
        let title = t.text("consort.title")
        return """
        <svg xmlns="http://www.w3.org/2000/svg" role="img" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(SVGPlot.escape(title))</title>
        <defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>
        <rect width="100%" height="100%" fill="white"/>
        \(out.joined(separator: "\n"))
        </svg>
        """
    }

    /// A label cut to what a box of this width holds at 12 px (about 6.5 px a character).
    static func fit(_ s: String, _ width: Double) -> String {
        let room = Int((width - 26) / 6.5)
        return s.count <= room ? s : String(s.prefix(max(room - 1, 1))) + "…"
    }
}
