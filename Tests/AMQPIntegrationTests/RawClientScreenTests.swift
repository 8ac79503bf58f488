import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// `rpc-client --raw` without texts, against a service that uppercases its text: the
  /// screen in raw mode at 80×24 (tmux), and the line mode reading standard input.
  @Suite struct RawClientScreen {
    static func upperServer(_ name: String) async throws
      -> (connection: AMQPConnection, server: RPCServer, queue: String)
    {
      let connection = try await Broker.connect(name: Broker.uniqueName(name))
      let queue = Broker.uniqueName("upper")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .synchronous { RPCServerResponse(text: $0.text.uppercased()) })
      return (connection, server, queue)
    }

    static func stop(_ connection: AMQPConnection, _ server: RPCServer, _ queue: String)
      async throws
    {
      await server.shutdown(gracePeriod: .zero)
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    @Test func aLineTypedOnTheScreenIsSentAsItIsAndItsReplyListedAt80x24() async throws {
      let (connection, server, queue) = try await Self.upperServer("raw-screen-server")
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let session = try TmuxSession([binary, "--raw", "--queue", queue], width: 80, height: 24)
      defer { session.kill() }
      let start = try await session.waitFor("workers 2")
      // The prompt and the line under it say raw mode and the queue.
      #expect(start.contains(" raw \(queue.prefix(20))"), "\(start)")
      #expect(start.contains(" raw mode: each line goes to \(queue)"), "\(start)")

      try session.type("hello world")
      let screen = try await session.waitFor("HELLO WORLD in Completed") { screen in
        screen.split(separator: "\n").contains {
          $0.contains("-1 ") && $0.contains("hello world") && $0.contains("HELLO WORLD")
        }
      }
      #expect(screen.contains("ok 1"), "\(screen)")
      #expect(screen.contains("request") && screen.contains("reply"), "\(screen)")

      // q is text in raw mode: it is sent, and Ctrl-C quits.
      try session.type("q")
      try await session.waitFor("ok 2")
      try session.sendKeys("C-c")
      let after = try await session.waitFor("EXIT=0")
      #expect(after.contains(" [x] 2 sent: 2 ok, 0 errors"), "\(after)")
      try await Self.stop(connection, server, queue)
    }

    @Test func lineModeSendsEachLineAsItIsAndPrintsTheRepliesInOrder() async throws {
      let (connection, server, queue) = try await Self.upperServer("raw-lines-server")
      let client = try PipedProcess(product: "rpc-client", ["--raw", "--no-tui", "--queue", queue])
      defer { client.stop() }
      client.write("hello world\n\n{\"a\": 1}\n")
      try client.closeInput()
      let (status, output, errors) = try await client.finish()
      #expect(status == 0, "\(output)\(errors)")
      let lines = output.split(separator: "\n").map(String.init)
      #expect(Array(lines.prefix(2)) == ["HELLO WORLD", "{\"A\": 1}"], "\(output)")
      // The summary ends the output; the empty line sent nothing.
      #expect(lines.count == 3 && lines[2].hasPrefix(" [x] 2 sent: 2 ok, 0 errors"), "\(output)")
      try await Self.stop(connection, server, queue)
    }
  }
}
