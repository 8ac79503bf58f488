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
          queue: queue, workers: workers, maximumN: maximumN, work: work))
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

/// A Python fixture script run as a child process.
// Process and Pipe are used from one test task at a time; Foundation does not mark them
// Sendable on Linux.
final class PythonPeer: @unchecked Sendable {
  let process: Process
  let output: Pipe

  init(script: String, arguments: [String]) throws {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures")
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", fixtures.appendingPathComponent(script).path] + arguments
    output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
  }

  /// Reads output until a line contains `text` (or the process ends).
  func waitForOutput(containing text: String) async throws -> String {
    let handle = output.fileHandleForReading
    return try await withTimeout(20, "\"\(text)\" from the Python peer") {
      var seen = ""
      while !seen.contains(text) {
        let chunk = await Task.detached { handle.availableData }.value
        if chunk.isEmpty { break }
        seen += String(decoding: chunk, as: UTF8.self)
      }
      return seen
    }
  }

  /// Waits for the process to exit; returns its status and all its output.
  func finish() async throws -> (status: Int32, output: String) {
    let process = self.process
    let handle = output.fileHandleForReading
    return try await withTimeout(30, "the Python peer to exit") {
      let data = await Task.detached { handle.readDataToEndOfFile() }.value
      await Task.detached { process.waitUntilExit() }.value
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
  }

  func stop() {
    if process.isRunning { process.terminate() }
  }
}
