import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// rpc-server's screen in a real terminal (tmux) against the real broker.
  @Suite struct ServerScreen {
    let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// Runs `rpc-client --no-tui` with `input`; returns its summary line.
    func burst(_ input: String, queue: String) async throws -> String {
      let client = Process()
      client.executableURL = bin.appendingPathComponent("rpc-client")
      client.arguments = ["--no-tui", "--queue", queue]
      let stdin = Pipe()
      let stdout = Pipe()
      client.standardInput = stdin
      client.standardOutput = stdout
      try client.run()
      stdin.fileHandleForWriting.write(Data((input + "\n").utf8))
      try stdin.fileHandleForWriting.close()
      let text = try await withTimeout(60, "rpc-client --no-tui") {
        String(
          decoding: await Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value,
          as: UTF8.self)
      }
      return text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The `done` column of a worker row (`w1`) or of the totals row (`all`), when idle (after
    /// the `held` column, shown from 90 columns).
    static func done(_ row: String, in screen: String) -> Int? {
      let lines = screen.split(separator: "\n")
      guard let line = lines.first(where: { $0.hasPrefix(row + " ") }) else { return nil }
      let held = lines.contains { $0.hasPrefix("id ") && $0.contains(" held ") } ? 1 : 0
      let fields = line.split(separator: " ")
      let index = (row == "all" ? 1 : 2) + held
      return fields.indices.contains(index) ? Int(fields[index]) : nil
    }

    @Test func burstsSpreadOverWorkersPauseMovesTheLoadAndQuitDrains() async throws {
      let queue = Broker.uniqueName("server-screen")
      let server = try TmuxSession(
        [bin.appendingPathComponent("rpc-server").path, "--workers", "3", "--queue", queue],
        width: 120, height: 30)
      defer { server.kill() }
      let start = try await server.waitFor("Workers (3)")
      // The header names this server as its workers' names do (`<host>-<pid>/w1`).
      let host = RPCServerConfiguration.defaultServerName().split(separator: "-").dropLast()
        .joined(separator: "-")
      #expect(start.split(separator: "\n").first?.contains(" \(host)-") == true, "\(start)")

      // A burst spreads over the three workers; their counts add up to it.
      #expect(try await burst("20x90", queue: queue).contains("90 sent: 90 ok"))
      var screen = try await server.waitFor("totals of 90") { Self.done("all", in: $0) == 90 }
      let first = ["w1", "w2", "w3"].map { Self.done($0, in: screen) ?? -1 }
      #expect(first.reduce(0, +) == 90, "\(screen)")
      #expect(first.allSatisfy { $0 > 0 }, "\(screen)")

      // Pause the selected worker (w1): its count stays while the others grow.
      try server.sendKeys("p")
      try await server.waitFor("PAUSED")
      #expect(try await burst("20x60", queue: queue).contains("60 sent: 60 ok"))
      screen = try await server.waitFor("totals of 150") { Self.done("all", in: $0) == 150 }
      #expect(Self.done("w1", in: screen) == first[0], "\(screen)")
      #expect((Self.done("w2", in: screen) ?? 0) > first[1])
      #expect((Self.done("w3", in: screen) ?? 0) > first[2])

      // A second server process on the same queue: both count every consumer.
      let other = try TmuxSession(
        [bin.appendingPathComponent("rpc-server").path, "--workers", "2", "--queue", queue],
        width: 120, height: 30)
      defer { other.kill() }
      try await other.waitFor("Workers (2)")
      // Consumers: w2 and w3 here (w1 is paused), two there.
      try await server.waitFor("consumers 4 (all servers)")
      try await other.waitFor("consumers 4 (all servers)")
      try other.sendKeys("q")
      try await other.waitFor("EXIT=0")

      // Remove a worker while a burst runs: no request is lost.
      async let running = burst("22x300", queue: queue)
      try await server.waitFor("the burst to start") {
        (Self.done("all", in: $0) ?? 0) > 150 || $0.contains("busy")
      }
      try server.sendKeys("Down", "-")
      try await server.waitFor("Workers (2)")
      #expect(try await running.contains("300 sent: 300 ok"))

      // q drains and exits 0, giving the terminal back.
      try server.sendKeys("q")
      let after = try await server.waitFor("EXIT=0")
      #expect(after.contains("Stopped cleanly after handling 450 requests"))
      #expect(!after.contains("Workers ("))
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    /// The worker table's row of `id` (`w1`, in its 4-column id cell), if listed.
    static func row(_ id: String, in screen: String) -> String? {
      let cell = id.padding(toLength: 5, withPad: " ", startingAt: 0)
      return screen.split(separator: "\n").first { $0.hasPrefix(cell) }.map(String.init)
    }

    /// With prefetch 4 a worker shows the four requests it holds (4/4); removed, it stays as
    /// stopping until it has answered them; on q the screen says how many are still held.
    @Test func heldRequestsStoppingWorkersAndDrainingShowWhatEachWorkerStillHolds()
      async throws
    {
      let queue = Broker.uniqueName("server-held")
      let server = try TmuxSession(
        [
          bin.appendingPathComponent("rpc-server").path, "--workers", "1", "--prefetch", "4",
          "--queue", queue,
        ],
        width: 120, height: 30)
      defer { server.kill() }
      try await server.waitFor("Workers (1)")
      // fib(38), recursive in a debug build: each takes a second or more.
      async let running = burst("38x6", queue: queue)
      _ = try await server.waitFor("w1 holding 4 of prefetch 4", seconds: 30) {
        Self.row("w1", in: $0)?.contains(" 4/4 ") == true
      }
      try server.sendKeys("-")
      let stopping = try await server.waitFor("w1 stopping") {
        Self.row("w1", in: $0)?.contains("stopping") == true
      }
      #expect(stopping.contains(" removing w1: it finishes what it holds"))
      let removed = try await server.waitFor("w1 removed", seconds: 30) {
        Self.row("w1", in: $0) == nil
      }
      #expect(removed.contains("no workers — press + to add one"), "\(removed)")
      // Its answers stay counted: as many as it answered (4, or more when it took another
      // request between showing 4/4 and the key), every one listed in Recent requests.
      let handled = removed.firstMatch(of: #/handled (\d+)\s/#).flatMap { Int($0.1) }
      let answered = removed.split(separator: "\n").count(where: {
        $0.hasPrefix("w1  fib(38) = ")
      })
      #expect(handled == answered && answered >= 4, "its answers stay counted: \(removed)")
      // The rest waited in the queue; a new worker answers them.
      try server.sendKeys("+")
      _ = try await server.waitFor("w2 added")
      #expect(try await running.contains("6 sent: 6 ok"))
      // q while w2 holds four: the screen says how many are still held, w2 stays listed as
      // stopping, and every request is answered before the exit.
      async let last = burst("38x4", queue: queue)
      _ = try await server.waitFor("w2 holding 4", seconds: 30) {
        Self.row("w2", in: $0)?.contains(" 4/4 ") == true
      }
      try server.sendKeys("q")
      let draining = try await server.waitFor("draining, w2 stopping") {
        $0.contains(" requests: workers finish and acknowledge what they hold")
          && Self.row("w2", in: $0)?.contains("stopping") == true
      }
      #expect(
        ["draining 1 ", "draining 2 ", "draining 3 ", "draining 4 "].contains {
          draining.contains($0)
        }, "\(draining)")
      #expect(!draining.contains("press + to add one"))
      #expect(try await last.contains("4 sent: 4 ok"))
      _ = try await server.waitFor("EXIT=0")
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
