import AMQPClient
import Foundation
import Testing

extension BrokerTests {
  /// The executables when the broker force-closes their connection (`rabbitmqctl
  /// close_connection`, found by its connection_name): they recover unaided, say so on
  /// standard error, account for every request sent, and serve a new call afterwards.
  @Suite struct LinkFaultExecutables {
    @Test func clientLineModeAccountsForEveryRequestAcrossAForcedClose() async throws {
      let queue = Broker.uniqueName("lost-client")
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--workers", "4", "--queue", queue])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      let name = Broker.uniqueName("line-client")
      let client = try PipedProcess(
        product: "rpc-client",
        ["--no-tui", "--json", "--queue", queue, "--url", Broker.url(connectionName: name)])
      defer { client.stop() }
      // fib(30) takes about 0.1 s: 300 of them keep 4 workers busy well past the close.
      client.write("30x300\n")
      _ = try await client.waitForErrors(containing: "fib(30) = 832040")
      try await Broker.closeConnection(named: name)
      let report = try await client.waitForErrors(containing: " [x] recovered after ")
      #expect(report.contains(" [!] connection lost: "), "\(report)")
      #expect(report.contains(" calls affected: "), "\(report)")
      #expect(report.contains(" failed as connection lost (the broker closed"), "\(report)")
      #expect(report.contains(" [!] reconnecting: attempt 1, next try in "), "\(report)")
      #expect(report.contains("; reply_to is now amq.gen-"), "\(report)")
      // The requests of the lost calls still wait in the queue: out of the way.
      try Broker.rabbitmqctl("purge_queue", queue)
      client.write("10\n")
      try client.closeInput()
      let (status, output, errors) = try await client.finish()
      #expect(status == 1, "calls were lost: \(output)")
      let summary = try JSONSummary(output)
      #expect(summary["sent"] == 301, "\(output)")
      #expect(summary.accountedFor == summary["sent"], "\(output)")
      #expect((summary["connection_lost"] ?? 0) >= 1, "\(output)")
      #expect((summary["ok"] ?? 0) >= 2, "\(output)")
      #expect(summary["in_flight"] == 0)
      #expect(summary["link_lost"] == 1 && summary["recovered"] == 1, "\(output)")
      // The call made after the recovery was answered; stdout holds the summary alone.
      #expect(errors.contains("fib(10) = 55"), "\(errors)")
      #expect(output.split(separator: "\n").count == 1, "\(output)")
      server.signal(SIGINT)
      _ = try await server.finish()
      try await deleteQueue(queue)
    }

    @Test func lineModeSummaryWithoutJSONCountsConnectionLostToo() async throws {
      let queue = Broker.uniqueName("lost-text")
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--workers", "2", "--queue", queue])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      let name = Broker.uniqueName("text-client")
      let client = try PipedProcess(
        product: "rpc-client",
        ["--no-tui", "--queue", queue, "--url", Broker.url(connectionName: name)])
      defer { client.stop() }
      // fib(30) takes 10-20 ms: 300 of them keep 2 workers busy for seconds, well past the
      // two rabbitmqctl runs (about a second) that find and close the connection.
      client.write("30x300\n")
      // Results go to standard output, read only at the end: wait through the broker's view
      // for requests held by the workers, so that calls are in flight at the close.
      try await Broker.waitForQueue(queue, "requests at the workers") { $0.unacknowledged >= 1 }
      try await Broker.closeConnection(named: name)
      _ = try await client.waitForErrors(containing: " [x] recovered after ")
      try Broker.rabbitmqctl("purge_queue", queue)
      try client.closeInput()
      let (status, output, errors) = try await client.finish()
      #expect(status == 1, "\(output)")
      let last = try #require(output.split(separator: "\n").last.map(String.init))
      let counts = try #require(
        last.wholeMatch(
          of:
            /^ \[x\] 300 sent: (\d+) ok, (\d+) errors, (\d+) timed out, (\d+) unroutable, (\d+) connection lost, (\d+) cancelled; discarded \d+ late, \d+ duplicate, \d+ unknown; link lost 1 time, recovered 1$/
        ), "\(last)")
      let classes = [counts.1, counts.2, counts.3, counts.4, counts.5, counts.6].compactMap {
        Int($0)
      }
      #expect(classes.reduce(0, +) == 300, "\(last)")
      #expect((Int(counts.5) ?? 0) >= 1, "\(last)")
      #expect(!output.contains("reconnecting"), "link notices stay off standard output")
      #expect(errors.contains(" [!] connection lost: "), "\(errors)")
      server.signal(SIGINT)
      _ = try await server.finish()
      try await deleteQueue(queue)
    }

    @Test func serverLineModeReportsTheLostLinkAndServesAgainAfterRecovery() async throws {
      let queue = Broker.uniqueName("lost-server")
      let name = Broker.uniqueName("line-server")
      let server = try ChildProcess.product(
        "rpc-server",
        ["--no-tui", "--workers", "2", "--queue", queue, "--url", Broker.url(connectionName: name)])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      try await Broker.closeConnection(named: name)
      let notices = try await server.waitForOutput(containing: " [x] recovered after ")
      #expect(notices.contains(" [!] connection lost ("), "\(notices)")
      #expect(notices.contains("CONNECTION_FORCED - closed by a recovery test"), "\(notices)")
      #expect(notices.contains(" [!] reconnecting to "), "\(notices)")
      let client = try ChildProcess.product("rpc-client", ["--queue", queue, "10"])
      let (status, output) = try await client.finish()
      #expect(status == 0, "\(output)")
      #expect(output.contains(" [.] Got 55"))
      server.signal(SIGINT)
      let (serverStatus, serverOutput) = try await server.finish()
      #expect(serverStatus == 0, "\(serverOutput)")
      #expect(serverOutput.contains("Stopped cleanly after handling 1 requests"), "\(serverOutput)")
      try await deleteQueue(queue)
    }

    @Test func serverWithoutRecoveryStopsWhenItsConnectionIsClosed() async throws {
      let queue = Broker.uniqueName("no-recovery")
      let name = Broker.uniqueName("no-recovery-server")
      let server = try ChildProcess.product(
        "rpc-server",
        ["--no-tui", "--no-recovery", "--queue", queue, "--url", Broker.url(connectionName: name)])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      try await Broker.closeConnection(named: name)
      let (status, output) = try await server.finish()
      #expect(status == 1, "\(output)")
      #expect(output.contains("rpc-server: the connection closed"), "\(output)")
      #expect(!output.contains("reconnecting"), "\(output)")
      try await deleteQueue(queue)
    }

    @Test func benchAccountsForEveryRequestWhenAClientConnectionIsClosed() async throws {
      let name = Broker.uniqueName("bench")
      let bench = try ChildProcess.product(
        "rpc-bench",
        [
          "--url", Broker.url(connectionName: name), "--duration", "6", "--inflight", "10",
          "--workers", "2", "--warmup", "50", "--json",
        ])
      defer { bench.stop() }
      _ = try await bench.waitForOutput(containing: "[1s] sent")
      try await Broker.closeConnection(named: "\(name) client 1")
      let (status, output) = try await bench.finish()
      #expect(status == 0, "\(output)")
      let summary = try JSONSummary(output)
      #expect((summary["sent"] ?? 0) > 0)
      #expect(summary.accountedFor == summary["sent"], "\(output)")
      #expect(summary["in_flight"] == 0, "\(output)")
      #expect((summary["ok"] ?? 0) > 0 && (summary["rpcs"] ?? 0) > 0, "\(output)")
      // Ten calls are always in flight: the break ends some of them.
      #expect((summary["connection_lost"] ?? 0) >= 1, "\(output)")
      #expect(summary["link_lost"] == 1 && summary["recovered"] == 1, "\(output)")
      #expect(output.contains("rpc-bench client 1: [x] recovered after "), "\(output)")
    }

    func deleteQueue(_ queue: String) async throws {
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}

extension BrokerTests.LinkFaultExecutables {
  /// `--idempotent`: the calls a forced close catches in flight are sent again once the link
  /// is recovered, so every one of them is answered and none fails as connection lost.
  @Test func idempotentCallsAreSentAgainAfterAForcedCloseAndAllAnswered() async throws {
    let queue = Broker.uniqueName("resent")
    let server = try ChildProcess.product(
      "rpc-server", ["--no-tui", "--quiet", "--workers", "4", "--queue", queue])
    defer { server.stop() }
    _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let name = Broker.uniqueName("idempotent-client")
    let client = try PipedProcess(
      product: "rpc-client",
      [
        "--no-tui", "--json", "--idempotent", "--queue", queue, "--url",
        Broker.url(connectionName: name),
      ])
    defer { client.stop() }
    // fib(30) takes about 0.1 s: 4 workers are still busy with 40 when the link goes.
    client.write("30x40\n")
    _ = try await client.waitForErrors(containing: "fib(30) = 832040")
    try await Broker.closeConnection(named: name)
    let report = try await client.waitForErrors(containing: " [x] recovered after ")
    #expect(report.contains(" [!] connection lost: "), "\(report)")
    try client.closeInput()
    let (status, output, _) = try await client.finish()
    #expect(status == 0, "\(output)")
    let summary = try JSONSummary(output)
    #expect(summary["sent"] == 40 && summary["ok"] == 40, "\(output)")
    #expect(summary["connection_lost"] == 0, "\(output)")
    #expect(summary["link_lost"] == 1 && summary["recovered"] == 1, "\(output)")
    server.signal(SIGINT)
    _ = try await server.finish()
    try await deleteQueue(queue)
  }
}
