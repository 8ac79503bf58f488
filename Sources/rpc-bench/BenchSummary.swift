import Histogram
import RPCCommandLine
import RPCDashboards

/// What a run measured, printed at the end and as one JSON line with --json.
struct BenchSummary {
  var clients: Int
  var inflight: Int
  var rpcs: Int
  var seconds: Double
  var timeouts: Int
  var failures: Int
  var latency: Histogram<UInt64>
  var clientCPUSeconds: Double
  var inProcessServer: Bool
  var api: String
  /// Requests carried only reply_to and correlation_id (`--tutorial-wire`).
  var tutorialWire: Bool
  /// Where every request sent (warm-up included) ended.
  var accounting: CallAccounting

  var rpcPerSecond: Double { seconds > 0 ? Double(rpcs) / seconds : 0 }
  var cpuMicrosecondsPerRPC: Double { rpcs > 0 ? clientCPUSeconds * 1e6 / Double(rpcs) : 0 }

  func percentile(_ value: Double) -> UInt64 {
    latency.totalCount == 0 ? 0 : latency.valueAtPercentile(value)
  }

  var text: String {
    """
    rpc-bench: \(clients) client(s) × \(inflight) in flight (\(api) API\(tutorialWire ? ", tutorial wire" : "")), \(rpcs) RPCs in \(Format.fixed(seconds, 2)) s
      throughput   \(Format.fixed(rpcPerSecond, 0)) RPC/s
      latency µs   p50 \(percentile(50))  p90 \(percentile(90))  p99 \(percentile(99))  p99.9 \(percentile(99.9))  max \(latency.max)
      timeouts     \(timeouts)   other failures \(failures)
      client CPU   \(Format.fixed(clientCPUSeconds, 2)) s = \(Format.fixed(cpuMicrosecondsPerRPC, 1)) µs per RPC\(inProcessServer ? " (includes the in-process workers; use --no-server for the client alone)" : "")
      requests     \(accounting.text)
    """
  }

  var json: String {
    let fields: [(String, String)] = [
      ("clients", "\(clients)"), ("inflight", "\(inflight)"), ("rpcs", "\(rpcs)"),
      ("seconds", Format.fixed(seconds, 3)), ("rpc_per_s", Format.fixed(rpcPerSecond, 1)),
      ("p50_us", "\(percentile(50))"), ("p90_us", "\(percentile(90))"),
      ("p99_us", "\(percentile(99))"),
      ("p999_us", "\(percentile(99.9))"), ("max_us", "\(latency.max)"), ("timeouts", "\(timeouts)"),
      ("failures", "\(failures)"), ("client_cpu_s", Format.fixed(clientCPUSeconds, 3)),
      ("cpu_us_per_rpc", Format.fixed(cpuMicrosecondsPerRPC, 1)),
      ("in_process_server", inProcessServer ? "true" : "false"), ("api", "\"\(api)\""),
      ("tutorial_wire", tutorialWire ? "true" : "false"),
    ]
    return CallAccounting.jsonObject(fields + accounting.jsonFields)
  }
}
