import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// rpc-client's screen in tmux: `/` filters to one worker, Ctrl-E exports what the title
  /// counts, Ctrl-F freezes while calls go on ending.
  @Suite struct ClientScreenLists {
    /// The number in Completed's `filter "w:w2" N of 200` on `screen`.
    static func filteredCount(_ screen: String, filter: String, of total: Int) -> Int? {
      let marker = "Completed filter \"\(filter)\" "
      for line in screen.split(separator: "\n") {
        guard let start = line.range(of: marker)?.upperBound else { continue }
        let rest = line[start...].split(separator: " ")
        guard rest.count >= 3, rest[1] == "of", rest[2].hasPrefix("\(total)") else { continue }
        return Int(rest[0].filter(\.isNumber))
      }
      return nil
    }

    @Test func filterToOneWorkerExportItAndFreeze() async throws {
      let connection = try await Broker.connect(name: "screen-lists-server")
      let queue = Broker.uniqueName("screen-lists")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 4),
        handler: .fibonacci())
      let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("screen-export-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      // Ctrl-E writes into the current directory: the temporary one.
      let session = try TmuxSession(
        ["/bin/sh", "-c", "cd '\(directory)' && exec '\(binary)' --queue \(queue)"],
        width: 120, height: 40)
      defer { session.kill() }
      try await session.waitFor("workers 4")

      try session.type("20x200")
      try await session.waitFor("ok 200 ")

      // `/` then the filter, live; Enter keeps it.
      try session.sendKeys("/")
      try await session.waitFor("filter>")
      try session.type("w:w2")
      let filtered = try await session.waitFor("the filter's count") { screen in
        Self.filteredCount(screen, filter: "w:w2", of: 200) != nil && screen.contains("fib(n)>")
      }
      let count = try #require(Self.filteredCount(filtered, filter: "w:w2", of: 200))
      #expect(count > 0 && count < 200, "\(filtered)")

      // Ctrl-E: the calls the title counts, every one from w2.
      try session.sendKeys("C-e")
      let exported = try await session.waitFor("exported \(count) calls to rpc-calls-")
      let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
      #expect(files.count == 2, "\(files) \(exported)")
      let jsonl = try #require(files.first { $0.hasSuffix(".jsonl") })
      let csv = try #require(files.first { $0.hasSuffix(".csv") })
      let lines = try String(contentsOfFile: directory + "/" + jsonl, encoding: .utf8)
        .split(separator: "\n")
      #expect(lines.count == count)
      for line in lines {
        let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect((record?["worker"] as? String)?.hasSuffix("/w2") == true, "\(line)")
      }
      let rows = try String(contentsOfFile: directory + "/" + csv, encoding: .utf8)
        .components(separatedBy: "\r\n").filter { !$0.isEmpty }
      #expect(rows.count == count + 1)

      // Clear the filter, freeze: the numbers stay while 100 more calls end.
      try session.type(":filter")
      try await session.waitFor("Completed (200)")
      try session.sendKeys("C-f")
      try await session.waitFor("FROZEN +0")
      try session.type("20x100")
      try await session.waitFor("FROZEN +100 ", seconds: 30)
      let frozen = try session.capture()
      #expect(frozen.contains(" sent 200 "), "\(frozen)")
      #expect(frozen.contains("Completed (200)"))
      #expect(server.handledCount >= 300)
      // Live again: caught up at once.
      try session.sendKeys("C-f")
      let live = try await session.waitFor("Completed (300)")
      #expect(live.contains(" sent 300 "), "\(live)")
      #expect(!live.contains("FROZEN"))

      try session.sendKeys("q")
      try await session.waitFor("EXIT=0")
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    /// `--record` from the screen: quitting with calls in flight still writes one line per
    /// call, those in flight ending as cancelled.
    @Test func theScreenRecordsEveryCallAlsoThoseCancelledByQuitting() async throws {
      let connection = try await Broker.connect(name: "screen-record-server")
      let queue = Broker.uniqueName("screen-record")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .fibonacci())
      let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("screen-record-\(UUID().uuidString).jsonl").path
      defer { try? FileManager.default.removeItem(atPath: path) }
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let session = try TmuxSession(
        [binary, "--queue", queue, "--record", path], width: 120, height: 40)
      defer { session.kill() }
      try await session.waitFor("workers 2")
      try session.type("20x20")
      try await session.waitFor("ok 20 ")
      // Forty slow calls, then quit while most are in flight or queued.
      try session.type("40x40")
      try await session.waitFor("in flight 40")
      try session.sendKeys("q")
      let after = try await session.waitFor("EXIT=", seconds: 30)
      #expect(after.contains("EXIT=0"), "\(after)")
      #expect(after.contains("60 sent: "), "\(after)")
      #expect(after.contains("recorded 60 calls to"), "\(after)")
      let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
      #expect(lines.count == 60)
      let outcomes = try lines.map { line in
        let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return record?["outcome"] as? String ?? "?"
      }
      #expect(outcomes.filter { $0 == "ok" }.count >= 20)
      #expect(outcomes.contains("cancelled"), "\(outcomes)")
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}
