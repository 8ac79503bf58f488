import AMQPClient
import AMQPRPC
import Foundation
import NIOCore
import Testing

/// A connection with an RPC server and client on a queue of the test's own.
struct RPCFixture {
  let connection: AMQPConnection
  let queue: String
  let server: RPCServer?
  let client: RPCClient

  static func start(
    workers: Int = 2, work: RPCWorkMode = .iterative, maximumN: Int = 92,
    timeout: Duration = .seconds(20),
    directReplyTo: Bool = false
  ) async throws -> RPCFixture {
    let connection = try await Broker.connect(name: "rpc-test")
    let queue = Broker.uniqueName("rpc")
    let server =
      workers > 0
      ? try await RPCServer.start(
        connection: connection,
        configuration: RPCServerConfiguration(
          queue: queue, workers: workers), handler: .fibonacci(maximumN: maximumN, work: work))
      : nil
    let client = try await RPCClient.start(
      connection: connection,
      configuration: RPCClientConfiguration(
        queue: queue, timeout: timeout, directReplyTo: directReplyTo))
    return RPCFixture(connection: connection, queue: queue, server: server, client: client)
  }

  func stop() async throws {
    try await client.close()
    await server?.shutdown()
    let channel = try await connection.openChannel()
    try await channel.queueDelete(queue)
    try await connection.close()
  }
}

extension RPCClient {
  /// Waits for the first event that `match` accepts.
  func waitForEvent(
    _ events: AsyncStream<RPCClientEvent>, _ what: String,
    _ match: @escaping @Sendable (RPCClientEvent) -> Bool
  ) async throws -> RPCClientEvent? {
    try await withTimeout(15, what) {
      for await event in events where match(event) { return event }
      return nil
    }
  }
}

/// A child process of a test: a Python fixture or one of our executables.
// Process and Pipe are used from one test task at a time; Foundation does not mark them
// Sendable on Linux.
final class ChildProcess: @unchecked Sendable {
  let process: Process
  let output: Pipe

  init(executable: String, arguments: [String]) throws {
    process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// A script from Tests/Fixtures, run with python3.
  static func python(_ script: String, _ arguments: [String]) throws -> ChildProcess {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures")
    return try ChildProcess(
      executable: "/usr/bin/env",
      arguments: ["python3", fixtures.appendingPathComponent(script).path] + arguments)
  }

  /// One of this package's executables, from the build folder the tests run from.
  static func product(_ name: String, _ arguments: [String]) throws -> ChildProcess {
    let buildFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return try ChildProcess(
      executable: buildFolder.appendingPathComponent(name).path, arguments: arguments)
  }

  /// Reads output until it contains `text` (or the process ends); returns what was read.
  func waitForOutput(containing text: String) async throws -> String {
    let handle = output.fileHandleForReading
    return try await withTimeout(
      20, "\"\(text)\" from \(process.executableURL?.lastPathComponent ?? "")"
    ) {
      var seen = ""
      while !seen.contains(text) {
        let chunk = await Task.detached { handle.availableData }.value
        if chunk.isEmpty { break }
        seen += String(decoding: chunk, as: UTF8.self)
      }
      return seen
    }
  }

  /// Waits for the process to exit; returns its status and the rest of its output.
  func finish() async throws -> (status: Int32, output: String) {
    let process = self.process
    let handle = output.fileHandleForReading
    return try await withTimeout(30, "\(process.executableURL?.lastPathComponent ?? "") to exit") {
      let data = await Task.detached { handle.readDataToEndOfFile() }.value
      await Task.detached { process.waitUntilExit() }.value
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
  }

  func signal(_ number: Int32) {
    if process.isRunning { kill(process.processIdentifier, number) }
  }

  func stop() {
    if process.isRunning { process.terminate() }
  }
}
