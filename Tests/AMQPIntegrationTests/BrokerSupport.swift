import AMQPClient
import Foundation
import NIOCore
import Testing

/// All broker tests run one at a time: some change broker-wide state (memory alarm,
/// closing connections) that would disturb tests running beside them.
/// Each test has a time limit, so a broker that stops answering fails the run instead of
/// hanging it.
@Suite(.serialized, .timeLimit(.minutes(1))) enum BrokerTests {}

/// The broker the tests use: `$AMQP_URL`, else the local default.
enum Broker {
  static var configuration: AMQPConnectionConfiguration {
    get throws {
      var configuration = try AMQPConnectionConfiguration.fromEnvironment(
        ProcessInfo.processInfo.environment)
      configuration.connectionTimeout = .seconds(10)
      return configuration
    }
  }

  static func connect(
    name: String = "integration-test", heartbeat: UInt16 = 60,
    recovery: AMQPRecoveryPolicy = AMQPRecoveryPolicy()
  ) async throws -> AMQPConnection {
    var configuration = try configuration
    configuration.connectionName = name
    configuration.heartbeat = heartbeat
    configuration.recovery = recovery
    return try await AMQPConnection.connect(to: configuration)
  }

  /// A name no other test or run uses.
  static func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
  }

  /// Runs `rabbitmqctl` with the arguments and returns its standard output.
  @discardableResult
  static func rabbitmqctl(_ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["rabbitmqctl"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw AMQPError(
        .invalidArgument, "rabbitmqctl \(arguments) exited \(process.terminationStatus)")
    }
    return String(decoding: output, as: UTF8.self)
  }
}

struct TimedOut: Error, CustomStringConvertible {
  var what: String
  var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `seconds`: no test can hang.
func withTimeout<T: Sendable>(
  _ seconds: Double = 10, _ what: String = "the broker",
  _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
  try await withThrowingTaskGroup(of: T.self) { group in
    group.addTask { try await body() }
    group.addTask {
      try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
      throw TimedOut(what: what)
    }
    defer { group.cancelAll() }
    guard let result = try await group.next() else { throw TimedOut(what: what) }
    return result
  }
}
