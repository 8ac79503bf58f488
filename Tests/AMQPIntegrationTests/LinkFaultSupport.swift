import AMQPClient
import Foundation
import Testing

extension Broker {
  /// The test broker's URL with `connection_name` set, so that a test can find the
  /// connection of a program it runs (and only that one) in `rabbitmqctl list_connections`.
  static func url(connectionName: String) -> String {
    let environment = ProcessInfo.processInfo.environment["AMQP_URL"] ?? ""
    let base =
      environment.split(separator: ",").first.map {
        String($0).trimmingCharacters(in: .whitespaces)
      } ?? AMQPConnectionConfiguration.defaultURL
    return base + (base.contains("?") ? "&" : "?") + "connection_name=\(connectionName)"
  }

  /// Polls `rabbitmqctl list_queues` until `condition` holds for `queue`.
  static func waitForQueue(
    _ queue: String, _ what: String,
    _ condition: @escaping @Sendable ((ready: Int, unacknowledged: Int)) -> Bool
  ) async throws {
    try await withTimeout(30, what) {
      while true {
        let rows = try Broker.rabbitmqctl(
          "-q", "list_queues", "name", "messages_ready", "messages_unacknowledged")
        for row in rows.split(separator: "\n") {
          let fields = row.split(whereSeparator: { $0 == " " || $0 == "\t" })
          if fields.count == 3, fields[0] == queue, let ready = Int(fields[1]),
            let unacknowledged = Int(fields[2]), condition((ready, unacknowledged))
          {
            return
          }
        }
        try await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  /// Has the broker close the connection named exactly `name` (`rabbitmqctl
  /// close_connection`), polling `list_connections` until it is there; returns its pid.
  @discardableResult
  static func closeConnection(named name: String, seconds: Double = 20) async throws -> String {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      let listing = try rabbitmqctl(
        "list_connections", "--no-table-headers", "-q", "pid", "client_properties")
      if let line = listing.split(separator: "\n").first(where: {
        $0.contains("{\"connection_name\",\"\(name)\"}")
      }), let pid = line.split(separator: "\t").first {
        try rabbitmqctl("close_connection", String(pid), "closed by a recovery test")
        return String(pid)
      }
      try await Task.sleep(for: .milliseconds(100))  // a poll period: the program connects
    }
    throw TimedOut(what: "a connection named \(name)")
  }
}

/// One of our executables with its standard input, output and error each on a pipe of its
/// own: the test types lines, and reads results and link notices apart.
// Process and Pipe are used from one test task at a time; Foundation does not mark them
// Sendable on Linux.
final class PipedProcess: @unchecked Sendable {
  let process = Process()
  let input = Pipe()
  let output = Pipe()
  let errors = Pipe()
  private var errorsSeen = ""

  init(product name: String, _ arguments: [String]) throws {
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
      .deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
  }

  func write(_ text: String) {
    input.fileHandleForWriting.write(Data(text.utf8))
  }

  func closeInput() throws {
    try input.fileHandleForWriting.close()
  }

  /// Reads standard error until it contains `text`; returns everything read from it so far.
  func waitForErrors(containing text: String, seconds: Double = 30) async throws -> String {
    let handle = errors.fileHandleForReading
    let already = errorsSeen
    let seen = try await withTimeout(seconds, "\"\(text)\" on standard error; had:\n\(already)") {
      var seen = already
      while !seen.contains(text) {
        let chunk = await Task.detached { handle.availableData }.value
        if chunk.isEmpty { break }
        seen += String(decoding: chunk, as: UTF8.self)
      }
      return seen
    }
    errorsSeen = seen
    return seen
  }

  /// Waits for the exit; returns the status, standard output and all of standard error.
  func finish() async throws -> (status: Int32, output: String, errors: String) {
    let process = self.process
    let out = output.fileHandleForReading
    let err = errors.fileHandleForReading
    let (status, output, rest) = try await withTimeout(30, "the process to exit") {
      async let outData = Task.detached { out.readDataToEndOfFile() }.value
      async let errData = Task.detached { err.readDataToEndOfFile() }.value
      let (o, e) = await (outData, errData)
      await Task.detached { process.waitUntilExit() }.value
      return (
        process.terminationStatus, String(decoding: o, as: UTF8.self),
        String(decoding: e, as: UTF8.self)
      )
    }
    return (status, output, errorsSeen + rest)
  }

  func stop() {
    if process.isRunning { process.terminate() }
  }
}

/// The JSON summary line of `rpc-client --json` or `rpc-bench --json`, and its accounting.
struct JSONSummary {
  let fields: [String: Any]

  init(_ output: String) throws {
    let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") })
    fields = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
  }

  subscript(key: String) -> Int? { fields[key] as? Int }

  static let classes = [
    "ok", "error", "timed_out", "unroutable", "connection_lost", "cancelled", "in_flight",
  ]

  /// Every class, in flight included: what must equal `sent`.
  var accountedFor: Int { Self.classes.compactMap { self[$0] }.reduce(0, +) }
}
