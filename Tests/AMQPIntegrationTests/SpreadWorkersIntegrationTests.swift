import AMQPClient
import AMQPRPC
import Testing

extension BrokerTests {
  /// A server started on several connections (one per node of a cluster; here two to the
  /// one broker) spreads its workers over them, as the broker itself sees it, and a link
  /// lost on one connection leaves the workers on the other consuming.
  @Suite struct SpreadWorkers {
    /// Consumers on `queue` per connection name, from the broker's own listings.
    static func consumers(on queue: String, names: [String]) async throws -> [String: Int] {
      let channels = try await BrokerFaults.rabbitmqctl(
        "list_consumers", "--no-table-headers", "-q", "queue_name", "channel_pid")
      let consumerChannels = channels.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: "\t")
        return fields.count == 2 && fields[0] == queue ? String(fields[1]) : nil
      }
      let owners = try await BrokerFaults.rabbitmqctl(
        "list_channels", "--no-table-headers", "-q", "pid", "connection")
      var connectionOf: [String: String] = [:]
      for line in owners.split(separator: "\n") {
        let fields = line.split(separator: "\t")
        if fields.count == 2 { connectionOf[String(fields[0])] = String(fields[1]) }
      }
      var counts: [String: Int] = [:]
      for name in names {
        let pids = Set(try await BrokerFaults.connectionPIDs(named: name))
        counts[name] = consumerChannels.count { connectionOf[$0].map(pids.contains) ?? false }
      }
      return counts
    }

    @Test func workersGoToTheConnectionWithTheFewestAndSurviveTheOthersLoss() async throws {
      let names = [Broker.uniqueName("spread-a"), Broker.uniqueName("spread-b")]
      var connections: [AMQPConnection] = []
      for name in names { connections.append(try await Broker.connect(name: name)) }
      let queue = Broker.uniqueName("rpc-spread")
      let server = try await RPCServer.start(
        connections: connections,
        configuration: RPCServerConfiguration(queue: queue, workers: 4),
        handler: .fibonacci(maximumN: 30, work: .iterative))
      let clientConnection = try await Broker.connect(name: "spread-client")
      let client = try await RPCClient.start(
        connection: clientConnection,
        configuration: RPCClientConfiguration(queue: queue, timeout: .seconds(20)))
      #expect(server.connections.count == 2)
      #expect(try await Self.consumers(on: queue, names: names) == [names[0]: 2, names[1]: 2])

      // A fifth worker goes to the first of the two, now tied; removing it restores 2 + 2.
      let fifth = try await server.addWorker()
      #expect(try await Self.consumers(on: queue, names: names) == [names[0]: 3, names[1]: 2])
      #expect(await server.removeWorker(fifth) == fifth)

      // The first connection's link is forced closed: the workers on the second one keep
      // answering while it is recovered, then both have their consumers again.
      try await BrokerFaults.closeConnection(named: names[0])
      let reply = try await client.fibonacci(20)
      #expect(reply.value == "6765")
      try await poll("the first connection's consumers to be restored", timeout: 20) {
        try await Self.consumers(on: queue, names: names) == [names[0]: 2, names[1]: 2]
      }
      #expect(try await client.fibonacci(21).value == "10946")
      #expect(server.stats().workers.allSatisfy { !$0.endpoint.isEmpty })

      await server.shutdown()
      try await client.close()
      for connection in connections + [clientConnection] { try await connection.close() }
      try await BrokerFaults.deleteQueue(queue)
    }

    @Test func noConnectionIsRefused() async throws {
      await #expect(throws: AMQPError.self) {
        _ = try await RPCServer.start(connections: [], handler: .fibonacci())
      }
    }
  }
}
