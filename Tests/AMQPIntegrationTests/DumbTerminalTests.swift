import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// A terminal that cannot move the cursor (TERM=dumb) gets line mode with a note, not a
  /// screen that shows only its footer.
  @Suite struct DumbTerminal {
    @Test func rpcClientFallsBackToLineModeAndTheAnswerShows() async throws {
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let queue = Broker.uniqueName("dumb")
      let connection = try await Broker.connect(name: "dumb-terminal-server")
      let server = try await RPCServer.start(
        connection: connection, configuration: .init(queue: queue, workers: 1),
        handler: .fibonacci())
      let session = try TmuxSession(
        ["env", "TERM=dumb", binary, "--queue", queue], width: 80, height: 24)
      defer { session.kill() }
      try await session.waitFor("TERM=dumb cannot move the cursor: line mode")
      try session.type("7")
      try await session.waitFor("fib(7) = 13")
      _ = await server.shutdown()
      try await connection.close()
    }
  }
}
