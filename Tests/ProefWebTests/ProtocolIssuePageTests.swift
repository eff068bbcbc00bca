import Foundation
import ProefCore
import ProefTestSupport
@testable import ProefWeb
import ProefWording
import Testing

/// Protocol issues on the web pages come from the catalogues, in the visit's language.
@Suite struct ProtocolIssuePageTests {
    static func catalogue(_ language: String) throws -> Catalogue {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Sources/ProefWeb/Resources/messages/\(language).json")
        return try Catalogue(json: Data(contentsOf: url))
    }

    /// Every issue the mistakes give, as the checker reports them.
    static let issues: [ProtocolIssue] = ProtocolMistakes.all.flatMap { m -> [ProtocolIssue] in
        guard case let .failure(e) = ProtocolParser.parse(m.text) else { return [] }
        return e.issues
    }

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{(\w+)\}/).map { String($0.1) })
    }

    @Test("every issue code has a text in both catalogues, using only the values the code gives", arguments: ["nl", "en"])
    func everyCodeWorded(language: String) throws {
        let t = try Self.catalogue(language)
        for code in ProtocolIssue.Code.allCases {
            let key = "protocolIssue.\(code.rawValue)"
            #expect(t.has(key), "\(language).json has no \(key)")
            guard let issue = Self.issues.first(where: { $0.code == code }) else {
                Issue.record("no mistake reports \(code)")
                continue
            }
            // Every text may name the field path, which each issue has.
            let given = Set(issue.values.keys).union(["field"])
            let unknown = Self.placeholders(t.text(key)).subtracting(given)
            #expect(unknown.isEmpty, "\(language).json \(key) uses \(unknown), but \(code) gives \(given.sorted())")
        }
    }

    @Test("the English catalogue says each issue exactly as its message")
    func englishRepeatsMessages() throws {
        let en = try Self.catalogue("en")
        for issue in Self.issues {
            guard let code = issue.code else { continue }
            #expect(en.format("protocolIssue.\(code.rawValue)", issue.values) == issue.message)
        }
    }

    @Test("no Dutch text is left with a placeholder or an English message once filled")
    func dutchFilled() throws {
        let nl = try Self.catalogue("nl")
        for issue in Self.issues {
            guard let code = issue.code else { continue }
            let text = nl.format("protocolIssue.\(code.rawValue)", issue.values.merging(["field": issue.field]) { a, _ in a })
            #expect(!text.contains("{") && text != issue.message, "\(code): \(text)")
        }
    }

    /// Four checker mistakes at once: a weight of 0, an unknown municipality code, a wave after
    /// the follow-up and an alpha of 5.
    static let mistaken = ProtocolMistakes.base
        .replacingOccurrences(of: "    weight: 1", with: "    weight: 0")
        .replacingOccurrences(of: "[GM0344, GM0014]", with: "[GM0344, GM9999X]")
        .replacingOccurrences(of: "waves: [6, 12, 24]", with: "waves: [6, 12, 36]")
        .replacingOccurrences(of: "alpha: 0.05", with: "alpha: 5")

    static func line(of fragment: String) -> Int {
        (mistaken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(fragment) } ?? -1) + 1
    }

    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    @Test("a protocol with mistakes on the register page lists them in Dutch, each linked to its line; the English page in English")
    func registerPage() async throws {
        let service = try await WebTestService()
        let before = try await service.state()
        let (nl, en) = try await service.run { client in
            (try await client.post("/trials/new", as: "pm", ["protocolText": Self.mistaken]),
             try await client.post("/trials/new", as: "pm", ["protocolText": Self.mistaken], language: "en"))
        }
        #expect(nl.status == .unprocessableContent && en.status == .unprocessableContent)
        let weight = Self.line(of: "weight: 0"), municipality = Self.line(of: "GM9999X"), wave = Self.line(of: "waves: [6, 12, 36]"),
            alpha = Self.line(of: "alpha: 5")
        let dutch = [
            (weight, "Het gewicht (weight) van een groep is een heel getal groter dan 0, niet 0."),
            (municipality, "‘GM9999X’ is geen CBS-code van een gemeente. Schrijf GM en 4 cijfers, bijvoorbeeld GM0344."),
            (wave, "De meting in maand 36 valt buiten de tijd dat cliënten worden gevolgd: maand 0 tot en met 24."),
            (alpha, "Het significantieniveau (alpha) ligt tussen 0 en 0.5, niet 5.0. Gebruikelijk is 0.05."),
        ]
        for (line, text) in dutch {
            #expect(nl.text.contains("<a href=\"#yaml-line-\(line)\">Regel \(line): \(Self.html(text))"), "no summary item for line \(line): \(text)")
            #expect(nl.text.contains("<li id=\"yaml-line-\(line)\" class=\"has-issue\">"))
        }
        #expect(nl.text.contains("Proef vond 4 punten om te verbeteren."))
        let english = [
            (weight, "allocation weight must be a positive whole number, not 0"),
            (municipality, "'GM9999X' is not a CBS municipality code (GM followed by four digits)"),
            (wave, "wave at month 36 lies outside the trial's follow-up of 0 to 24 months"),
            (alpha, "must lie between 0 and 0.5, not 5.0"),
        ]
        for (line, text) in english {
            #expect(en.text.contains("<a href=\"#yaml-line-\(line)\">Line \(line): \(Self.html(text))</a>"), "no summary item for line \(line): \(text)")
            #expect(!nl.text.contains(Self.html(text)), "the Dutch page shows the English \(text)")
        }
        #expect(try await service.state() == before)
    }

    @Test("an issue without a code, or with a code the catalogue lacks, shows its English message")
    func fallback() throws {
        let nl = try Self.catalogue("nl")
        #expect(ProtocolPages.text(ProtocolIssue(field: "value", message: "not a number"), nl) == "not a number")
        #expect(ProtocolPages.text(ProtocolIssue(field: "x", code: .required, message: "is required"), .empty) == "is required")
        #expect(ProtocolPages.text(ProtocolIssue(field: "title", code: .required, message: "is required"), nl) == "Vul ‘title’ in. Dit veld is verplicht.")
    }
}
