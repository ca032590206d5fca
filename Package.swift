// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "bleagent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bleagent", targets: ["BLEAgent"]),
        .executable(name: "bleagent-server", targets: ["BLEAgentServer"]),
        .executable(name: "bleagent-bench", targets: ["BLEAgentBench"]),
        .executable(name: "bleagent-fuzz-export", targets: ["ExportReaderFuzz"]),
        .executable(name: "bleagent-store-crash-writer", targets: ["StoreCrashWriter"]),
        .library(name: "ExposureNotification", targets: ["ExposureNotification"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
    ],
    targets: [
        // OpenSSL's libcrypto, used only by the core's fast crypto back-end (HKDF + AES-ECB batches).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", providers: [.apt(["libssl-dev"])]),
        // libdbus-1, imported only by the DBus module's back-end files.
        .systemLibrary(name: "CTimex", path: "Sources/CTimex"),
        .systemLibrary(name: "CDBus", path: "Sources/CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        // libbluetooth (HCI), imported only by the BlueZ module's one back-end file.
        .systemLibrary(name: "CBlueZ", path: "Sources/CBlueZ", providers: [.apt(["libbluetooth-dev"])]),

        // The pure protocol core: keys, identifiers, export files, matcher, risk. No I/O, no clocks.
        .target(
            name: "ExposureNotification",
            dependencies: [
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                // ZIPFoundation writes our zips. Reading uses our own bounded zip reader over the system
                // zlib (ZIPFoundation's `CZlib` module): on Linux ZIPFoundation's inflate loop never ends
                // on a deflate stream cut short, which a hostile key file can be.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),

        // The encrypted, crash-safe contact store that forgets after 14 days (SQLite through GRDB).
        .target(
            name: "ContactStore",
            dependencies: [
                "ExposureNotification",
                "Durability",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Durable files (temporary, fsync, rename, fsync of the folder) and SQLite opened so that a
        // commit survives a power cut. Shared by the store, the agent and the server.
        .target(name: "Durability", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),

        // What the agent and the server share with the host: child processes (signal mask cleared),
        // operator hook commands with a time limit, datagrams to journald and systemd.
        .target(name: "HostSupport", dependencies: [.product(name: "Logging", package: "swift-log")]),

        // Typed, path-aware TOML reading shared by the agent's and the server's configuration files.
        .target(name: "TOMLConfiguration", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),

        // The clock agents, demos and the notification server share (real, or sped up for tests).
        .target(name: "AgentTime", dependencies: ["CTimex"]),

        // A D-Bus connection driven by a thread of its own: calls, signals, exported objects, values.
        // Knows nothing of Bluetooth; the agent's own API and the desktop companion use it too.
        .target(name: "DBus", dependencies: ["CDBus"]),

        // The radio: typed proxies for bluetoothd's objects, a pure decoder of its signals, the
        // radio schedule (a state machine) and the agent that performs it.
        .target(
            name: "BlueZ",
            dependencies: ["CBlueZ", "DBus", "ExposureNotification", "AgentTime"]
        ),

        // The notification server: processing numbers, positive registrations (COCOA's
        // PUT /v3/diagnosis), the export worker, operation logs. SQLite (GRDB) or PostgreSQL.
        .target(
            name: "NotificationServer",
            dependencies: [
                "ExposureNotification",
                "AgentTime",
                "TOMLConfiguration",
                "Durability",
                "HostSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                // /metrics: counters and histograms through swift-metrics' API, kept and rendered by
                // swift-prometheus (a registry per runtime: no global metrics system).
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // `bleagent field report`: one self-contained HTML page of plots from sightings, matches and a
        // risk model. Pure (no I/O), so the benchmark can build a large one.
        .target(name: "FieldReport", dependencies: ["ExposureNotification"]),

        // The one release number both executables print.
        .target(name: "Release"),

        // `bleagent-server`: serve, export, issue processing numbers.
        .executableTarget(
            name: "BLEAgentServer",
            dependencies: [
                "NotificationServer",
                "ExposureNotification",
                "TOMLConfiguration",
                "HostSupport",
                "Release",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Replays of public field trials (MITLL-UA, Dublin tram, NIST Pi): each contact judged by the
        // core's one judgement, scored against the trials' ground truth. Pure but for its folder loader.
        .target(name: "FieldTrials", dependencies: ["ExposureNotification"]),

        // The `bleagent` executable: CLI verbs (and, later, the daemon).
        .executableTarget(
            name: "BLEAgent",
            dependencies: [
                "ExposureNotification",
                "ContactStore",
                "FieldTrials",
                "BlueZ",
                "DBus",
                "AgentTime",
                "Durability",
                "HostSupport",
                "FieldReport",
                "Release",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "TOMLConfiguration",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Benchmarks: `swift run -c release bleagent-bench match`. Not a test; compiled by CI's debug build.
        .executableTarget(
            name: "BLEAgentBench",
            dependencies: ["ExposureNotification", "ContactStore", "BlueZ", "DBus", "COpenSSL", "NotificationServer", "TestSupport", "FieldReport", "FieldTrials",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/BLEAgentBench"
        ),

        // Test tool: writes to a store and acknowledges each commit, for the SIGKILL crash tests.
        .executableTarget(
            name: "StoreCrashWriter",
            dependencies: ["ContactStore", "ExposureNotification", "Durability"],
            path: "Tools/StoreCrashWriter"
        ),

        // libFuzzer target for the export reader (build recipe in scripts/fuzz.sh). Depends on the core only.
        .executableTarget(
            name: "ExportReaderFuzz",
            dependencies: ["ExposureNotification"],
            path: "Fuzz/ExportReaderFuzz"
        ),

        .testTarget(
            name: "ExposureNotificationTests",
            dependencies: [
                "ExposureNotification",
                "TestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // What several test targets share (deterministic randomness, …).
        .target(name: "TestSupport", path: "Tests/TestSupport", exclude: ["private-bus.conf"]),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "TestSupport"], exclude: ["Support/peer.py"]),
        .testTarget(name: "FieldReportTests", dependencies: ["FieldReport", "ExposureNotification", "TestSupport"]),
        .testTarget(name: "FieldTrialsTests", dependencies: ["FieldTrials", "ExposureNotification"]),
        .testTarget(name: "DurabilityTests", dependencies: ["Durability", "TestSupport"]),
        .testTarget(name: "HostSupportTests", dependencies: ["HostSupport", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "ContactStoreTests",
            dependencies: [
                "ContactStore",
                "Durability",
                "ExposureNotification",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "BlueZTests",
            dependencies: ["BlueZ", "DBus", "ExposureNotification", "AgentTime", "TestSupport"]
        ),
        .testTarget(
            name: "NotificationServerTests",
            dependencies: [
                "NotificationServer",
                "Durability",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                "ExposureNotification",
                "TOMLConfiguration",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BLEAgentTests",
            dependencies: ["BLEAgent", "ExposureNotification", "BlueZ", "AgentTime", "ContactStore", "TOMLConfiguration", "Durability",
                           "DBus", "TestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
