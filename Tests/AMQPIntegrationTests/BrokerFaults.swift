import AMQPClient
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Faults a test inflicts on the broker, as an operator or a crash would: the application
/// stopped and started, the process killed and started again, a connection closed, a queue
/// deleted, a memory alarm. Every fault that touches the whole broker is undone by
/// ``withBrokerRestored(_:)``, even when the test fails, because other tests follow.
///
/// These run `rabbitmqctl` and `Scripts/broker`, so they need the local broker (the default
/// `AMQP_URL`), as the other `rabbitmqctl`-based tests do.
enum BrokerFaults {
  /// The package's root folder (where `Scripts/` is).
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  // MARK: - The application and the process

  /// `rabbitmqctl stop_app`: the broker closes every connection (320 CONNECTION_FORCED) and
  /// stops listening; the Erlang node stays up.
  static func stopApp() async throws {
    try await rabbitmqctl("stop_app")
  }

  /// `rabbitmqctl start_app`, then waits until the broker takes an AMQP connection.
  static func startApp() async throws {
    try await rabbitmqctl("start_app")
    try await waitUntilBrokerAnswers()
  }

  /// The broker's own operating-system pid, as the broker reports it.
  static func brokerPID() async throws -> pid_t {
    let output = try await rabbitmqctl("eval", "list_to_integer(os:getpid()).")
    guard let pid = pid_t(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      throw FaultError("rabbitmqctl eval gave no pid: \(output)")
    }
    return pid
  }

  /// Kills the broker with SIGKILL by its pid (no goodbye to anyone: sockets are reset by
  /// the kernel), and waits until that process is gone. Returns the pid.
  @discardableResult
  static func killBroker() async throws -> pid_t {
    let pid = try await brokerPID()
    guard kill(pid, SIGKILL) == 0 else {
      throw FaultError("kill -KILL \(pid) failed: errno \(errno)")
    }
    try await poll("broker process \(pid) to die", timeout: 10) { !isAlive(pid) }
    return pid
  }

  /// Starts the broker as `Scripts/broker` does (it is what runs), which waits until it
  /// answers; then waits until it takes an AMQP connection.
  static func startBroker() async throws {
    let result = try await Shell.run(
      packageRoot.appendingPathComponent("Scripts/broker").path, [], timeout: 150)
    guard result.status == 0 else {
      throw FaultError("Scripts/broker exited \(result.status): \(result.output)")
    }
    try await waitUntilBrokerAnswers()
  }

  // MARK: - Connections and queues

  /// The broker's pid (`<rabbit@host.1.2.3>`) of our connection named `name`; waits until it
  /// is listed.
  static func connectionPID(named name: String) async throws -> String {
    try await withTimeout(10, "connection \(name) to be listed") {
      while true {
        if let pid = try await connectionPIDs(named: name).first { return pid }
        try await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  /// The pids of the connections named `name` that `rabbitmqctl` (the main broker's by
  /// default) lists: more than one while the broker has not yet noticed that an old link
  /// of a recovered connection is dead.
  static func connectionPIDs(
    named name: String, rabbitmqctl: RabbitMQCtl = BrokerFaults.rabbitmqctl(_:)
  ) async throws -> [String] {
    let listing = try await rabbitmqctl([
      "list_connections", "--no-table-headers", "-q", "pid", "client_properties",
    ])
    // client_properties holds {"connection_name","longstr",NAME}.
    return listing.split(separator: "\n").filter { $0.contains("\"\(name)\"") }
      .compactMap { $0.split(separator: "\t").first.map(String.init) }
  }

  /// `rabbitmqctl close_connection` on our connection named `name`: the broker sends
  /// `connection.close` (320 CONNECTION_FORCED) with `reason`.
  static func closeConnection(named name: String, reason: String = "closed by a fault test")
    async throws
  {
    let pid = try await connectionPID(named: name)
    try await rabbitmqctl("close_connection", pid, reason)
  }

  /// `rabbitmqctl delete_queue`: consumers of the queue get `basic.cancel`.
  static func deleteQueue(_ name: String) async throws {
    try await rabbitmqctl("delete_queue", name)
  }

  // MARK: - Memory alarm

  /// The memory high watermark the broker runs with, as a fraction of RAM; `nil` when it is
  /// set as an absolute amount.
  static func memoryHighWatermark() async throws -> Double? {
    let output = try await rabbitmqctl(
      "eval", "vm_memory_monitor:get_vm_memory_high_watermark().")
    return Double(output.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Raises a memory alarm (a watermark far below what the broker uses): connections that
  /// publish get `connection.blocked`.
  static func raiseMemoryAlarm() async throws {
    try await rabbitmqctl("set_vm_memory_high_watermark", "0.0000001")
  }

  /// Clears the alarm: the watermark goes back to `watermark` (RabbitMQ's default 0.4).
  static func clearMemoryAlarm(watermark: Double = 0.4) async throws {
    try await rabbitmqctl("set_vm_memory_high_watermark", "\(watermark)")
  }

  // MARK: - Restoring

  /// Runs `body`, then leaves the broker running and healthy whatever happened: started
  /// again if its process is gone, its application started if stopped, no memory alarm.
  /// `body`'s error, if any, is rethrown after that.
  static func withBrokerRestored<T: Sendable>(
    _ body: () async throws -> T
  ) async throws -> T {
    let watermark = (try? await memoryHighWatermark()) ?? 0.4
    return try await runThenRestore(
      body, restore: { try await restoreBroker(watermark: watermark) },
      failing: "could not restore the broker after the test")
  }

  /// Makes the broker healthy again (see ``withBrokerRestored(_:)``).
  static func restoreBroker(watermark: Double = 0.4) async throws {
    let running = try? await rabbitmqctl("eval", "rabbit:is_running().")
    switch running?.trimmingCharacters(in: .whitespacesAndNewlines) {
    case nil:  // the node does not answer: its process is gone
      try await startBroker()
    case "false":
      try await startApp()
    default:
      break
    }
    let current = try await memoryHighWatermark()
    if current == nil || current.map({ $0 < 0.01 }) == true {
      try await clearMemoryAlarm(watermark: max(watermark, 0.01))
    }
    try await waitUntilBrokerAnswers()
  }

  /// Waits until the broker takes an AMQP connection (and closes it again).
  static func waitUntilBrokerAnswers(timeout: Double = 60) async throws {
    try await poll("the broker to take AMQP connections", timeout: timeout) {
      do {
        var configuration = try Broker.configuration
        configuration.connectionTimeout = .seconds(2)
        configuration.recovery = .disabled
        configuration.connectionName = "fault-probe"
        let probe = try await AMQPConnection.connect(to: configuration)
        try await probe.close()
        return true
      } catch {
        return false
      }
    }
  }

  // MARK: - Tools

  /// Runs `rabbitmqctl` against the main broker, off the test's threads; its output.
  @discardableResult
  static func rabbitmqctl(_ arguments: String...) async throws -> String {
    try await rabbitmqctl(arguments)
  }

  /// ``rabbitmqctl(_:)-(String...)`` with an array.
  @discardableResult
  static func rabbitmqctl(_ arguments: [String]) async throws -> String {
    let result = try await Shell.run("rabbitmqctl", arguments)
    guard result.status == 0 else {
      throw FaultError("rabbitmqctl \(arguments.joined(separator: " ")): \(result.output)")
    }
    return result.output
  }

  /// Whether process `pid` still runs (a zombie does not).
  static func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let end = stat.lastIndex(of: ")")
    else { return true }
    return !stat[stat.index(after: end)...].hasPrefix(" Z")
  }
}

/// Runs `rabbitmqctl` with the arguments against one broker and returns its output.
typealias RabbitMQCtl = @Sendable ([String]) async throws -> String

/// A fault could not be inflicted or undone.
struct FaultError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Runs `body`, then `restore` whatever happened (a failed restore is recorded as an issue
/// `failing`); `body`'s error, if any, is rethrown after that.
func runThenRestore<T: Sendable>(
  _ body: () async throws -> T, restore: () async throws -> Void, failing: String
) async throws -> T {
  let result: Result<T, any Error>
  do {
    result = .success(try await body())
  } catch {
    result = .failure(error)
  }
  do {
    try await restore()
  } catch {
    Issue.record("\(failing): \(error)")
  }
  return try result.get()
}

/// Checks `condition` every 100 ms until it holds, failing with ``TimedOut`` after `timeout`
/// seconds: for outside state no event announces (a process gone, a port that answers).
func poll(
  _ what: String, timeout: Double, _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
  try await withTimeout(timeout, what) {
    while try await !condition() {
      try await Task.sleep(for: .milliseconds(100))
    }
  }
}

/// Runs a command to its end without holding a thread of the Swift concurrency pool.
enum Shell {
  struct Result: Sendable {
    var status: Int32
    /// Standard output and error, together.
    var output: String
  }

  /// Runs `command` (a path, or a name looked up on `PATH` plus the sbin folders, where
  /// Debian puts RabbitMQ's and iproute2's commands) with `arguments`. The output goes
  /// through a file, not a pipe: a broker started in the background must not hold our end.
  static func run(_ command: String, _ arguments: [String], timeout: Double = 60) async throws
    -> Result
  {
    let output = FileManager.default.temporaryDirectory
      .appendingPathComponent("fault-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    defer { try? handle.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    process.environment = environment
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    let box = ProcessBox(process)
    let status = try await withTimeout(timeout, "\(command) \(arguments.joined(separator: " "))") {
      try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation {
          (continuation: CheckedContinuation<Int32, any Error>) in
          box.wait(continuation)
        }
      } onCancel: {
        box.cancel()
      }
    }
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    return Result(status: status, output: text)
  }
}

/// A `Process` and the wait for its end, which completes once: when the process ends, or
/// when the wait is cancelled (a timeout), even if its end is never seen.
private final class ProcessBox: @unchecked Sendable {
  private let process: Process
  private let lock = NSLock()
  private var continuation: CheckedContinuation<Int32, any Error>?
  private var cancelled = false

  init(_ process: Process) { self.process = process }

  func wait(_ continuation: CheckedContinuation<Int32, any Error>) {
    let cancelled = lock.withLock {
      self.continuation = continuation
      return self.cancelled
    }
    guard !cancelled else { return finish(.failure(CancellationError())) }
    process.terminationHandler = { [self] process in
      finish(.success(process.terminationStatus))
    }
    do {
      try process.run()
    } catch {
      finish(.failure(error))
    }
  }

  func cancel() {
    let started = lock.withLock {
      cancelled = true
      return continuation != nil
    }
    // The command we started, by its pid; the wait ends now either way.
    if started, process.isRunning { kill(process.processIdentifier, SIGTERM) }
    finish(.failure(CancellationError()))
  }

  private func finish(_ result: Result<Int32, any Error>) {
    let continuation = lock.withLock {
      defer { self.continuation = nil }
      return self.continuation
    }
    continuation?.resume(with: result)
  }
}
