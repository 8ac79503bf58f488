import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// The screens in a real terminal (tmux) when the broker force-closes their connection
  /// (`rabbitmqctl close_connection`, found by its connection_name): RECONNECTING with the
  /// attempt and the next try, then how long the outage lasted, the renamed callback queue
  /// and the calls the break cost — and a call made afterwards succeeds. At 80×24 and
  /// 120×40. `--reconnect-delay 3` keeps the outage on screen for 1.5 to 3 s.
  @Suite struct ScreenRecovery {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    static func replyTo(in screen: String) -> String? {
      let header = screen.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
      return header.firstMatch(of: /reply_to (amq\.gen-[A-Za-z0-9_\-]+)/).map { String($0.1) }
    }

    /// Every line of the screen as captured fits the terminal (tmux would wrap or cut it).
    static func fits(_ screen: String, width: Int) -> Bool {
      screen.split(separator: "\n").allSatisfy { $0.count <= width }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func clientScreenShowsReconnectingThenRecoveredAndCallsAgain(width: Int, height: Int)
      async throws
    {
      let connection = try await Broker.connect(name: "screen-recovery-server")
      let queue = Broker.uniqueName("screen-recovery")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .fibonacci())
      let name = Broker.uniqueName("screen-client")
      let session = try TmuxSession(
        [
          bin.appendingPathComponent("rpc-client").path, "--queue", queue, "--url",
          Broker.url(connectionName: name), "--reconnect-delay", "3",
        ], width: width, height: height)
      defer { session.kill() }
      let before = try await session.waitFor("workers 2")
      let oldQueue = try #require(Self.replyTo(in: before), "\(before)")

      // A call the paused workers leave waiting: in flight when the link goes.
      for id in server.workerIDs { await server.pauseWorker(id) }
      try session.type("10")
      try await session.waitFor("In flight (1)")
      try await Broker.closeConnection(named: name)
      let down = try await session.waitFor("RECONNECTING #1 in")
      #expect(down.contains("link lost: 1 call lost · new calls wait"), "\(down)")
      #expect(down.contains("reply_to \(oldQueue)"), "\(down)")
      #expect(Self.fits(down, width: width))

      let up = try await session.waitFor("the recovered header and the new reply_to") {
        // The header says `recovered` in the longest form its other parts leave room for.
        $0.split(separator: "\n").first?.contains("│ recovered") == true
          && $0.contains("reply_to now amq.gen-")
      }
      let newQueue = try #require(Self.replyTo(in: up), "\(up)")
      #expect(newQueue != oldQueue)
      // The note says how long the outage lasted, which the header at 80 columns drops; it
      // wraps onto a second row there.
      let note = up.split(separator: "\n").dropFirst(2).prefix(2).joined()
      #expect(
        note.hasPrefix(" recovered after ") && note.contains(" · reply_to now \(newQueue) · ")
          && note.contains("reply_to now \(newQueue) · 1 call lost in the break"), "\(up)")
      #expect(up.contains("lost 1 "), "\(up)")
      #expect(Self.fits(up, width: width))

      // Served again, through the new callback queue.
      for id in server.workerIDs { _ = try await server.resumeWorker(id) }
      try session.type("7")
      try await session.waitFor("a completed row for fib(7)") { screen in
        screen.split(separator: "\n").contains { ClientScreen.has(["7", "13"], in: $0) }
      }
      try session.sendKeys("q")
      try await session.waitFor("EXIT=0")
      await server.shutdown()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func serverScreenShowsReconnectingThenRecoveredAndServesAgain(width: Int, height: Int)
      async throws
    {
      let queue = Broker.uniqueName("server-recovery")
      let name = Broker.uniqueName("screen-server")
      let session = try TmuxSession(
        [
          bin.appendingPathComponent("rpc-server").path, "--workers", "2", "--queue", queue,
          "--url", Broker.url(connectionName: name), "--reconnect-delay", "3",
        ], width: width, height: height)
      defer { session.kill() }
      try await session.waitFor("Workers (2)")
      try await Broker.closeConnection(named: name)
      let down = try await session.waitFor("RECONNECTING #1 in")
      #expect(down.contains("rpc_queue") == false)  // the test's own queue, not the default
      #expect(Self.fits(down, width: width))
      let up = try await session.waitFor("the recovered header and notice") {
        $0.contains("recovered after ") && $0.contains("workers consume again")
      }
      #expect(up.split(separator: "\n").first?.contains("│ recovered") == true, "\(up)")
      #expect(Self.fits(up, width: width))

      let client = try ChildProcess.product("rpc-client", ["--queue", queue, "5x4"])
      let (status, output) = try await client.finish()
      #expect(status == 0, "\(output)")
      try await session.waitFor("the four requests in the totals") {
        ServerScreen.done("all", in: $0) == 4
      }
      try session.sendKeys("q")
      try await session.waitFor("EXIT=0")
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    @Test func demoScreenShowsWhichSideReconnectsThenRecoversAndCallsAgain() async throws {
      let queue = Broker.uniqueName("demo-recovery")
      let name = Broker.uniqueName("demo")
      let session = try TmuxSession(
        [
          bin.appendingPathComponent("rpc-demo").path, "--workers", "2", "--queue", queue,
          "--url", Broker.url(connectionName: name), "--reconnect-delay", "3",
        ], width: 120, height: 40)
      defer { session.kill() }
      try await session.waitFor("Workers (2)")
      try await Broker.closeConnection(named: "\(name) client")
      try await session.waitFor("client RECONNECTING #1 in")
      let up = try await session.waitFor("the client's recovery") {
        $0.contains("client recovered") && $0.contains("reply_to now amq.gen-")
      }
      #expect(up.contains("no call lost in the break"), "\(up)")
      try session.type("8")
      try await session.waitFor("a completed row for fib(8)") { screen in
        screen.split(separator: "\n").contains { ClientScreen.has(["8", "21"], in: $0) }
      }
      // Now the server's side.
      try await Broker.closeConnection(named: "\(name) server")
      try await session.waitFor("server RECONNECTING #1 in")
      try await session.waitFor("the server's recovery") {
        $0.contains("recovered after ") && $0.contains("workers consume again")
      }
      try session.type("9")
      try await session.waitFor("a completed row for fib(9)") { screen in
        screen.split(separator: "\n").contains { ClientScreen.has(["9", "34"], in: $0) }
      }
      try session.sendKeys("q")
      try await session.waitFor("EXIT=0")
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
