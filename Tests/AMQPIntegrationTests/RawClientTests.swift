import AMQPClient
import AMQPRPC
import Foundation
import Testing

extension BrokerTests {
  /// `rpc-client` against any service: --raw texts, and "no responders" before waiting.
  @Suite struct RawClient {
    @Test func rawTextsAreSentAsTheyAreAndRepliesPrintedInOrder() async throws {
      let connection = try await Broker.connect(name: Broker.uniqueName("raw-server"))
      let queue = Broker.uniqueName("raw")
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue, workers: 2),
        handler: .synchronous { request in
          guard request.text != "fail" else { throw RPCHandlerError("refused", "as asked") }
          return RPCServerResponse(text: "<" + request.text.uppercased() + ">")
        })
      let client = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--raw", "hello", "{\"a\": 1}", "  spaced "])
      let (status, output) = try await client.finish()
      #expect(status == 0, "\(output)")
      #expect(output == "<HELLO>\n<{\"A\": 1}>\n<  SPACED >\n")

      let failing = try ChildProcess.product("rpc-client", ["--queue", queue, "--raw", "fail"])
      let (failingStatus, failingOutput) = try await failing.finish()
      #expect(failingStatus == 1)
      #expect(failingOutput.contains("server error (refused): as asked"), "\(failingOutput)")

      // With --json, standard output holds the summary alone; the replies go to stderr.
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-client").path
      let json = try ChildProcess(
        executable: "/bin/sh",
        arguments: ["-c", "'\(binary)' --queue \(queue) --raw --json hello 2>/dev/null"])
      let (jsonStatus, jsonOutput) = try await json.finish()
      #expect(jsonStatus == 0, "\(jsonOutput)")
      #expect(jsonOutput.hasPrefix("{\"") && jsonOutput.contains("\"ok\": 1,"), "\(jsonOutput)")
      #expect(jsonOutput.split(separator: "\n").count == 1, "\(jsonOutput)")
      await server.shutdown(gracePeriod: .zero)
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }

    @Test func aQueueNobodyConsumesFailsAtOnceUnlessAskedToWait() async throws {
      let connection = try await Broker.connect(name: Broker.uniqueName("no-responders"))
      let queue = Broker.uniqueName("no-responders")
      let channel = try await connection.openChannel()
      try await channel.queueDeclare(queue)  // exists, nobody consumes it
      let client = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--timeout", "600", "5", "6"])
      let (status, output) = try await client.finish()  // within the 30 s limit, not 600
      #expect(status == 1)
      #expect(output.contains("no responders: no server consumes queue"), "\(output)")
      // Nothing was sent.
      #expect(try await channel.queueDeclare(queue, passive: true).messageCount == 0)

      let waiting = try ChildProcess.product(
        "rpc-client", ["--queue", queue, "--timeout", "1", "--wait-for-server", "5"])
      let (waitingStatus, waitingOutput) = try await waiting.finish()
      #expect(waitingStatus == 1)
      #expect(waitingOutput.contains("timed out"), "\(waitingOutput)")
      try await channel.queueDelete(queue)
      try await connection.close()
    }

    @Test func theLibraryPolicyEndsTheCallAtOnceAndCountsIt() async throws {
      let connection = try await Broker.connect(name: Broker.uniqueName("no-responders-lib"))
      let queue = Broker.uniqueName("no-responders-lib")
      let channel = try await connection.openChannel()
      try await channel.queueDeclare(queue)
      var configuration = RPCClientConfiguration(queue: queue, timeout: .seconds(600))
      configuration.noResponders = .fail
      let client = try await RPCClient.start(connection: connection, configuration: configuration)
      await #expect {
        _ = try await client.fibonacci(5)
      } throws: { ($0 as? RPCError)?.code == .noResponders }
      let stats = client.stats()
      #expect(stats.sent == 1 && stats.count(.unroutable) == 1 && stats.inFlight == 0)
      // Once a server consumes, calls go through.
      let server = try await RPCServer.start(
        connection: connection, configuration: RPCServerConfiguration(queue: queue),
        handler: .fibonacci())
      #expect(try await client.fibonacci(10).value == "55")
      try await client.close()
      await server.shutdown(gracePeriod: .zero)
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}
