import Foundation
import Hummingbird
import NIOCore
import ProefCore
import ProefReport
import ProefWording

/// The trial's report as a page: the same document `proef report` writes, in the visit's
/// language, with a link back to the trial. The browser prints it to A4 with the report's own
/// print rules, so the programme manager needs no command line for the council's copy.
struct ReportPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [(.report, { request, context in
            let visit = Visit(request, context, resources: renderer.resources)
            let p = try visit.signedIn()
            let id = try context.parameters.require("id")
            let detail = try await registry.trialDetail(as: p, id: id)
            let input = ReportInput(trial: detail.trial, trialProtocol: detail.protocol,
                                    effects: try await registry.estimates(as: p, trialID: id),
                                    consort: try await registry.consort(as: p, trialID: id),
                                    municipalities: try await registry.municipalities(as: p), madeAt: registry.clock())
            let t = visit.t
            let navigation = ReportNavigation(
                backLabel: t.text("report.back"), backHref: "/trials/\(id)", languagesLabel: t.text("header.languageNav"),
                languages: Language.allCases.map { l in
                    .init(code: l.rawValue, name: t.text("language.\(l.rawValue)"), href: WebRenderer.withLanguage(visit, l), current: l == visit.language)
                })
            let html = try TrialReport(input, language: visit.language).html(stylesheetHref: "/static/report.css", navigation: navigation)
            var headers = WebRenderer.headers(signedIn: true)
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.contentLanguage] = visit.language.rawValue
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        })]
    }
}
