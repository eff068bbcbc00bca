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
        var plot = SVGPlot(x: ((waves.min() ?? 0) - 1)...((waves.max() ?? 0) + 1), y: (lo - pad)...(hi + pad))
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
        var plot = SVGPlot(x: 0...maxTime, y: 0...1)
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
        // Each row named on two lines, municipality above arm; the margin as wide as the longest.
        let names = rows.map { (words.wording.municipality($0.municipality), words.arm($0.arm)) }
        let longest = names.flatMap { [$0.0.count, $0.1.count] }.max() ?? 10
        var plot = SVGPlot(x: (lo - pad)...(hi + pad), y: 0...Double(rows.count + 1), left: min(340, Double(longest) * 6.3 + 20), right: 40)
        plot.axes(xLabel: t.text("plot.effect"), yLabel: "", xTicks: SVGPlot.ticks(plot.x).map { ($0, tick($0)) }, yTicks: [])
        plot.line(0, 0, 0, Double(rows.count + 1), color: "#777", dash: true)
        for (i, r) in rows.enumerated() {
            let y = Double(rows.count - i)
            plot.line(r.estimate.ciLower, y, r.estimate.ciUpper, y, color: color(r.arm), width: 2)
            plot.dot(r.estimate.estimate, y, color: color(r.arm))
            plot.text(names[i].0, atX: plot.left - 8, atY: plot.py(y) - 3, anchor: "end", size: 11, color: "#555")
            plot.text(names[i].1, atX: plot.left - 8, atY: plot.py(y) + 11, anchor: "end", size: 11)
        }
        let first = rows.first
        return plot.render(title: t.format("plot.forestTitle", ["outcome": first.map { words.outcome($0.outcome) } ?? "",
                                                                 "wave": words.wave(first?.wave ?? 0)]))
    }

    /// The CONSORT 2010 flow as boxes and arrows, one column per arm, its text wrapped to the
    /// boxes so the figure stays legible when printed on A4.
    func consort() -> String {
        let c = words.input.consort, l = words.language
        func n(_ k: Int) -> String { l.integer(k) }
        let lineHeight = 15.0, pad = 8.0
        var out: [String] = []
        func height(_ lines: [String]) -> Double { Double(lines.count) * lineHeight + 2 * pad }
        func box(_ x: Double, _ y: Double, _ w: Double, _ lines: [String], height h: Double? = nil) {
            out.append("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h ?? height(lines))\" fill=\"#f4f6f8\" stroke=\"#555\"/>")
            for (i, line) in lines.enumerated() {
                out.append("<text x=\"\(x + pad)\" y=\"\(y + pad + 11 + Double(i) * lineHeight)\" font-size=\"11\">\(SVGPlot.escape(line))</text>")
            }
        }
        func arrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) {
            out.append("<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>")
        }
        let width = max(720.0, Double(c.arms.count) * 175 + 20)
        let mid = width / 2
        let top = Self.wrap([t.format("consort.assessed", ["n": n(c.assessed)])], width: 260)
        let excluded = Self.wrap([t.format("consort.excluded", ["n": n(c.excluded)])]
            + c.excludedNotEligible.sorted { $0.key < $1.key }.map { t.format("consort.notEligible", ["rule": $0.key, "n": n($0.value)]) }
            + [t.format("consort.declined", ["n": n(c.declinedConsent)])], width: width - mid - 30)
        box(mid - 130, 10, 260, top)
        let excludedTop = 10 + height(top) + 14
        box(mid + 20, excludedTop, width - mid - 30, excluded)
        let randomisedTop = excludedTop + height(excluded) + 18
        arrow(mid, 10 + height(top), mid, randomisedTop - 2)
        arrow(mid, excludedTop + height(excluded) / 2, mid + 18, excludedTop + height(excluded) / 2)
        let randomised = [t.format("consort.randomised", ["n": n(c.randomised)])]
        box(mid - 130, randomisedTop, 260, randomised)
        let colWidth = (width - 20) / Double(max(c.arms.count, 1))
        let inner = colWidth - 10
        let allocation = c.arms.map { a in
            Self.wrap([words.arm(a.arm), t.format("consort.allocated", ["n": n(a.allocated)]), t.format("consort.receivedOwn", ["n": n(a.receivedAllocated)]),
                       t.format("consort.receivedOther", ["n": n(a.receivedOther)]), t.format("consort.receivedUnknown", ["n": n(a.receivedUnknown)])], width: inner)
        }
        let followUp = c.arms.map { a in Self.wrap([t.format("consort.lost", ["n": n(a.lostToFollowUp)]), t.format("consort.invalid", ["n": n(a.invalid)])], width: inner) }
        let analysed = c.arms.map { a in Self.wrap([t.format("consort.analysed", ["n": n(a.analysed)])], width: inner) }
        // Each row of boxes as high as its tallest, so the arms line up.
        let rowHeights = [allocation, followUp, analysed].map { rows in rows.map(height).max() ?? height([""]) }
        let armTop = randomisedTop + height(randomised) + 28
        for (i, _) in c.arms.enumerated() {
            let x = 10 + Double(i) * colWidth
            arrow(mid, randomisedTop + height(randomised), x + colWidth / 2, armTop - 2)
            var y = armTop
            for (row, lines) in [allocation[i], followUp[i], analysed[i]].enumerated() {
                if row > 0 { arrow(x + colWidth / 2, y - 14, x + colWidth / 2, y - 2) }
                box(x + 5, y, inner, lines, height: rowHeights[row])
                y += rowHeights[row] + 14
            }
        }
        let total = Int(armTop + rowHeights.reduce(0, +) + 2 * 14 + 10)
        let title = t.text("consort.title")
        return """
        <svg xmlns="http://www.w3.org/2000/svg" role="img" width="\(Int(width))" height="\(total)" viewBox="0 0 \(Int(width)) \(total)" font-family="Helvetica, Arial, sans-serif">
        <title>\(SVGPlot.escape(title))</title>
        <defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>
        <rect width="100%" height="100%" fill="white"/>
        \(out.joined(separator: "\n"))
        </svg>
        """
    }

    /// Lines broken at spaces to what a box of this width holds at 11 px (about 5.6 px a
    /// character); a word longer than the box is cut.
    static func wrap(_ lines: [String], width: Double) -> [String] {
        let room = max(Int((width - 16) / 5.6), 8)
        var out: [String] = []
        for line in lines {
            var current = ""
            for word in line.split(separator: " ") {
                let word = word.count > room ? String(word.prefix(room - 1)) + "…" : String(word)
                if current.isEmpty { current = word } else if current.count + 1 + word.count <= room { current += " " + word } else {
                    out.append(current)
                    current = word
                }
            }
            out.append(current)
        }
        return out
    }
}
