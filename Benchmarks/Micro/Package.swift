// swift-tools-version: 6.1
// Micro-benchmarks on ordo-one/benchmark, in a package of their own so that the main package
// and its CI neither resolve nor build the benchmark tooling. Run them with
// `Scripts/benchmarks` (see the README's "Performance" section).
import PackageDescription

let package = Package(
  name: "swift-amqp-rpc-micro",
  platforms: [.macOS(.v14)],
  dependencies: [
    .package(name: "swift-amqp-rpc", path: "../.."),
    .package(
      url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1",
      traits: ["MallocInterposer"]),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
  ],
  targets: [
    .executableTarget(
      name: "AMQPMicro",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "AMQPProtocol", package: "swift-amqp-rpc"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "HeapModule", package: "swift-collections"),
      ],
      path: "Benchmarks/AMQPMicro",
      swiftSettings: [.enableUpcomingFeature("ExistentialAny")],
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
  ],
  swiftLanguageModes: [.v6]
)
