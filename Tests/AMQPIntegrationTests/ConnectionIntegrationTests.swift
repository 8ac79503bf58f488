import AMQPClient
import AMQPProtocol
import NIOCore
import Testing

extension BrokerTests {
  @Suite struct Connections {
    @Test func connectsAndReportsTheBroker() async throws {
      let connection = try await Broker.connect()
      #expect(connection.serverProperties["product"]?.stringValue == "RabbitMQ")
      #expect(connection.tuning.frameMax == 131_072)
      #expect(connection.tuning.heartbeat == 60)
      try await connection.close()
      #expect(!connection.isOpen)
    }

    @Test func wrongPasswordIsAnAuthenticationFailure() async throws {
      var configuration = try Broker.configuration
      configuration.password = "definitely-wrong"
      let error = await #expect(throws: AMQPError.self) {
        try await AMQPConnection.connect(to: configuration)
      }
      #expect(error?.code == .authenticationFailed)
      #expect(error?.replyCode == 403)
      #expect(error?.description.contains("definitely-wrong") == false)
    }

    @Test func unknownVirtualHostIsAccessRefused() async throws {
      var configuration = try Broker.configuration
      configuration.virtualHost = "no-such-vhost"
      let error = await #expect(throws: AMQPError.self) {
        try await AMQPConnection.connect(to: configuration)
      }
      #expect(error?.code == .accessRefused)
      #expect(error?.message.contains("no-such-vhost") == true)
    }

    @Test func refusedTCPConnectIsAConnectFailure() async throws {
      var configuration = try Broker.configuration
      configuration.host = "127.0.0.1"
      configuration.port = 1
      let error = await #expect(throws: AMQPError.self) {
        try await AMQPConnection.connect(to: configuration)
      }
      #expect(error?.code == .connectFailed)
    }

    /// Every node of a cluster down: the error says why each endpoint failed, not only the
    /// last one's reason.
    @Test func noEndpointAnsweringNamesEveryEndpointsReason() async throws {
      var first = try Broker.configuration
      first.host = "127.0.0.1"
      first.port = 1
      var second = first
      second.port = 2
      let error = await #expect(throws: AMQPError.self) {
        try await AMQPConnection.connect(to: [first, second])
      }
      #expect(error?.code == .connectFailed)
      let message = error?.message ?? ""
      #expect(message.contains("127.0.0.1:1: ") && message.contains("127.0.0.1:2: "), "\(message)")
      // In words, not NIO's debug descriptions.
      #expect(message.contains("Connection refused (errno 111)"), "\(message)")
      #expect(!message.contains("SingleConnectionFailure"), "\(message)")
      // The first endpoint that answers wins; the others' failures are not reported.
      let connection = try await AMQPConnection.connect(to: [first, try Broker.configuration])
      #expect(connection.endpoint == (try Broker.configuration).endpoint)
      try await connection.close()
    }

    @Test func manyChannelsOpenConcurrently() async throws {
      let connection = try await Broker.connect()
      let ids = try await withThrowingTaskGroup(of: UInt16.self) { group in
        for _ in 0..<50 { group.addTask { try await connection.openChannel().id } }
        return try await group.reduce(into: Set<UInt16>()) { $0.insert($1) }
      }
      #expect(ids.count == 50)
      try await connection.close()
    }

    @Test func closingAChannelFreesItAndTheConnectionGoesOn() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      try await channel.close()
      #expect(await channel.isOpen() == false)
      await #expect(throws: AMQPError.self) { try await channel.queueDeclare(exclusive: true) }
      let again = try await connection.openChannel()
      try await again.queueDeclare(exclusive: true)
      try await connection.close()
    }

    @Test func brokerClosingTheConnectionFailsEverythingWithItsReasonWithoutRecovery()
      async throws
    {
      let name = Broker.uniqueName("forced-close")
      let connection = try await Broker.connect(name: name, recovery: .disabled)
      let channel = try await connection.openChannel()
      let queue = try await channel.queueDeclare(exclusive: true)
      let consumer = try await channel.consume(queue: queue.name)
      var deliveries = consumer.makeAsyncIterator()
      // Find our connection by its name and have the broker close it.
      let listing = try Broker.rabbitmqctl(
        "list_connections", "--no-table-headers", "-q", "pid", "client_properties")
      let line = try #require(listing.split(separator: "\n").first { $0.contains(name) })
      let pid = String(try #require(line.split(separator: "\t").first))
      try Broker.rabbitmqctl("close_connection", pid, "integration test says bye")
      let error = await #expect(throws: AMQPError.self) { _ = try await deliveries.next() }
      #expect(error?.code == .connectionClosedByServer)
      #expect(error?.replyText?.contains("integration test says bye") == true)
      let closed = try await withTimeout { await connection.closed() }
      #expect(closed.replyCode == 320)
    }

    @Test func memoryAlarmBlocksAndUnblocksTheConnection() async throws {
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      let events = connection.events()
      try Broker.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001")
      let blocked: AMQPConnectionEvent?
      do {
        // The broker blocks a connection that publishes while the alarm is on.
        try await channel.publish(ByteBuffer(string: "x"), routingKey: "nowhere")
        blocked = try await withTimeout(20, "connection.blocked") { () -> AMQPConnectionEvent? in
          for await event in events { if case .blocked = event { return event } }
          return nil
        }
      } catch {
        try Broker.rabbitmqctl("set_vm_memory_high_watermark", "0.4")
        throw error
      }
      try Broker.rabbitmqctl("set_vm_memory_high_watermark", "0.4")
      guard case .blocked(let reason) = blocked else {
        Issue.record("expected connection.blocked, got \(String(describing: blocked))")
        return
      }
      #expect(reason.contains("memory"))
      let unblocked = try await withTimeout(20, "connection.unblocked") {
        () -> AMQPConnectionEvent? in
        for await event in events { if case .unblocked = event { return event } }
        return nil
      }
      #expect(unblocked == .unblocked)
      try await connection.close()
    }
  }
}
