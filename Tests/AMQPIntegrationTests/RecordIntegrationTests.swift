import AMQPClient
import Foundation
import Testing

extension BrokerTests {
  /// `rpc-client --record FILE`: one JSON line per call ended, against the real broker and
  /// a running rpc-server.
  @Suite struct Record {
    /// The lines of `path`, each parsed as a JSON object.
    static func records(_ path: String) throws -> [[String: Any]] {
      let text = try String(contentsOfFile: path, encoding: .utf8)
      return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
        let object = try JSONSerialization.jsonObject(with: Data($0.utf8))
        return try #require(object as? [String: Any], "\($0)")
      }
    }

    static func temporaryPath(_ name: String) -> String {
      FileManager.default.temporaryDirectory.appendingPathComponent(
        "\(name)-\(UUID().uuidString).jsonl"
      ).path
    }

    @Test func aBurstWritesOneLinePerCallMatchingTheSummary() async throws {
      let queue = Broker.uniqueName("cli-record")
      let server = try ChildProcess.product(
        "rpc-server", ["--no-tui", "--workers", "4", "--queue", queue])
      defer { server.stop() }
      _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
      let path = Self.temporaryPath("record")
      defer { try? FileManager.default.removeItem(atPath: path) }

      let client = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--json", "--record", path, "30x500"])
      let (status, output) = try await client.finish()
      #expect(status == 0, "\(output)")
      #expect(output.contains("recorded 500 calls to \(path)"), "\(output)")
      // The summary: one JSON object, its counts the file's.
      let summaryLine = try #require(
        output.split(separator: "\n").first { $0.hasPrefix("{\"sent\"") }, "\(output)")
      let summary = try #require(
        try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Int])
      let records = try Self.records(path)
      #expect(records.count == 500)
      #expect(summary["sent"] == 500)
      var outcomes: [String: Int] = [:]
      for record in records { outcomes[record["outcome"] as? String ?? "?", default: 0] += 1 }
      #expect(outcomes["ok", default: 0] == summary["ok"])
      #expect(outcomes["timed out", default: 0] == summary["timed_out"])
      #expect(Set(records.compactMap { $0["correlation_id"] as? String }).count == 500)
      for record in records.prefix(5) {
        #expect(record["n"] as? Int == 30)
        #expect(record["result"] as? String == "832040")
        #expect((record["round_trip_us"] as? Int ?? 0) > 0)
        #expect((record["worker"] as? String)?.isEmpty == false)
        #expect((record["ended_at"] as? String)?.hasSuffix("Z") == true)
      }

      // The file exists now: refused, untouched; appended to when asked.
      let again = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--record", path, "10"])
      let (againStatus, againOutput) = try await again.finish()
      #expect(againStatus == 1)
      #expect(againOutput.contains("exists (not overwritten)"), "\(againOutput)")
      #expect(try Self.records(path).count == 500)
      let append = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--record", path, "--record-append", "10x3"])
      #expect(try await append.finish().status == 0)
      #expect(try Self.records(path).count == 503)

      server.signal(SIGTERM)
      _ = try await server.finish()
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func failuresAreRecordedWithTheirOutcome() async throws {
      let path = Self.temporaryPath("record-unroutable")
      defer { try? FileManager.default.removeItem(atPath: path) }
      let client = try ChildProcess.product(
        "rpc-client", ["--queue", Broker.uniqueName("nobody"), "--record", path, "5", "6"])
      let (status, output) = try await client.finish()
      #expect(status == 1)
      let records = try Self.records(path)
      #expect(records.count == 2, "\(output)")
      #expect(records.allSatisfy { $0["outcome"] as? String == "unroutable" })
      #expect(Set(records.compactMap { $0["n"] as? Int }) == [5, 6])
      #expect(records.allSatisfy { ($0["error"] as? String)?.isEmpty == false })
    }

    @Test func anUnwritablePathIsRefusedBeforeAnythingIsSent() async throws {
      let client = try ChildProcess.product(
        "rpc-client", ["--record", "/proc/no-such-dir/calls.jsonl", "5"])
      let (status, output) = try await client.finish()
      #expect(status == 1)
      #expect(output.contains("--record /proc/no-such-dir/calls.jsonl: No such file"), "\(output)")
    }
  }
}
