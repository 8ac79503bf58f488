import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// F4 and Enter in a real terminal (tmux): the detail panel of a completed call, against
  /// the real broker and a server, in rpc-client; of a call in flight in rpc-demo.
  @Suite struct CallDetailScreen {
    @Test(arguments: [(80, 24), (120, 40)])
    func theClientShowsACompletedCallsPropertiesAndHeaders(size: (Int, Int)) async throws {
      let connection = try await Broker.connect(name: "details-screen-server")
      let queue = Broker.uniqueName("details")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 1),
        handler: .fibonacci())
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let session = try TmuxSession(
        [binary, "--queue", queue], width: size.0, height: size.1)
      defer { session.kill() }
      try await session.waitFor("workers 1")
      try session.type("10 11")
      try await session.waitFor("ok 2 ")

      // F4 selects the newest completed call (nothing is in flight); Enter opens it.
      try session.sendKeys("F4")
      try session.sendKeys("Enter")
      let panel = try await session.waitFor("the panel of a completed call") {
        $0.contains("Details") && $0.contains("completed: ok")
      }
      let id = panel.split(separator: "\n").lazy.compactMap { line -> Substring? in
        guard let range = line.range(of: "Call ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first
      }.first
      #expect(id != nil, "\(panel)")
      // The rows further down, scrolled into view at 80×24.
      var (seen, shown) = (panel, panel)
      for _ in 0..<4 where !(seen.contains("x-rpc-worker") && seen.contains("amq.gen-")) {
        try session.sendKeys("PageDown")
        let before = shown
        shown = try await session.waitFor("the panel scrolled") {
          $0.contains("Details") && $0 != before
        }
        seen += shown
      }
      #expect(seen.contains("reply_to"), "\(seen)")
      #expect(seen.contains("amq.gen-"), "\(seen)")
      #expect(seen.contains("x-rpc-worker"), "\(seen)")
      if let id { #expect(seen.contains("correlation_id     \(id)"), "\(seen)") }

      // Esc closes the panel, a second Esc gives the keys back to the input line.
      try session.sendKeys("Escape")
      try await session.waitFor("Completed (")
      try session.sendKeys("Escape")
      try session.sendKeys("q")
      try await session.waitFor("EXIT=0")
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func theDemoSaysWhereACallInFlightIs() async throws {
      let (demo, queue) = try await DemoScreen.start(
        "demo-details", workers: 1, ["--timeout", "120"])
      defer { demo.kill() }
      // One worker and fib(39) six times (about a second each, recursive): the oldest
      // computes, the rest are held or queued for seconds.
      try demo.type("39x6")
      try await demo.waitFor("In flight (6")
      try demo.sendKeys("F4")
      try demo.sendKeys("Enter")
      // The oldest call is the one the only worker computes: the panel, opened maybe before
      // the worker's first snapshot, says so once it comes (it may say queued until then).
      let panel = try await demo.waitFor("the oldest call computing at w1") { screen in
        screen.contains("Details · in In flight") && screen.contains("· in flight ")
          && screen.contains("computing at w1 for ")
      }
      #expect(panel.contains("computing at w1 for "), "\(panel)")
      // The last one waits behind it: in the queue, or held by the worker (prefetch).
      try demo.sendKeys("Escape")
      // The panel closed before the next key: an escape sequence right after Escape could be
      // read as one key.
      _ = try await demo.waitFor("the panel closed") { !$0.contains("Details · ") }
      try demo.sendKeys("End")
      try demo.sendKeys("Enter")
      let last = try await demo.waitFor("the panel of the last call in flight") { screen in
        screen.contains("Details · in In flight")
          && ["queued (not yet at a worker)", "at worker w1 (held, "].contains {
            screen.contains($0)
          }
      }
      #expect(!last.contains("computing at w1"), "\(last)")
      try demo.sendKeys("Escape")
      try demo.sendKeys("Escape")
      try demo.sendKeys("q")
      _ = try await demo.waitFor("EXIT=0", seconds: 45)
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
