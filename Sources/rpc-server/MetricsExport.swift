import Metrics
import Prometheus
import RPCCommandLine

/// `--metrics-port`: swift-metrics bootstrapped with swift-prometheus, served by a
/// ``MetricsEndpoint``.
enum MetricsExport {
  /// Bootstraps the metrics system (once per process) and serves it on 127.0.0.1:`port`;
  /// prints `metrics on http://127.0.0.1:<port>/metrics` with the port bound.
  static func start(port: Int) async throws -> MetricsEndpoint {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let endpoint = try await MetricsEndpoint.start(port: port, registry: registry)
    print(" [x] metrics on http://127.0.0.1:\(endpoint.port)/metrics")
    return endpoint
  }
}

extension OptionRange where Value == Int {
  /// `--metrics-port`: a TCP port, 1 to 65535, or 0 for any free one.
  static let metricsPort = wholeNumbers(0...65_535, note: "0 picks a free port")
}
