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

  @Test func serverTakesPrefetchZeroAsUnlimited() async throws {
    let queue = Broker.uniqueName("cli-prefetch")
    let server = try ChildProcess.product(
      "rpc-server", ["--no-tui", "--prefetch", "0", "--queue", queue])
    defer { server.stop() }
    let started = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let client = try ChildProcess.product("rpc-client", ["--queue", queue, "10"])
    let (status, output) = try await client.finish()
    #expect(status == 0, "\(output)")
    #expect(output.contains(" [.] Got 55"))
    server.signal(SIGINT)
    let (serverStatus, serverOutput) = try await server.finish()
    #expect(serverStatus == 0, "\(serverOutput)")
    #expect((started + serverOutput).contains("prefetch unlimited"), "\(started)")
    let connection = try await Broker.connect()
    try await connection.openChannel().queueDelete(queue)
    try await connection.close()
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

/// Numeric options out of range or not finite, as typed on a shell: each executable exits
/// with status 64 (a usage error) naming the option and its range, before connecting to
/// anything — never a trap.
@Suite struct ExecutableNumericOptions {
  static let seconds = "must be a number of seconds from 0.001 to 86400"

  static let refusals: [(executable: String, arguments: [String], message: String)] = [
    ("rpc-bench", ["--timeout", "inf"], seconds),
    ("rpc-bench", ["--timeout", "nan"], seconds),
    ("rpc-bench", ["--timeout", "-1"], seconds),
    ("rpc-bench", ["--duration", "1e300"], seconds),
    ("rpc-bench", ["--count", "0"], "must be a whole number from 1 to 1000000000"),
    (
      "rpc-bench", ["--warmup", "99999999999999999999"],
      "must be a whole number from 0 to 1000000000"
    ),
    ("rpc-bench", ["--prefetch", "65536"], "must be a whole number from 0 to 65535"),
    ("rpc-demo", ["--timeout", "inf"], seconds),
    ("rpc-demo", ["--timeout", "nan"], seconds),
    ("rpc-demo", ["--timeout", "-1"], seconds),
    ("rpc-demo", ["--tour-pace", "1e300"], "must be a number of seconds from 0 to 3600"),
    ("rpc-client", ["--timeout", "inf", "5"], seconds),
    ("rpc-client", ["--timeout", "nan", "5"], seconds),
    ("rpc-client", ["--timeout", "-1", "5"], seconds),
    ("rpc-server", ["--workers", "0"], "must be a whole number from 1 to 1000"),
    ("rpc-server", ["--prefetch", "-1"], "must be a whole number from 0 to 65535"),
    ("rpc-server", ["--max-n", "93"], "must be a whole number from 0 to 92"),
    ("rpc-server", ["--drain-timeout", "inf"], "must be a number of seconds from 0 to 3600"),
    ("amqp-roundtrip", ["--count", "0"], "must be a whole number from 1 to 1000000"),
  ]

  /// Recursive fib(70) would never finish, and a drain would wait for it forever.
  @Test func recursiveWorkRefusesAnNThatWouldNotFinishInSeconds() async throws {
    let process = try ChildProcess.product("rpc-server", ["--max-n", "92"])
    let (status, output) = try await process.finish()
    #expect(status == 64, "\(output)")
    #expect(output.contains("--max-n 92 is above 45") && output.contains("--work iterative"))
  }

  @Test(arguments: refusals)
  func badNumberIsAUsageErrorNamingTheOptionAndItsRange(
    executable: String, arguments: [String], message: String
  ) async throws {
    let process = try ChildProcess.product(executable, arguments)
    let (status, output) = try await process.finish()
    #expect(status == 64, "\(executable) \(arguments): \(output)")
    #expect(
      output.contains("The value '\(arguments[1])' is invalid for '\(arguments[0]) <"),
      "\(output)")
    #expect(output.contains(message), "\(output)")
  }
}
