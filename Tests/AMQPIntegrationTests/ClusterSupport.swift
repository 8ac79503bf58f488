import Foundation
import Testing

/// The three-node RabbitMQ cluster of `Scripts/cluster` (n1, n2, n3 at localhost), as
/// `$AMQP_CLUSTER_URLS` gives it: its three AMQP URLs, comma-separated, in node order (the
/// line `Scripts/cluster url` prints). Unset, the cluster tests are skipped.
enum Cluster {
  static let environmentVariable = "AMQP_CLUSTER_URLS"

  /// The nodes' URLs, n1 first.
  static let urls: [String] = (ProcessInfo.processInfo.environment[environmentVariable] ?? "")
    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    .filter { !$0.isEmpty }

  static var isConfigured: Bool { urls.count == 3 }

  /// `n1`, `n2`, `n3`: the short node names, by URL position.
  static let nodes = ["n1", "n2", "n3"]

  static func node(_ index: Int) -> String { nodes[index] }

  /// `--url` options for a program attached to node `first`: that node's URL, then the
  /// others in order (it fails over to them in turn). Every URL carries `connection_name`,
  /// so the program's connection keeps its name on whichever node it lands.
  static func urlOptions(first: Int, connectionName: String? = nil) -> [String] {
    (0..<urls.count).map { (first + $0) % urls.count }.flatMap { index -> [String] in
      var url = urls[index]
      if let connectionName {
        url += (url.contains("?") ? "&" : "?") + "connection_name=\(connectionName)"
      }
      return ["--url", url]
    }
  }

  /// The node index whose URL has `port`, from a connection listing.
  static func node(ofPort port: Int) -> Int? {
    urls.firstIndex { URLComponents(string: $0)?.port == port }
  }

  // MARK: - Scripts/cluster and rabbitmqctl

  /// `Scripts/cluster ARGUMENTS…`; its output. A failure is an error.
  @discardableResult
  static func script(_ arguments: String..., timeout: Double = 180) async throws -> String {
    let result = try await Shell.run(
      BrokerFaults.packageRoot.appendingPathComponent("Scripts/cluster").path, arguments,
      timeout: timeout)
    guard result.status == 0 else {
      throw FaultError("Scripts/cluster \(arguments.joined(separator: " ")): \(result.output)")
    }
    return result.output
  }

  /// `rabbitmqctl -q -n NODE@localhost ARGUMENTS…` against the first of `nodes` (indices)
  /// that answers; its output.
  static func ctl(on nodes: [Int] = [0, 1, 2], _ arguments: String...) async throws -> String {
    var failures: [String] = []
    for index in nodes {
      let result = try await Shell.run(
        "rabbitmqctl", ["-q", "-n", "\(node(index))@localhost"] + arguments, timeout: 60)
      if result.status == 0 { return result.output }
      failures.append("\(node(index)): \(result.output)")
    }
    throw FaultError("rabbitmqctl \(arguments.joined(separator: " ")): \(failures)")
  }

  /// The node (index) that leads quorum queue `queue`, as a running node reports it
  /// (`list_queues name leader`); `nil` while it has none (an election).
  static func leader(of queue: String, askingAnyOf nodes: [Int] = [0, 1, 2]) async throws -> Int? {
    let listing = try await ctl(
      on: nodes, "list_queues", "--no-table-headers", "name", "type", "leader")
    for row in listing.split(separator: "\n") {
      let fields = row.split(separator: "\t").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if fields.count == 3, fields[0] == queue {
        guard fields[1] == "quorum" else {
          throw FaultError("\(queue) is a \(fields[1]) queue, not a quorum one: \(row)")
        }
        return Cluster.nodes.firstIndex(of: String(fields[2].prefix { $0 != "@" }))
      }
    }
    return nil
  }

  /// The node (index) the connection named exactly `name` is on (the broker's own view: the
  /// port it accepted it on); waits until the connection is listed.
  static func nodeOfConnection(named name: String, askingAnyOf nodes: [Int] = [0, 1, 2])
    async throws -> Int
  {
    try await withTimeout(30, "connection \(name) to be listed") {
      while true {
        let listing = try await ctl(
          on: nodes, "list_connections", "--no-table-headers", "port", "client_properties")
        for row in listing.split(separator: "\n")
        where row.contains("{\"connection_name\",\"\(name)\"}") {
          if let port = row.split(separator: "\t").first.flatMap({ Int($0) }),
            let index = node(ofPort: port)
          {
            return index
          }
        }
        try await Task.sleep(for: .milliseconds(200))  // a poll period: it is connecting
      }
    }
  }

  /// Leaves the cluster with its three nodes running and clustered: `Scripts/cluster start`
  /// starts what a test stopped (the node's VM, or its application) and says so when all is
  /// up already.
  static func restore() async throws {
    try await script("start")
    try await script("status")
  }

  /// Runs `body`, then restores the cluster (``restore()``) whatever happened; `body`'s error,
  /// if any, is rethrown after that.
  static func withClusterRestored<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await runThenRestore(
      body, restore: restore, failing: "could not restore the cluster after the test")
  }
}

/// One of our executables, its standard output and error together, read as they come by a
/// readability handler (no thread of the concurrency pool blocks on it: a test runs three
/// of these at once on two cores). Tests wait for lines in it, never for time.
// The Process is touched from one test task at a time; the text is behind a lock.
final class ClusterProcess: @unchecked Sendable {
  let name: String
  private let process = Process()
  private let pipe = Pipe()
  private let lock = NSLock()
  private var text = ""
  private var endOfOutput = false

  init(product name: String, _ arguments: [String]) throws {
    self.name = name
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
      .deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      guard let self else { return }
      self.lock.withLock {
        if data.isEmpty {
          self.endOfOutput = true
        } else {
          self.text += String(decoding: data, as: UTF8.self)
        }
      }
      if data.isEmpty { handle.readabilityHandler = nil }
    }
    try process.run()
  }

  /// Everything it has written so far.
  var output: String { lock.withLock { text } }

  var isRunning: Bool { process.isRunning }

  /// Waits until its output contains `text`; returns the output so far.
  @discardableResult
  func waitForOutput(containing text: String, seconds: Double = 60) async throws -> String {
    try await poll("\"\(text)\" from \(name)", timeout: seconds) { [self] in
      if output.contains(text) { return true }
      if !isRunning, lock.withLock({ endOfOutput }) {
        throw FaultError("\(name) ended before writing \"\(text)\": \(output)")
      }
      return false
    }
    return output
  }

  /// Waits for its exit and the end of its output; returns the status and all its output.
  func finish(seconds: Double = 60) async throws -> (status: Int32, output: String) {
    try await poll("\(name) to exit; output so far:\n\(output)", timeout: seconds) { [self] in
      !isRunning && lock.withLock { endOfOutput }
    }
    return (process.terminationStatus, output)
  }

  func signal(_ number: Int32) {
    if process.isRunning { kill(process.processIdentifier, number) }
  }

  func stop() {
    if process.isRunning { process.terminate() }
  }
}

/// The link lines of a program's output: ` [x] recovered after 1.2 s on HOST:PORT`.
enum RecoveryLines {
  /// Every downtime reported on the lines that contain `prefix` (`rpc-bench client 1:`), in
  /// seconds.
  static func downtimes(in output: String, prefix: String = "") -> [Double] {
    // (Foundation's `contains("")` is false: no prefix means every line.)
    output.split(separator: "\n").filter { prefix.isEmpty || $0.contains(prefix) }.compactMap {
      line in
      line.firstMatch(of: /\[x\] recovered after (\d+\.\d) s/).flatMap { Double($0.1) }
    }
  }
}

/// rpc-bench's progress lines on standard error: `[3s] sent 2294  replied 2286  failed 0  753
/// RPC/s  p50 …`, one a second.
enum ProgressLines {
  /// The RPC/s of every progress line in `output`.
  static func rates(in output: Substring) -> [Int] {
    output.split(separator: "\n").compactMap { line in
      line.firstMatch(of: /^\[\d+s\] sent .* (\d+) RPC\/s/).flatMap { Int($0.1) }
    }
  }
}

/// One row of the failover table the cluster tests print, and what it checks.
struct FailoverRow {
  var fault: String
  var summary: JSONSummary
  var recovery: String
  /// The load's steadiest figure before the fault (the median second) and its slowest second
  /// from the fault on, in replies per second.
  var rates: (before: Int, slowestAfter: Int)?

  var sent: Int { summary["sent"] ?? 0 }
  var ok: Int { summary["ok"] ?? 0 }

  /// The calls that did not end ok, by class (`1 timed out, 8 connection lost`), or `none`.
  var notOK: String {
    let classes = [
      ("error", "errors"), ("timed_out", "timed out"), ("unroutable", "unroutable"),
      ("connection_lost", "connection lost"), ("cancelled", "cancelled"),
    ]
    let counts = classes.compactMap { key, label in
      (summary[key] ?? 0) > 0 ? "\(summary[key] ?? 0) \(label)" : nil
    }
    return counts.isEmpty ? "none" : counts.joined(separator: ", ")
  }

  /// `FAILOVER | stop the client's node … | sent 4123 | accounted 4123 | ok 4101 (99.5 %) |
  /// not ok: 22 connection lost | …`
  var line: String {
    let percent = sent == 0 ? 0 : Double(ok) * 100 / Double(sent)
    return "FAILOVER | \(fault) | sent \(sent) | accounted \(summary.accountedFor) | ok \(ok) ("
      + String(format: "%.1f", percent) + " %) | not ok: \(notOK) | \(recovery)"
      + (rates.map { " | \($0.before) RPC/s before, slowest second after \($0.slowestAfter)" } ?? "")
  }

  /// ``rates`` from the bench's output, split where the fault began (`faultAt` characters in).
  static func rates(in output: String, faultAt: Int) -> (before: Int, slowestAfter: Int)? {
    let before = ProgressLines.rates(in: output.prefix(faultAt)).sorted()
    let after = ProgressLines.rates(in: output.dropFirst(faultAt))
    guard !before.isEmpty, let slowest = after.min() else { return nil }
    return (before[before.count / 2], slowest)
  }

  /// `1.2 s`.
  static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

  static func seconds(_ duration: Duration) -> String {
    seconds(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
  }
}
