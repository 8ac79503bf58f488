import AMQPClient
import Foundation
import Testing

extension BrokerTests {
  /// The rpc-server and rpc-client executables, as a person runs them.
  @Suite struct Executables {
    @Test func tutorialTranscriptAndGracefulStop() async throws {
      let queue = Broker.uniqueName("cli")
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--workers", "2", "--queue", queue])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")

      let oneShot = try ChildProcess.product("rpc-client", ["--queue", queue, "35"])
      let (status, output) = try await oneShot.finish()
      #expect(status == 0, "\(output)")
      #expect(output.contains(" [x] Requesting fib(35)"))
      #expect(output.contains(" [.] Got 9227465"))

      let several = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "10", "20x2", "1..3"])
      let (severalStatus, severalOutput) = try await several.finish()
      #expect(severalStatus == 0, "\(severalOutput)")
      #expect(severalOutput.components(separatedBy: " [.] Got").count - 1 == 6)

      server.signal(SIGTERM)
      let (serverStatus, serverOutput) = try await server.finish()
      #expect(serverStatus == 0, "\(serverOutput)")
      #expect(serverOutput.contains("fib(35) = 9227465"))
      #expect(serverOutput.contains("Stopped cleanly after handling 7 requests"))
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func clientRefusesBadNumbersWithoutSending() async throws {
      let client = try ChildProcess.product("rpc-client", ["abc"])
      let (status, output) = try await client.finish()
      #expect(status == 64)
      #expect(output.contains("\"abc\" is not a whole number"))
    }

    @Test func clientWithNoQueueToRouteToFailsFast() async throws {
      let client = try ChildProcess.product(
        "rpc-client", ["--queue", Broker.uniqueName("nobody"), "--timeout", "60", "5"])
      let (status, output) = try await client.finish()  // within the 30 s limit, not 60
      #expect(status == 1)
      #expect(output.contains("unroutable"))
    }

    @Test func clientWithoutBrokerSaysSo() async throws {
      let client = try ChildProcess.product("rpc-client", ["--url", "amqp://127.0.0.1:1", "5"])
      let (status, output) = try await client.finish()
      #expect(status == 1)
      #expect(output.contains("cannot connect to amqp://guest:***@127.0.0.1:1"))
    }

    @Test func lineModeAnswersEachLineAndReportsTotals() async throws {
      let queue = Broker.uniqueName("cli-lines")
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--queue", queue, "--work", "iterative", "--max-n", "92"])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      let input = Pipe()
      let client = Process()
      client.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("rpc-client")
      client.arguments = ["--no-tui", "--queue", queue]
      client.standardInput = input
      let output = Pipe()
      client.standardOutput = output
      try client.run()
      input.fileHandleForWriting.write(Data("90\nabc\n1 2\n".utf8))
      try input.fileHandleForWriting.close()
      let text = try await withTimeout(30, "rpc-client --no-tui") {
        let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        return String(decoding: data, as: UTF8.self)
      }
      #expect(text.contains("fib(90) = 2880067194370816120"))
      #expect(text.contains("\"abc\" is not a whole number"))
      #expect(text.contains("3 sent: 3 ok"))
      server.signal(SIGINT)
      _ = try await server.finish()
    }
  }
}

extension BrokerTests.Executables {
  @Test func benchReportsAJSONSummaryWithInProcessWorkers() async throws {
    let bench = try ChildProcess.product(
      "rpc-bench",
      ["--count", "300", "--warmup", "30", "--inflight", "10", "--workers", "2", "--json"])
    let (status, output) = try await bench.finish()
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    for key in ["rpcs", "seconds", "rpc_per_s", "p50_us", "p99_us", "max_us", "client_cpu_s"] {
      #expect(summary[key] != nil, "missing \(key)")
    }
    #expect(summary["rpcs"] as? Int == 300)  // exactly --count: warm-up calls are not counted
    #expect(summary["timeouts"] as? Int == 0)
  }

  @Test func benchRunsForADurationWithSeveralClientsAndWritesCSVRows() async throws {
    let csv = FileManager.default.temporaryDirectory
      .appendingPathComponent("rpc-bench-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: csv) }
    let bench = try ChildProcess.product(
      "rpc-bench",
      [
        "--clients", "2", "--inflight", "4", "--duration", "2", "--warmup", "20",
        "--workers", "2", "--json", "--csv", csv.path,
      ])
    let (status, output) = try await bench.finish()
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(summary["clients"] as? Int == 2)
    #expect((summary["rpcs"] as? Int ?? 0) > 0)
    #expect((summary["seconds"] as? Double ?? 0) >= 2)
    // The progress printer writes a row per second; the run lasts at least two.
    let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "second,sent,replied,rate,p50_us,p99_us")
    #expect(rows.count >= 2, "\(rows)")
    #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",").count == 6 })
  }

  @Test func benchWithNoServerOnAMissingQueueSaysSoAndFails() async throws {
    let queue = Broker.uniqueName("bench-absent")
    let bench = try ChildProcess.product(
      "rpc-bench", ["--no-server", "--queue", queue, "--count", "10"])
    let (status, output) = try await bench.finish()
    #expect(status == 1, "\(output)")
    #expect(output.contains("queue \(queue) does not exist"), "\(output)")
  }

  @Test func benchReportsMemoryPerPendingCall() async throws {
    let bench = try ChildProcess.product("rpc-bench", ["--pending-memory", "2000", "--json"])
    let (status, output) = try await bench.finish()
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(summary["pending_calls"] as? Int == 2000)
    #expect(summary["bytes_per_pending_call"] is Double)
  }

  @Test func benchOnTheAsyncAPICountsExactlyTheMeasuredCalls() async throws {
    let bench = try ChildProcess.product(
      "rpc-bench",
      [
        "--count", "200", "--warmup", "50", "--inflight", "20", "--workers", "2", "--json",
        "--async-api", "--on-loop",
      ])
    let (status, output) = try await bench.finish()
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(summary["rpcs"] as? Int == 200)
    #expect(summary["api"] as? String == "async-on-loop")
  }
}
