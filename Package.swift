// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "swift-amqp-rpc",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "AMQPProtocol", targets: ["AMQPProtocol"]),
    .library(name: "AMQPClient", targets: ["AMQPClient"]),
    .library(name: "AMQPRPC", targets: ["AMQPRPC"]),
    .executable(name: "rpc-client", targets: ["rpc-client"]),
    .executable(name: "rpc-server", targets: ["rpc-server"]),
    .executable(name: "rpc-demo", targets: ["rpc-demo"]),
    .executable(name: "rpc-bench", targets: ["rpc-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
  ],
  targets: [
    .target(
      name: "AMQPProtocol",
      dependencies: [.product(name: "NIOCore", package: "swift-nio")],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "AMQPClient",
      dependencies: [
        "AMQPProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "AMQPRPC",
      dependencies: [
        "AMQPClient", "AMQPProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "HeapModule", package: "swift-collections"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "Instrumentation", package: "swift-distributed-tracing"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
      ],
      swiftSettings: swiftSettings
    ),
    .systemLibrary(
      name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
    .target(
      name: "TerminalUI",
      dependencies: ["CNcurses"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "RPCDashboards",
      dependencies: [
        "AMQPRPC", "AMQPClient", "TerminalUI",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "RPCScreens",
      dependencies: [
        "AMQPRPC", "AMQPClient", "RPCDashboards", "TerminalUI", "RPCCommandLine",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "RPCCommandLine",
      dependencies: [
        "AMQPClient", "AMQPRPC", "RPCDashboards",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "rpc-client",
      dependencies: [
        "AMQPRPC", "AMQPClient", "RPCCommandLine", "RPCDashboards", "RPCScreens", "TerminalUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "rpc-server",
      dependencies: [
        "AMQPRPC", "AMQPClient", "RPCCommandLine", "RPCDashboards", "RPCScreens", "TerminalUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "rpc-demo",
      dependencies: [
        "AMQPRPC", "AMQPClient", "RPCCommandLine", "RPCDashboards", "RPCScreens", "TerminalUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "rpc-bench",
      dependencies: [
        "AMQPRPC", "AMQPClient", "RPCCommandLine", "RPCDashboards",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "own-procedure",
      dependencies: ["AMQPRPC"],
      path: "Examples/OwnProcedure",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "amqp-codegen",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "amqp-roundtrip",
      dependencies: [
        "AMQPClient", "RPCCommandLine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "FrameDecoderFuzzer",
      dependencies: [
        "AMQPProtocol", "FuzzHarness", .product(name: "NIOCore", package: "swift-nio"),
      ],
      path: "Fuzz/FrameDecoderFuzzer",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "FuzzHarness",
      dependencies: [
        "AMQPRPC", "AMQPClient", "AMQPProtocol", .product(name: "NIOCore", package: "swift-nio"),
      ],
      path: "Fuzz/Harness",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "RequestPathFuzzer",
      dependencies: ["FuzzHarness"],
      path: "Fuzz/RequestPathFuzzer",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "ReplyPathFuzzer",
      dependencies: ["FuzzHarness"],
      path: "Fuzz/ReplyPathFuzzer",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "AMQPProtocolTests",
      dependencies: [
        "AMQPProtocol", "FuzzHarness", .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "AMQPClientTests",
      dependencies: [
        "AMQPClient", "AMQPProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "AMQPRPCTests",
      dependencies: [
        "AMQPRPC", "FuzzHarness", .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "RPCDashboardsTests",
      dependencies: [
        "RPCDashboards", "TerminalUI", "AMQPRPC", .product(name: "NIOCore", package: "swift-nio"),
      ],
      exclude: ["Goldens"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "RPCCommandLineTests",
      dependencies: [
        "RPCCommandLine", "AMQPClient", "AMQPRPC",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "AMQPIntegrationTests",
      dependencies: [
        "AMQPClient", "AMQPProtocol", "AMQPRPC", "RPCScreens",
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ],
      swiftSettings: swiftSettings
    ),
  ],
  swiftLanguageModes: [.v6]
)
