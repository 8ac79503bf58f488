import AMQPClient
import AMQPProtocol
import Foundation
import NIOCore
import Testing

extension BrokerTests {
  /// rpc-demo in a real terminal (tmux) against the real broker.
  @Suite struct DemoScreen {
    /// rpc-demo with `workers` on a request queue of its own (named from `prefix`), in a
    /// 130×40 session, once its workers are listed. Kill the session when done.
    static func start(_ prefix: String, workers: Int, _ arguments: [String] = []) async throws
      -> (demo: TmuxSession, queue: String)
    {
      let queue = Broker.uniqueName(prefix)
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-demo").path
      let demo = try TmuxSession(
        [binary, "--queue", queue, "--workers", "\(workers)"] + arguments, width: 130, height: 40)
      do {
        try await demo.waitFor("Workers (\(workers))")
      } catch {
        demo.kill()
        throw error
      }
      return (demo, queue)
    }

    @Test func burstSpreadsOverTheWorkersAndTheTourRunsToItsEnd() async throws {
      let (demo, queue) = try await Self.start("demo", workers: 3, ["--tour-pace", "0.2"])
      defer { demo.kill() }

      try demo.type("25x40")
      // A capture can catch curses mid-redraw, so wait for a screen whose client line and
      // worker rows both show the whole burst.
      let done: @Sendable (String) -> [Int] = { screen in
        ["w1", "w2", "w3"].map { ServerScreen.done($0, in: screen) ?? 0 }
      }
      let screen = try await demo.waitFor("the burst to complete on both sides") {
        $0.contains("ok 40 ") && done($0).reduce(0, +) == 40
      }
      #expect(done(screen).allSatisfy { $0 > 0 }, "\(screen)")

      try demo.sendKeys("F8")
      try await demo.waitFor("TOUR (F8 stops)")
      try await demo.waitFor("Tour 5/5", seconds: 60)
      let finished = try await demo.waitFor("Tour finished", seconds: 60)
      #expect(!finished.contains("Tour failed"))
      #expect(finished.contains("late 1 "))
      #expect(finished.contains("unknown 1 "))

      try demo.sendKeys("q")
      let after = try await demo.waitFor("EXIT=0")
      #expect(after.contains("rpc-demo: "))
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    @Test func quittingWithCallsInFlightLeavesNoneOfItsRequestsInTheQueue() async throws {
      let (demo, queue) = try await Self.start("demo-quit", workers: 1, ["--timeout", "120"])
      defer { demo.kill() }
      // One worker and 60 × fib(36): most requests wait in the queue for a long while (and a
      // long timeout, so that none expires there).
      try demo.type("36x60")
      try await Broker.waitForQueue(queue, "the demo's requests to wait in the queue") {
        $0.ready >= 40
      }
      // Another client's request, behind the demo's: it is not the demo's to take away.
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let otherReplyTo = try await channel.queueDeclare(exclusive: true, autoDelete: true).name
      try await channel.publish(
        ByteBuffer(string: "5"), routingKey: queue,
        properties: AMQPBasicProperties(correlationID: "another-client-1", replyTo: otherReplyTo))
      try await Broker.waitForQueue(queue, "the other client's request") { $0.ready >= 41 }

      try demo.sendKeys("q")
      let after = try await demo.waitFor("EXIT=0", seconds: 45)
      #expect(after.contains("taken back out of \(queue) unanswered"), "\(after)")
      // The calls whose requests were taken back ended at once as cancelled.
      let flat = after.split(whereSeparator: \.isWhitespace).joined(separator: " ")
      func count(before words: String) -> Int? {
        guard let range = flat.range(of: " " + words) else { return nil }
        return Int(flat[..<range.lowerBound].split(separator: " ").last ?? "")
      }
      let takenBack = count(before: "taken back out of")
      let cancelled = count(before: "cancelled")
      #expect((takenBack ?? 0) >= 40 && (cancelled ?? 0) >= (takenBack ?? .max), "\(flat)")
      // The other client's request was put back: either it is still there, alone, or the
      // demo's worker answered it before the demo ended.
      let left = try await channel.queueDeclare(queue, passive: true)
      #expect(left.messageCount <= 1, "the demo left requests behind")
      if let request = try await channel.get(queue: queue, noAck: true) {
        #expect(request.properties.correlationID == "another-client-1")
      } else {
        let reply = try await channel.get(queue: otherReplyTo, noAck: true)
        #expect(reply?.properties.correlationID == "another-client-1")
      }
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}
