import AMQPClient
import AMQPProtocol
import AMQPRPC
import NIOCore
import Testing

/// Procedures other than Fibonacci, served and called through a real broker: bytes, text
/// and Codable; thrown errors as error replies; the wire's interop rules.
@Suite(.serialized) struct GenericProcedureTests {
  struct Sum: Codable, Sendable {
    var a: Int
    var b: Int
  }

  struct Total: Codable, Sendable, Equatable {
    var value: Int
  }

  struct OutOfStock: Error {}

  /// A server of `handler` and a client of its queue, on one connection.
  struct Fixture {
    let connection: AMQPConnection
    let queue: String
    let server: RPCServer
    let client: RPCClient

    static func start(_ handler: RPCHandler, timeout: Duration = .seconds(20)) async throws
      -> Fixture
    {
      let connection = try await Broker.connect(name: Broker.uniqueName("generic"))
      let queue = Broker.uniqueName("generic-rpc")
      let server = try await RPCServer.start(
        connection: connection,
        configuration: RPCServerConfiguration(queue: queue, workers: 2, prefetch: 4),
        handler: handler)
      let client = try await RPCClient.start(
        connection: connection,
        configuration: RPCClientConfiguration(queue: queue, timeout: timeout))
      return Fixture(connection: connection, queue: queue, server: server, client: client)
    }

    func stop() async throws {
      try await client.close()
      await server.shutdown(gracePeriod: .zero)
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }

  @Test func codableProcedureAnswersOneHundredConcurrentCalls() async throws {
    let rpc = try await Fixture.start(.codable { (sum: Sum) in Total(value: sum.a + sum.b) })
    let totals = try await withThrowingTaskGroup(of: (Int, Total).self) { group in
      for index in 0..<100 {
        group.addTask {
          let total = try await rpc.client.call(
            Sum(a: index, b: 1_000), returning: Total.self, timeout: .seconds(10))
          return (index, total)
        }
      }
      var totals: [Int: Total] = [:]
      for try await (index, total) in group { totals[index] = total }
      return totals
    }
    #expect(totals.count == 100)
    #expect(totals.allSatisfy { $0.value.value == $0.key + 1_000 })
    let stats = rpc.client.stats()
    #expect(stats.sent == 100 && stats.count(.ok) == 100)
    try await rpc.stop()
  }

  @Test func theReplyCarriesTheHandlersBodyContentTypeAndHeaders() async throws {
    let rpc = try await Fixture.start(
      .synchronous { request in
        RPCServerResponse(
          text: request.text.uppercased(),
          headers: ["x-tenant": request.headers["x-tenant"] ?? .string("none")])
      })
    let reply = try await rpc.client.call("hello", headers: ["x-tenant": .string("acme")])
    #expect(reply.value == "HELLO")
    #expect(reply.properties.contentType == "text/plain")
    #expect(reply.properties.headers?["x-tenant"] == .string("acme"))
    #expect(reply.worker?.hasSuffix("/w1") == true || reply.worker?.hasSuffix("/w2") == true)
    try await rpc.stop()
  }

  @Test func aThrownHandlerErrorIsAnErrorReplyNeverATimeout() async throws {
    let rpc = try await Fixture.start(
      RPCHandler { request in
        switch request.text {
        case "stock": throw RPCHandlerError("out-of-stock", "no more widgets")
        case "crash": throw OutOfStock()
        default: return RPCServerResponse(text: "fine")
        }
      }, timeout: .seconds(30))
    let started = ContinuousClock.now
    await #expect {
      _ = try await rpc.client.call("stock")
    } throws: { error in
      let error = error as? RPCError
      return error?.code == .serverError && error?.serverErrorKind == "out-of-stock"
        && error?.message == "no more widgets"
    }
    await #expect {
      _ = try await rpc.client.call("crash")
    } throws: { error in
      let error = error as? RPCError
      return error?.code == .serverError && error?.serverErrorKind == .handlerFailed
        && error?.message.contains("OutOfStock") == true
    }
    // Answered, not waited out: far below the 30 s timeout.
    #expect(ContinuousClock.now - started < .seconds(15))
    #expect(try await rpc.client.call("ok").value == "fine")
    let stats = rpc.client.stats()
    #expect(stats.count(.serverError) == 2 && stats.count(.ok) == 1)
    try await rpc.stop()
  }

  @Test func aBodyThatDoesNotDecodeIsRefusedAsInvalidInput() async throws {
    let rpc = try await Fixture.start(.codable { (sum: Sum) in Total(value: sum.a + sum.b) })
    await #expect {
      _ = try await rpc.client.call("{\"a\": 1}")
    } throws: { error in
      let error = error as? RPCError
      return error?.serverErrorKind == .invalidInput && error?.message.contains("Sum") == true
    }
    try await rpc.stop()
  }

  @Test func aCallGoesToTheQueueItNames() async throws {
    let rpc = try await Fixture.start(.synchronous { _ in RPCServerResponse(text: "first") })
    let other = try await RPCServer.start(
      connection: rpc.connection,
      configuration: RPCServerConfiguration(queue: rpc.queue + "-other"),
      handler: .synchronous { _ in RPCServerResponse(text: "other") })
    #expect(try await rpc.client.call("?").value == "first")
    #expect(try await rpc.client.call("?", to: rpc.queue + "-other").value == "other")
    await other.shutdown(gracePeriod: .zero)
    let channel = try await rpc.connection.openChannel()
    try await channel.queueDelete(rpc.queue + "-other")
    try await rpc.stop()
  }

  @Test func aRequestWithOnlyAMessageIDIsAnsweredUnderThatID() async throws {
    let rpc = try await Fixture.start(.synchronous { request in RPCServerResponse(text: "seen") })
    let channel = try await rpc.connection.openChannel()
    let replies = try await channel.queueDeclare(exclusive: true).name
    // What an AMQP 1.0 requester's message looks like in 0-9-1: message_id, no correlation_id.
    try await channel.publish(
      ByteBuffer(string: "?"), routingKey: rpc.queue,
      properties: AMQPBasicProperties(replyTo: replies, messageID: "amqp10-request-7"))
    let consumer = try await channel.consume(queue: replies, noAck: true)
    let reply = try await withTimeout(10, "the reply") { () -> AMQPMessage? in
      for try await message in consumer { return message }
      return nil
    }
    #expect(reply?.properties.correlationID == "amqp10-request-7")
    #expect(reply.map { String(buffer: $0.body) } == "seen")
    try await channel.close()
    try await rpc.stop()
  }

  @Test func theCallbackFormServesAnyProcedureToo() async throws {
    let rpc = try await Fixture.start(
      .synchronous { request in RPCServerResponse(text: String(request.text.reversed())) })
    let reply = try await withCheckedThrowingContinuation { continuation in
      rpc.client.call(ByteBuffer(string: "stressed"), contentType: "text/plain") { result in
        continuation.resume(with: result)
      }
    }
    #expect(reply.value == "desserts")
    try await rpc.stop()
  }
}
