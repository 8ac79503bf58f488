import Histogram

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

  var rpcPerSecond: Double { seconds > 0 ? Double(rpcs) / seconds : 0 }
  var cpuMicrosecondsPerRPC: Double { rpcs > 0 ? clientCPUSeconds * 1e6 / Double(rpcs) : 0 }

  func percentile(_ value: Double) -> UInt64 {
    latency.totalCount == 0 ? 0 : latency.valueAtPercentile(value)
  }

  var text: String {
    """
    rpc-bench: \(clients) client(s) × \(inflight) in flight (\(api) API), \(rpcs) RPCs in \(fixed(seconds, 2)) s
      throughput   \(fixed(rpcPerSecond, 0)) RPC/s
      latency µs   p50 \(percentile(50))  p90 \(percentile(90))  p99 \(percentile(99))  p99.9 \(percentile(99.9))  max \(latency.max)
      timeouts     \(timeouts)   other failures \(failures)
      client CPU   \(fixed(clientCPUSeconds, 2)) s = \(fixed(cpuMicrosecondsPerRPC, 1)) µs per RPC\(inProcessServer ? " (includes the in-process workers; use --no-server for the client alone)" : "")
    """
  }

  var json: String {
    let fields: [(String, String)] = [
      ("clients", "\(clients)"), ("inflight", "\(inflight)"), ("rpcs", "\(rpcs)"),
      ("seconds", fixed(seconds, 3)), ("rpc_per_s", fixed(rpcPerSecond, 1)),
      ("p50_us", "\(percentile(50))"), ("p90_us", "\(percentile(90))"),
      ("p99_us", "\(percentile(99))"),
      ("p999_us", "\(percentile(99.9))"), ("max_us", "\(latency.max)"), ("timeouts", "\(timeouts)"),
      ("failures", "\(failures)"), ("client_cpu_s", fixed(clientCPUSeconds, 3)),
      ("cpu_us_per_rpc", fixed(cpuMicrosecondsPerRPC, 1)),
      ("in_process_server", inProcessServer ? "true" : "false"), ("api", "\"\(api)\""),
    ]
    return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
  }
}

func fixed(_ value: Double, _ digits: Int) -> String {
  guard value.isFinite else { return "0" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = Int64((value * scale).rounded())
  let whole = scaled / Int64(scale)
  guard digits > 0 else { return String(whole) }
  let fraction = String(abs(scaled % Int64(scale)))
  return String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}
