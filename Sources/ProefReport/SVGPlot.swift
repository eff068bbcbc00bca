import Foundation

/// A small SVG canvas with linear axes: enough for interval plots and step curves, written
/// as plain text so reports need no plotting library.
struct SVGPlot {
    let width = 720.0, height = 420.0, top = 40.0, bottom = 60.0
    /// Margins: the left one holds the y labels (or a forest plot's row names).
    let left: Double, right: Double
    var x: ClosedRange<Double>
    var y: ClosedRange<Double>
    var body: [String] = []
    var legendEntries: [(String, String)] = []
    static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c"]

    init(x: ClosedRange<Double>, y: ClosedRange<Double>, left: Double = 90, right: Double = 30) {
        self.left = left; self.right = right
        self.x = x.lowerBound == x.upperBound ? (x.lowerBound - 1)...(x.upperBound + 1) : x
        self.y = y.lowerBound == y.upperBound ? (y.lowerBound - 1)...(y.upperBound + 1) : y
    }

    func px(_ v: Double) -> Double { left + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * (width - left - right) }
    func py(_ v: Double) -> Double { height - bottom - (v - y.lowerBound) / (y.upperBound - y.lowerBound) * (height - top - bottom) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = "#333", width: Double = 1, dash: Bool = false) {
        body.append("<line x1=\"\(Self.f(px(x1)))\" y1=\"\(Self.f(py(y1)))\" x2=\"\(Self.f(px(x2)))\" y2=\"\(Self.f(py(y2)))\" stroke=\"\(color)\" stroke-width=\"\(width)\"\(dash ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    mutating func dot(_ x: Double, _ y: Double, color: String) {
        body.append("<circle cx=\"\(Self.f(px(x)))\" cy=\"\(Self.f(py(y)))\" r=\"4\" fill=\"\(color)\"/>")
    }

    mutating func polyline(_ points: [(Double, Double)], color: String, width: Double = 2, opacity: Double = 1) {
        let p = points.map { "\(Self.f(px($0.0))),\(Self.f(py($0.1)))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" stroke-opacity=\"\(opacity)\"/>")
    }

    mutating func text(_ s: String, atX: Double, atY: Double, anchor: String = "start", size: Int = 12, color: String = "#222") {
        body.append("<text x=\"\(Self.f(atX))\" y=\"\(Self.f(atY))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(Self.escape(s))</text>")
    }

    /// Axes with ticks and labels; `xTicks`/`yTicks` are values with their labels.
    mutating func axes(xLabel: String, yLabel: String, xTicks: [(Double, String)], yTicks: [(Double, String)]) {
        body.append("<rect x=\"\(Self.f(left))\" y=\"\(Self.f(top))\" width=\"\(Self.f(width - left - right))\" height=\"\(Self.f(height - top - bottom))\" fill=\"none\" stroke=\"#999\"/>")
        for (v, label) in xTicks {
            body.append("<line x1=\"\(Self.f(px(v)))\" y1=\"\(Self.f(height - bottom))\" x2=\"\(Self.f(px(v)))\" y2=\"\(Self.f(height - bottom + 5))\" stroke=\"#999\"/>")
            text(label, atX: px(v), atY: height - bottom + 20, anchor: "middle", size: 11)
        }
        for (v, label) in yTicks {
            body.append("<line x1=\"\(Self.f(left - 5))\" y1=\"\(Self.f(py(v)))\" x2=\"\(Self.f(left))\" y2=\"\(Self.f(py(v)))\" stroke=\"#999\"/>")
            text(label, atX: left - 8, atY: py(v) + 4, anchor: "end", size: 11)
        }
        text(xLabel, atX: (left + width - right) / 2, atY: height - 15, anchor: "middle")
        body.append("<text transform=\"translate(18 \(Self.f((top + height - bottom) / 2))) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>")
    }

    /// A legend under the plot, one entry per line, so long arm names are never cut off.
    mutating func legend(_ entries: [(String, String)]) {
        legendEntries = entries
    }

    /// The plot as an image with its title as its accessible name (the figure's caption says more).
    func render(title: String) -> String {
        var legend: [String] = []
        for (i, (label, color)) in legendEntries.enumerated() {
            let yy = height + 8 + Double(i) * 20
            legend.append("<rect x=\"\(Self.f(left))\" y=\"\(Self.f(yy))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>")
            legend.append("<text x=\"\(Self.f(left + 18))\" y=\"\(Self.f(yy + 11))\" font-size=\"12\" fill=\"#222\">\(Self.escape(label))</text>")
        }
        let total = Int(height + (legendEntries.isEmpty ? 0 : Double(legendEntries.count) * 20 + 14))
        return """
        <svg xmlns="http://www.w3.org/2000/svg" role="img" width="\(Int(width))" height="\(total)" viewBox="0 0 \(Int(width)) \(total)" font-family="Helvetica, Arial, sans-serif">
        <title>\(Self.escape(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Self.f(left))" y="24" font-size="15" font-weight="bold">\(Self.escape(title))</text>
        \(body.joined(separator: "\n"))
        \(legend.joined(separator: "\n"))
        </svg>

        """
    }

    /// About five round tick values covering the range.
    static func ticks(_ r: ClosedRange<Double>) -> [Double] {
        let span = r.upperBound - r.lowerBound
        guard span > 0 else { return [r.lowerBound] }
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = ceil(r.lowerBound / step) * step
        while v <= r.upperBound + step * 1e-9 { out.append(v); v += step }
        return out
    }
}
