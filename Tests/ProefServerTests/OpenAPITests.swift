import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProefServer
import ProefTestSupport
import Testing
import Yams

@Suite struct OpenAPITests {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// (METHOD, /path/{param}) for every operation in the document.
    static func documentedOperations() throws -> Set<String> {
        let doc = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: Any])
        var ops = Set<String>()
        for (path, item) in paths {
            for (key, _) in (item as? [String: Any]) ?? [:] where methods.contains(key) {
                ops.insert("\(key.uppercased()) \(path)")
            }
        }
        return ops
    }

    /// The router's routes in OpenAPI's spelling: `:id` becomes `{id}`.
    static func routedOperations() async throws -> Set<String> {
        let service = try await TestService(registerProtocols: [])
        return routes(of: buildRouter(registry: service.t.registry))
    }

    static func routes(of router: Router<AppRequestContext>) -> Set<String> {
        Set(router.routes.map { route in
            let path = "/" + route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) \(path)"
        })
    }

    @Test("the OpenAPI document describes exactly the routes the service has")
    func matchesRoutes() async throws {
        let documented = try Self.documentedOperations()
        let routed = try await Self.routedOperations()
        #expect(routed.count > 15)
        #expect(routed.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
        #expect(documented.subtracting(routed).sorted() == [], "documented operations the service lacks")
    }

    @Test("the document is OpenAPI 3.1, served as is, and every operation names its errors as problem+json")
    func served() async throws {
        let doc = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        #expect((doc["openapi"] as? String)?.hasPrefix("3.1") == true)
        let service = try await TestService(registerProtocols: [])
        try await service.run { client in
            let r = try await client.call(.get, "/openapi.yaml")
            #expect(r.status.code == 200 && r.text == OpenAPIDocument.text)
            #expect(try await client.call(.get, "/health").status.code == 200)
        }
        #expect(OpenAPIDocument.text.contains("application/problem+json"))
    }

    @Test("an answer that drifts from the document is caught: an undeclared or missing property, a wrong type, an undocumented status")
    func conformanceCatchesDrift() throws {
        let good = #"{"code": "GM0344", "name": "Utrecht"}"#
        func problems(_ body: String, status: Int = 201) -> [String] {
            OpenAPISchema.shared.responseProblems(method: "POST", path: "/v1/municipalities", status: status, contentType: "application/json",
                                               body: Data(body.utf8))
        }
        #expect(problems(good).isEmpty)
        #expect(problems(#"{"code": "GM0344", "name": "Utrecht", "extra": 1}"#).first?.contains("extra: is not declared in the schema") == true)
        #expect(problems(#"{"code": "GM0344"}"#).first?.contains("name: is required") == true)
        #expect(problems(#"{"code": 344, "name": "Utrecht"}"#).first?.contains("is not of type string") == true)
        #expect(problems(good, status: 299).first?.contains("status 299 is not documented") == true)
    }
}

@Suite struct OpenAPIPublicationTests {
    @Test("every 2xx and 3xx response the document describes declares the API-Version header")
    func versionHeaderDeclared() throws {
        let doc = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var missing: [String] = []
        var seen = 0
        for (path, item) in paths {
            for (method, op) in item where OpenAPITests.methods.contains(method) {
                let responses = ((op as? [String: Any])?["responses"] as? [String: Any]) ?? [:]
                for (status, response) in responses where status.hasPrefix("2") || status.hasPrefix("3") {
                    seen += 1
                    let headers = ((response as? [String: Any])?["headers"] as? [String: Any]) ?? [:]
                    if (headers["API-Version"] as? [String: Any])?["$ref"] as? String != "#/components/headers/APIVersion" {
                        missing.append("\(method.uppercased()) \(path) \(status)")
                    }
                }
            }
        }
        #expect(seen > 40)
        #expect(missing.isEmpty, "no API-Version declared on \(missing.sorted())")
        #expect(((doc["components"] as? [String: Any])?["headers"] as? [String: Any])?["APIVersion"] != nil)
    }

    @Test("the document is served as YAML and as JSON with the same content, and every API answer carries API-Version with info.version")
    func jsonAndVersionHeader() async throws {
        let service = try await TestService(registerProtocols: [])
        let yaml = try #require(try Yams.load(yaml: OpenAPIDocument.text, Resolver.default.removing(.timestamp)) as? [String: Any])
        let version = try #require((yaml["info"] as? [String: Any])?["version"] as? String)
        #expect(version.split(separator: ".").count == 3 && version.split(separator: ".").allSatisfy { Int($0) != nil })
        try await service.run { client in
            try await client.execute(uri: "/openapi.json", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "application/json")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let expected = try #require(try Yams.load(yaml: OpenAPIDocument.text, Resolver.default.removing(.timestamp)) as? [String: Any])
                #expect(NSDictionary(dictionary: json).isEqual(to: expected), "the JSON document differs from the YAML one")
                #expect(r.headers[HTTPField.Name("API-Version")!] == version)
            }
            // A success, a refusal and a problem alike.
            for (uri, status) in [("/health", HTTPResponse.Status.ok), ("/v1/trials", .unauthorized), ("/v1/public/trials/none/checkpoint", .notFound)] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    #expect(r.headers[HTTPField.Name("API-Version")!] == version, "\(uri) has no API-Version")
                }
            }
        }
    }
}
