// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "proef",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "proef", targets: ["proef"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already below Hummingbird; named for the connection timeouts' channel handler.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]
        ),
        .target(name: "ProefCrypto", dependencies: ["CLibCrypto", .product(name: "HummingbirdBcrypt", package: "hummingbird-auth")]),
        .systemLibrary(name: "CReadStat", providers: [.apt(["libreadstat-dev"])]),
        .target(name: "ProefStats"),
        .target(name: "ProefAnalysis", dependencies: ["ProefCore", "ProefStats"]),
        .target(
            name: "ProefCore",
            dependencies: ["ProefCrypto", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "ProefStore",
            dependencies: [
                "ProefCore", "ProefCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Words for people: the languages, their message catalogues, and a protocol said in one of them.
        .target(name: "ProefWording", dependencies: ["ProefCore"]),
        // The report for decision-makers and its appendix: HTML from templates, plots as SVG.
        .target(
            name: "ProefReport",
            dependencies: ["ProefWording", "ProefAnalysis", "ProefCore", "ProefStats", .product(name: "Mustache", package: "swift-mustache")],
            resources: [.copy("Resources")]
        ),
        .target(name: "ProefDatasets", dependencies: ["ProefCore", "CReadStat"]),
        // The API's vocabulary: request and response types, problem documents, endpoints, JSON coding.
        .target(name: "ProefAPI", dependencies: ["ProefCore"]),
        .target(
            name: "ProefServer",
            dependencies: [
                "ProefAPI", "ProefCore", "ProefCrypto", "ProefDatasets", "ProefAnalysis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("openapi.yaml")]
        ),
        .target(
            name: "ProefCLI",
            dependencies: [
                "ProefAPI", "ProefCore", "ProefStore", "ProefCrypto", "ProefDatasets", "ProefAnalysis", "ProefStats", "ProefReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The web pages for people: server-rendered HTML over the same registry and policy.
        .target(
            name: "ProefWeb",
            dependencies: [
                "ProefServer", "ProefAPI", "ProefCore", "ProefCrypto", "ProefAnalysis", "ProefDatasets", "ProefWording", "ProefReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources")]
        ),
        // The composition root: the CLI's commands plus `serve`, which needs the service.
        .executableTarget(
            name: "proef",
            dependencies: [
                "ProefCLI", "ProefServer", "ProefWeb", "ProefStore", "ProefCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "proef-bench",
            dependencies: ["ProefAPI", "ProefCore", "ProefStore", "ProefServer", "ProefWeb", "ProefCrypto", "ProefStats", "ProefAnalysis", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Scripts/bench/Sources"
        ),

        .target(name: "ProefTestSupport", dependencies: ["ProefCore", "ProefStore", "ProefCrypto", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Tests/ProefTestSupport"),
        .testTarget(name: "ProefCryptoTests", dependencies: ["ProefCrypto"]),
        .testTarget(name: "ProefStatsTests", dependencies: ["ProefStats", "ProefTestSupport"]),
        .testTarget(name: "ProefAnalysisTests", dependencies: ["ProefAnalysis", "ProefStats", "ProefDatasets", "ProefTestSupport"]),
        .testTarget(name: "ProefReportTests", dependencies: ["ProefReport", "ProefAnalysis", "ProefWording", "ProefTestSupport"]),
        .testTarget(name: "ProefCoreTests", dependencies: ["ProefCore", "ProefTestSupport"]),
        .testTarget(name: "ProefStoreTests", dependencies: ["ProefStore", "ProefTestSupport"]),
        .testTarget(name: "ProefDatasetsTests", dependencies: ["ProefDatasets", "ProefStore", "ProefTestSupport"]),
        .testTarget(
            name: "ProefServerTests",
            dependencies: [
                "ProefServer", "ProefAPI", "ProefTestSupport", "ProefCrypto",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "ProefWebTests",
            dependencies: [
                "ProefWeb", "ProefServer", "ProefCLI", "ProefCore", "ProefWording", "ProefTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // The web pages in a real browser: headless Chromium through Selenium, axe-core on every page.
        .testTarget(name: "ProefBrowserTests", dependencies: ["ProefTestSupport"]),
        .testTarget(
            name: "ProefCLITests",
            dependencies: ["ProefCLI", "ProefAPI", "ProefServer", "ProefStore", "ProefTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
    ]
)
