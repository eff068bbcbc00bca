import ProefAnalysis
import ProefCore
import ProefTestSupport
import Testing

@Suite struct FileAnalysisTests {
    @Test("a text covariate in a file enters Lin as a factor, equal to estimatr; waves nobody was measured at are named once")
    func textCovariate() throws {
        var rng = SplitMix64(seed: 51)
        var csv = "pseudonym,wave,arm,band,x,hours\n"
        var y: [String] = [], z: [String] = [], band: [String] = [], x: [String] = []
        for i in 0..<150 {
            let treated = Bool.random(using: &rng), b = ["young", "mid", "old"][Int.random(in: 0...2, using: &rng)]
            let xi = Double.random(in: 0...10, using: &rng)
            let hours = 10 + (treated ? 2 : 0) + (b == "old" ? -3 : 0) + 0.5 * xi + Double.random(in: -4...4, using: &rng)
            csv += "p\(i),6,\(treated ? "treated" : "control"),\(b),\(xi),\(hours)\n"
            csv += "p\(i),12,\(treated ? "treated" : "control"),\(b),\(xi),\n"
            y.append(String(hours)); z.append(treated ? "1" : "0"); band.append(b); x.append(String(xi))
        }
        var columns = FileAnalysis.Columns(outcome: "Hours")
        columns.covariates = ["band", "X"]
        let result = try FileAnalysis.run(try CSVTable(parsing: csv), columns: columns, method: .lin)
        let row = try #require(result.rows.first)
        #expect(result.rows.count == 1 && row.wave == 6)
        #expect(result.skipped == ["hours: no values at wave 12"])
        let r = try estimatrReference("lin", ["y": y, "z": z, "x1": band, "x2": x])
        #expect(r.count == 6)
        expectMatches(row.estimate, r)
    }
}
