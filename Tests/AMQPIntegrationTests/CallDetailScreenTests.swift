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
      // One worker and fib(39) six times (about a second each, recursive): one computes, the
      // rest are held or queued for seconds. Which one computes depends on the order the
      // requests reached the queue, so the rows are searched by what their panels say.
      try demo.type("39x6")
      try await demo.waitFor("In flight (6")
      var computing: String?
      var waiting: String?
      for attempt in 0..<30 where waiting == nil {
        let panel = try await Self.openInFlightPanel(row: attempt % 6, in: demo)
        guard panel.contains("Details · in In flight"), let id = Self.callID(in: panel) else {
          continue
        }
        if panel.contains("computing at w1 for ") {
          computing = String(id)
        } else if let computing, id != computing,
          ["queued (not yet at a worker)", "at worker w1 (held, "].contains(where: {
            panel.contains($0)
          })
        {
          // Asked only once a panel has shown the worker's snapshot, so "queued" is not
          // merely the state before the first snapshot.
          waiting = panel
        }
      }
      #expect(computing != nil, "no panel said a call was computing at w1")
      #expect(waiting != nil, "no panel said a call waited behind the computing one")
      try demo.sendKeys("q")
      _ = try await demo.waitFor("EXIT=0", seconds: 45)
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    /// F4 selects the first row of In flight; Down moves to `row`; Enter opens its panel.
    /// Returns the screen once the panel says where the call is (or that it ended), after
    /// closing the panel and leaving the selection (F4) for the next search.
    private static func openInFlightPanel(row: Int, in demo: TmuxSession) async throws
      -> String
    {
      try demo.sendKeys("F4")
      for _ in 0..<row { try demo.sendKeys("Down") }
      try demo.sendKeys("Enter")
      let panel = try await demo.waitFor("the panel of in-flight row \(row)") { screen in
        screen.contains("Details · ")
          && ["computing at w1 for ", "queued (not yet", "at worker w1 (held", "· completed"]
            .contains { screen.contains($0) }
      }
      try demo.sendKeys("Escape")
      // The panel closed before the next key: an escape sequence right after Escape could be
      // read as one key.
      _ = try await demo.waitFor("the panel closed") { !$0.contains("Details · ") }
      try demo.sendKeys("F4")
      return panel
    }

    /// The correlation id in the panel's "Call <id> · …" line.
    private static func callID(in panel: String) -> Substring? {
      panel.split(separator: "\n").lazy.compactMap { line -> Substring? in
        guard let range = line.range(of: "Call ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first
      }.first
    }
  }
}
