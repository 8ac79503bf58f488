import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// rpc-demo and rpc-client in a real terminal (tmux) at the sizes terminals open at, with
  /// calls in flight: rows under In flight and the `? help` / `q quit` footer items.
  @Suite struct ScreenSizes {
    static let sizes = [(80, 24), (120, 40)]

    /// How many rows under the `In flight (` title start with a correlation id (`a1b2c3d4-7`)
    /// at the title's column.
    static func inFlightRows(in screen: String) -> Int {
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      guard let top = lines.firstIndex(where: { $0.contains("In flight (") }),
        let title = lines[top].range(of: "In flight (")
      else { return 0 }
      let column = lines[top].distance(from: lines[top].startIndex, to: title.lowerBound)
      var rows = 0
      for line in lines.dropFirst(top + 2) {
        let cell = line.dropFirst(column).prefix { $0 != " " }
        let parts = cell.split(separator: "-")
        guard parts.count == 2, parts[0].allSatisfy(\.isHexDigit), Int(parts[1]) != nil else {
          break
        }
        rows += 1
      }
      return rows
    }

    static func footerIsWhole(_ screen: String) -> Bool {
      let footer = screen.split(separator: "\n").last.map(String.init) ?? ""
      return footer.contains("? help") && footer.contains("q quit")
    }

    static var bin: URL {
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// One size after the other: tmux can fail to start two sessions at the same moment.
    @Test func demoShowsCallsInFlightAndTheFooterAt80x24And120x40() async throws {
      for (width, height) in Self.sizes { try await demo(width: width, height: height) }
    }

    @Test func clientShowsCallsInFlightAndTheFooterAt80x24And120x40() async throws {
      for (width, height) in Self.sizes { try await client(width: width, height: height) }
    }

    func demo(width: Int, height: Int) async throws {
      let queue = Broker.uniqueName("demo-size")
      let demo = try TmuxSession(
        [Self.bin.appendingPathComponent("rpc-demo").path, "--queue", queue, "--workers", "3"],
        width: width, height: height)
      defer { demo.kill() }
      try await demo.waitFor("Workers (3)")
      try demo.type("34x12")
      let screen = try await demo.waitFor("rows in flight and the whole footer") {
        Self.inFlightRows(in: $0) >= 2 && Self.footerIsWhole($0)
      }
      #expect(
        ["w1 ", "w2 ", "w3 "].allSatisfy { worker in
          screen.split(separator: "\n").contains { $0.hasPrefix(worker) }
        }, "\(screen)")
      try demo.sendKeys("q")
      try await demo.waitFor("EXIT=0", seconds: 40)
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    func client(width: Int, height: Int) async throws {
      let connection = try await Broker.connect(name: "screen-size-server")
      let queue = Broker.uniqueName("client-size")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 1),
        handler: .fibonacci())
      let session = try TmuxSession(
        [Self.bin.appendingPathComponent("rpc-client").path, "--queue", queue],
        width: width, height: height)
      defer { session.kill() }
      try await session.waitFor("workers 1")
      try session.type("34x6")
      let screen = try await session.waitFor("rows in flight and the whole footer") {
        Self.inFlightRows(in: $0) >= 2 && Self.footerIsWhole($0)
      }
      #expect(screen.split(separator: "\n").first?.contains("reply_to amq.gen-") == true)
      try session.sendKeys("q")
      try await session.waitFor("EXIT=0", seconds: 40)
      await server.shutdown()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
