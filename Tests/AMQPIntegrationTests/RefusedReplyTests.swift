import AMQPClient
import AMQPProtocol
import AMQPRPC
import Foundation
import NIOCore
import Testing

/// A reply the broker refuses by closing the connection (issue 17 item 1): a Direct Reply-to
/// name RabbitMQ cannot resolve gets 541 INTERNAL_ERROR. Only that request ends (rejected
/// without requeue, and said so); the workers keep their connection, and every other
/// caller's request is answered during and after it.
extension BrokerTests {
  @Suite struct RefusedReplies {
    /// A Direct Reply-to name whose channel token decodes to nothing the broker knows.
    static let unresolvableReplyTo = "amq.rabbitmq.reply-to.bm90LWEtdG9rZW4=.junk"

    /// A server with 3 workers on its own recovering connection, a client on another, and a
    /// queue of the test's own, of `type`.
    struct Run {
      let serverConnection: AMQPConnection
      let clientConnection: AMQPConnection
      let queue: String
      let server: RPCServer
      let client: RPCClient
      let notices: AsyncStream<RPCServerNotice>

      static func start(_ type: RPCQueueType) async throws -> Run {
        let serverConnection = try await Broker.connect(
          name: Broker.uniqueName("refused-server"), recovery: .fast)
        let clientConnection = try await Broker.connect(
          name: Broker.uniqueName("refused-client"), recovery: .fast)
        let queue = Broker.uniqueName("refused-rpc")
        let server = try await RPCServer.start(
          connection: serverConnection,
          configuration: RPCServerConfiguration(
            queue: queue, workers: 3, prefetch: 2, queueType: type),
          handler: .fibonacci(work: .recursive))
        let client = try await RPCClient.start(
          connection: clientConnection,
          configuration: RPCClientConfiguration(queue: queue, timeout: .seconds(30)))
        return Run(
          serverConnection: serverConnection, clientConnection: clientConnection, queue: queue,
          server: server, client: client, notices: server.notices())
      }

      /// Publishes a request for fib(5) as a raw peer would, with `replyTo`.
      func publishRequest(correlationID: String, replyTo: String) async throws {
        let channel = try await clientConnection.openChannel()
        try await channel.publish(
          ByteBuffer(string: "5"), routingKey: queue,
          properties: AMQPBasicProperties(correlationID: correlationID, replyTo: replyTo))
        try await channel.close()
      }

      /// The notices up to and including the first that `match` accepts.
      func notices(
        until what: String, _ match: @escaping @Sendable (RPCServerNotice) -> Bool
      ) async throws -> [RPCServerNotice] {
        let notices = self.notices
        return try await withTimeout(30, what) {
          var seen: [RPCServerNotice] = []
          for await notice in notices {
            seen.append(notice)
            if match(notice) { return seen }
          }
          throw TimedOut(what: what)
        }
      }

      func stop() async throws {
        try? await client.close()
        _ = await server.shutdown(gracePeriod: .seconds(2))
        let channel = try await clientConnection.openChannel()
        _ = try? await channel.queueDelete(queue)
        try? await clientConnection.close()
        try? await serverConnection.close()
      }
    }

    /// The refused reply's notice, from the notices seen up to it.
    static func refusal(in notices: [RPCServerNotice]) -> RefusedReply? {
      guard case .replyRefused(let refused) = notices.last else { return nil }
      return refused
    }

    func refusedReplyEndsOnlyItsRequest(_ type: RPCQueueType) async throws {
      let run = try await Run.start(type)
      let stream = SteadyStream(client: run.client, interval: .milliseconds(20))
      #expect(try await run.client.fibonacci(5).value == "5")
      try await run.publishRequest(
        correlationID: "poison\u{1b}[31m", replyTo: Self.unresolvableReplyTo)
      let seen = try await run.notices(until: "the refused reply's notice") {
        if case .replyRefused = $0 { true } else { false }
      }
      let refused = try #require(Self.refusal(in: seen))
      #expect(refused.correlationID == "poison\u{1b}[31m")
      #expect(refused.replyTo == Self.unresolvableReplyTo)
      #expect(refused.reason.contains("541"), "\(refused.reason)")
      // The workers never lost their link, channel or consumer.
      #expect(seen.count == 1, "notices before the refusal: \(seen.dropLast())")
      // Calls made during and after the poison request are all answered.
      let sent = await stream.stop()
      #expect(try await run.client.fibonacci(10).value == "55")
      let stats = run.client.stats()
      #expect(stats.sent == sent + 2)
      #expect(stats.outcomes == [.ok: stats.sent], "every good call answered: \(stats.outcomes)")
      #expect(run.server.stats().workers.count == 3)
      // Rejected without requeue: nothing left in the queue, and it never came back.
      try await Broker.waitForQueue(run.queue, "the queue to be empty") {
        $0.ready == 0 && $0.unacknowledged == 0
      }
      #expect(run.serverConnection.isOpen)
      try await run.stop()
    }

    /// Several at once, among good calls: each refused reply is found among the replies
    /// lost with the link, and only those are rejected.
    @Test func severalRefusedRepliesAtOnceAreEachFoundAndOnlyTheyRejected() async throws {
      let run = try await Run.start(.classic)
      let stream = SteadyStream(client: run.client, interval: .milliseconds(10))
      #expect(try await run.client.fibonacci(5).value == "5")
      for index in 1...3 {
        try await run.publishRequest(
          correlationID: "poison-\(index)", replyTo: Self.unresolvableReplyTo)
      }
      var refused: Set<String> = []
      while refused.count < 3 {
        let seen = try await run.notices(until: "3 refused replies") {
          if case .replyRefused = $0 { true } else { false }
        }
        #expect(seen.count == 1, "notices besides refusals: \(seen.dropLast())")
        if let refusal = Self.refusal(in: seen) { refused.insert(refusal.correlationID) }
      }
      #expect(refused == ["poison-1", "poison-2", "poison-3"])
      let sent = await stream.stop()
      #expect(try await run.client.fibonacci(10).value == "55")
      let stats = run.client.stats()
      #expect(stats.sent == sent + 2)
      #expect(stats.outcomes == [.ok: stats.sent], "every good call answered: \(stats.outcomes)")
      try await Broker.waitForQueue(run.queue, "the queue to be empty") {
        $0.ready == 0 && $0.unacknowledged == 0
      }
      try await run.stop()
    }

    @Test func refusedReplyRejectsOnlyItsRequestOnAClassicQueue() async throws {
      try await refusedReplyEndsOnlyItsRequest(.classic)
    }

    @Test func refusedReplyRejectsOnlyItsRequestOnAQuorumQueue() async throws {
      try await refusedReplyEndsOnlyItsRequest(.quorum)
    }
  }
}

extension BrokerTests.RefusedReplies {
  /// `rpc-server` once exited 1 on this request, and every server after it did too. Now,
  /// even without recovery (a lost link would end it), it logs one line naming the request
  /// (its correlation id escaped) and goes on serving; the request does not come back.
  @Test func serverLineModeLogsTheRefusedRequestAndKeepsServing() async throws {
    let queue = Broker.uniqueName("refused-cli")
    let server = try ChildProcess.product(
      "rpc-server", ["--no-tui", "--workers", "2", "--queue", queue, "--no-recovery"])
    defer { server.stop() }
    _ = try await server.waitForOutput(containing: "Awaiting RPC requests")
    let connection = try await Broker.connect(name: Broker.uniqueName("refused-cli-peer"))
    let channel = try await connection.openChannel()
    try await channel.publish(
      ByteBuffer(string: "5"), routingKey: queue,
      properties: AMQPBasicProperties(
        correlationID: "poison\n[x] forged", replyTo: Self.unresolvableReplyTo))
    let log = try await server.waitForOutput(containing: "rejected, not requeued")
    let refusal = try #require(
      log.split(separator: "\n").first { $0.contains("refused the reply") }, "\(log)")
    #expect(refusal.contains(Self.unresolvableReplyTo), "\(refusal)")
    #expect(refusal.contains("request id poison\\u{A}[x] forged"), "\(refusal)")
    #expect(refusal.contains("541"), "\(refusal)")
    // Still serving, on the same connection.
    let client = try await RPCClient.start(
      connection: connection, configuration: RPCClientConfiguration(queue: queue))
    #expect(try await client.fibonacci(10).value == "55")
    try await Broker.waitForQueue(queue, "the queue to be empty") {
      $0.ready == 0 && $0.unacknowledged == 0
    }
    try await client.close()
    server.signal(SIGINT)
    let (status, rest) = try await server.finish()
    #expect(status == 0, "\(log)\(rest)")
    let output = log + rest
    #expect(!output.contains("connection lost"), "\(output)")
    #expect(output.components(separatedBy: "refused the reply").count == 2, "one line: \(output)")
    try await channel.queueDelete(queue)
    try await connection.close()
  }
}
