import AMQPClient
import AMQPRPC
import Foundation
import Metrics
import MetricsTestKit
import NIOCore
import Testing

extension BrokerTests {
  /// swift-metrics through the real broker, with MetricsTestKit's factory given to one
  /// client and one server (the global system is never bootstrapped).
  @Suite struct Metrics {
    @Test func aBurstsCountersMatchTheStats() async throws {
      let metrics = TestMetrics()
      let connection = try await Broker.connect(name: "metrics-test")
      let queue = Broker.uniqueName("metrics")
      var serverConfiguration = RPCServerConfiguration(queue: queue, workers: 2, prefetch: 4)
      serverConfiguration.metricsFactory = metrics
      let server = try await RPCServer.start(
        connection: connection, configuration: serverConfiguration,
        handler: RPCHandler { request in
          switch String(buffer: request.body) {
          case "fail": throw RPCHandlerError(.invalidInput, "asked to fail")
          case "slow": try await Task.sleep(for: .milliseconds(400))
          default: break
          }
          return RPCServerResponse(text: "ok")
        })
      var clientConfiguration = RPCClientConfiguration(
        queue: queue, timeout: .seconds(10), propagatesDeadlines: false)
      clientConfiguration.metricsFactory = metrics
      let client = try await RPCClient.start(
        connection: connection, configuration: clientConfiguration)

      // 40 answered, 7 error replies, 3 timed out (their replies come late and are discarded).
      let bodies =
        Array(repeating: "ok", count: 40) + Array(repeating: "fail", count: 7)
        + Array(repeating: "slow", count: 3)
      await withTaskGroup(of: Void.self) { group in
        for body in bodies {
          group.addTask {
            _ = try? await client.call(body, timeout: body == "slow" ? .milliseconds(100) : nil)
          }
        }
      }
      try await withTimeout(10, "the 3 late replies") {
        while client.stats().discarded[.late, default: 0] < 3 {
          try await Task.sleep(for: .milliseconds(10))
        }
      }
      let stats = client.stats()
      #expect(stats.outcomes == [.ok: 40, .serverError: 7, .timedOut: 3])
      let system = ("messaging.system", "rabbitmq")
      for outcome in RPCOutcome.allCases {
        let label =
          switch outcome {
          case .ok: "ok"
          case .serverError: "server_error"
          case .timedOut: "timed_out"
          case .unroutable: "unroutable"
          case .connectionLost: "connection_lost"
          case .cancelled: "cancelled"
          }
        let counted = metrics.counterTotal(
          label: "amqp_rpc.client.calls", dimensions: [system, ("amqp_rpc.outcome", label)])
        #expect(counted == Int64(stats.outcomes[outcome, default: 0]), "\(outcome)")
        let timed = try metrics.expectTimer(
          "messaging.client.operation.duration",
          [system, ("messaging.operation.name", "send"), ("amqp_rpc.outcome", label)])
        #expect(timed.values.count == stats.outcomes[outcome, default: 0], "\(outcome)")
      }
      #expect(
        metrics.counterTotal(label: "messaging.client.sent.messages") == Int64(stats.sent))
      #expect(try metrics.expectMeter("amqp_rpc.client.calls.in_flight", [system]).lastValue == 0)
      #expect(
        metrics.counterTotal(
          label: "amqp_rpc.client.replies.discarded",
          dimensions: [system, ("amqp_rpc.discard.kind", "late")]) == 3)

      // The server: every request answered (the slow ones too, late), by outcome.
      try await withTimeout(10, "the server to answer all") {
        while server.stats().handled < bodies.count {
          try await Task.sleep(for: .milliseconds(10))
        }
      }
      let served = server.stats().all
      let queueDimension = ("messaging.destination.name", queue)
      #expect(
        metrics.counterTotal(
          label: "amqp_rpc.server.requests",
          dimensions: [system, queueDimension, ("amqp_rpc.outcome", "ok")])
          == Int64(served.processed))
      #expect(served.processed == 43)
      #expect(
        metrics.counterTotal(
          label: "amqp_rpc.server.requests",
          dimensions: [system, queueDimension, ("amqp_rpc.outcome", "error")]) == 7)
      #expect(
        metrics.counterTotal(label: "messaging.client.consumed.messages") == Int64(bodies.count))
      let processed = try metrics.expectTimer(
        "messaging.process.duration",
        [
          system, queueDimension, ("messaging.operation.name", "process"),
          ("amqp_rpc.outcome", "ok"),
        ]
      )
      #expect(processed.values.count == 43)
      // The slow ones took at least their 400 ms.
      #expect(processed.values.filter { $0 >= 400_000_000 }.count == 3)
      #expect(
        try metrics.expectMeter("amqp_rpc.server.requests.in_flight", [system, queueDimension])
          .lastValue == 0)

      try await client.close()
      await server.shutdown()
      let channel = try await connection.openChannel()
      try await channel.queueDelete(queue)
      try await connection.close()
    }
  }
}
