import Foundation
import ProefCore
import ProefTestSupport
import Testing

/// Every issue has a code and values, so a page can word it; the English message stays.
@Suite struct ProtocolIssueCodeTests {
    static func issues(_ m: ProtocolMistakes.Mistake) -> [ProtocolIssue] {
        guard case let .failure(e) = ProtocolParser.parse(m.text) else { return [] }
        return e.issues
    }

    @Test("the base of the mistakes is a valid protocol")
    func baseIsValid() throws {
        _ = try ProtocolParser.decode(ProtocolMistakes.base)
    }

    @Test("each mistake changes the base and is reported with a code", arguments: ProtocolMistakes.all)
    func mistake(m: ProtocolMistakes.Mistake) {
        for (from, _) in m.edits { #expect(ProtocolMistakes.base.contains(from), "the edit must change the base: \(from)") }
        let issues = Self.issues(m)
        #expect(!issues.isEmpty)
        for i in issues { #expect(i.code != nil, "no code for \(i)") }
    }

    @Test("every code is reported by some mistake, always with the same values")
    func everyCode() {
        var valueNames: [ProtocolIssue.Code: Set<Set<String>>] = [:]
        for m in ProtocolMistakes.all {
            for i in Self.issues(m) { if let code = i.code { valueNames[code, default: []].insert(Set(i.values.keys)) } }
        }
        let missing = ProtocolIssue.Code.allCases.filter { valueNames[$0] == nil }
        #expect(missing.isEmpty, "no mistake reports \(missing)")
        for (code, names) in valueNames { #expect(names.count == 1, "\(code) gives different values: \(names)") }
    }

    @Test("an issue's code and values travel in its JSON, and JSON without them still reads")
    func coding() throws {
        let issue = ProtocolIssue(line: 16, field: "arms[0].weight", code: .armWeightNotPositive, values: ["weight": "0"],
                                  message: "allocation weight must be a positive whole number, not 0")
        let json = try JSONEncoder().encode(issue)
        #expect(try JSONDecoder().decode(ProtocolIssue.self, from: json) == issue)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["code"] as? String == "armWeightNotPositive" && object["values"] as? [String: String] == ["weight": "0"])

        let old = try JSONDecoder().decode(ProtocolIssue.self, from: Data(#"{"line": 3, "field": "id", "message": "bad"}"#.utf8))
        #expect(old == ProtocolIssue(line: 3, field: "id", message: "bad"))
        let newer = try JSONDecoder().decode(ProtocolIssue.self, from: Data(#"{"field": "id", "code": "somethingNew", "values": {"a": "b"}, "message": "bad"}"#.utf8))
        #expect(newer.code == nil && newer.values == ["a": "b"] && newer.message == "bad")
    }
}
