import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// rpc-client's screen in a real terminal (tmux) against the real broker and a server.
  @Suite struct ClientScreen {
    /// Whether `row` holds `fields` one after the other, whatever the spaces between columns.
    static func has(_ fields: [String], in row: Substring) -> Bool {
      let words = row.split(separator: " ").map(String.init)
      guard words.count >= fields.count else { return false }
      return (0...(words.count - fields.count)).contains {
        Array(words[$0..<($0 + fields.count)]) == fields
      }
    }

    @Test func typingLookingAndQuitting() async throws {
      let connection = try await Broker.connect(name: "screen-test-server")
      let queue = Broker.uniqueName("screen")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .fibonacci())
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let session = try TmuxSession([binary, "--queue", queue], width: 120, height: 32)
      defer { session.kill() }
      try await session.waitFor("workers 2")

      // A request: its correlation id row shows the answer.
      try session.type("10")
      let screen = try await session.waitFor("a completed row for fib(10)") { screen in
        screen.split(separator: "\n").contains {
          $0.contains("-1 ") && Self.has(["10", "55"], in: $0)
        }
      }
      #expect(screen.contains("ok 1"))

      // Bad input is refused in place and nothing reaches the server.
      let handled = server.handledCount
      try session.type("abc")
      try await session.waitFor("\"abc\" is not a whole number from 0 to 92 — nothing sent")
      #expect(server.handledCount == handled)
      #expect(try session.capture().contains("sent 1 "))
      try session.sendKeys("C-u")  // the refused line stays to be edited: clear it

      // The demo actions end up in Discarded.
      try session.sendKeys("F2")
      try await session.waitFor("an unknown discard") { screen in
        screen.split(separator: "\n").contains {
          $0.hasPrefix("unknown ") && $0.contains(" foreign-")
        }
      }
      try session.sendKeys("F3")
      try await session.waitFor("a late discard") { screen in
        screen.split(separator: "\n").contains { $0.hasPrefix("late ") && $0.contains("late by") }
      }

      // Smaller and back: still usable.
      try session.resize(width: 60, height: 20)
      try await session.waitFor("Completed (")
      try session.type("7")
      try await session.waitFor("a completed row for fib(7)") { screen in
        screen.split(separator: "\n").contains { Self.has(["7", "13"], in: $0) }
      }
      try session.resize(width: 30, height: 10)
      try await session.waitFor("terminal too small")
      try session.resize(width: 120, height: 32)
      try await session.waitFor("In flight (0)")

      // q quits with status 0 and gives the terminal back.
      try session.sendKeys("q")
      let after = try await session.waitFor("EXIT=0")
      #expect(!after.contains("fib(n)>"))
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func quittingWithCallsInFlightPrintsTheSummaryWithEachCallAccountedFor() async throws {
      // A request queue nobody consumes: the calls stay in flight until the client quits.
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let queue = Broker.uniqueName("screen-quit")
      try await channel.queueDeclare(queue)
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      // Wide enough for the summary line on one row.
      let session = try TmuxSession([binary, "--queue", queue], width: 130, height: 30)
      defer { session.kill() }
      try await session.waitFor("workers 0")
      try session.type("5x3")
      try await session.waitFor("in flight 3 ")

      try session.sendKeys("q")
      let after = try await session.waitFor("EXIT=0")
      #expect(
        after.contains(
          " [x] 3 sent: 0 ok, 0 errors, 0 timed out, 0 unroutable, 0 connection lost, "
            + "3 cancelled; discarded 0 late, 0 duplicate, 0 unknown"), "\(after)")
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}

extension BrokerTests.ClientScreen {
  /// Quitting the client screen with requests still waiting in the queue takes them back
  /// out (their calls end as cancelled), so that no server answers them after it left.
  @Test func quittingTakesItsWaitingRequestsBackOutOfTheQueue() async throws {
    let connection = try await Broker.connect(name: "screen-quit-server")
    let queue = Broker.uniqueName("screen-quit")
    let server = try await RPCServer.start(
      connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 1),
      handler: .fibonacci())
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("rpc-client").path
    let session = try TmuxSession(
      [binary, "--queue", queue, "--timeout", "120"], width: 120, height: 32)
    defer { session.kill() }
    try await session.waitFor("workers 1")
    // One worker, 60 × fib(36): most requests wait in the queue.
    try session.type("36x60")
    try await Broker.waitForQueue(queue, "the requests to wait in the queue") { $0.ready >= 40 }
    try session.sendKeys("q")
    let after = try await session.waitFor("EXIT=0", seconds: 30)
    let flat = after.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(flat.contains("taken back out of \(queue) unanswered"), "\(flat)")
    #expect(flat.contains(" 0 timed out"), "\(flat)")
    let left = try await server.queueStatus()
    #expect(left.messageCount == 0, "the client left requests behind")
    await server.shutdown()
    try await connection.openChannel().queueDelete(queue)
    try await connection.close()
  }
}

extension BrokerTests.ClientScreen {
  /// `--idempotent` across a forced close with a backlog: the calls are sent again with the
  /// new reply_to, and the requests left for the old one are taken out of the queue, so the
  /// copies are served next and every call ends ok.
  @Test func idempotentCallsAfterALostLinkAreServedWithoutWaitingBehindTheirOrphans()
    async throws
  {
    let connection = try await Broker.connect(name: "screen-orphans-server")
    let queue = Broker.uniqueName("screen-orphans")
    let server = try await RPCServer.start(
      connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 1),
      handler: .fibonacci())
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("rpc-client").path
    let name = Broker.uniqueName("screen-orphans-client")
    let session = try TmuxSession(
      [
        binary, "--queue", queue, "--timeout", "120", "--idempotent", "--url",
        Broker.url(connectionName: name),
      ], width: 120, height: 32)
    defer { session.kill() }
    try await session.waitFor("workers 1")
    // fib(34) takes ~0.15 s: one worker is still busy with most of them seconds later.
    try session.type("34x60")
    try await Broker.waitForQueue(queue, "requests waiting in the queue") { $0.ready >= 40 }
    try await BrokerFaults.closeConnection(named: name)
    _ = try await session.waitFor("for the old reply_to back out of \(queue)")
    let done = try await session.waitFor("all 60 calls ok", seconds: 60) { screen in
      screen.contains("sent 60 ") && screen.contains(" ok 60 ")
    }
    #expect(done.contains("timeout 0"), "\(done)")
    try session.sendKeys("q")
    _ = try await session.waitFor("EXIT=0", seconds: 30)
    await server.shutdown()
    try await connection.openChannel().queueDelete(queue)
    try await connection.close()
  }
}
