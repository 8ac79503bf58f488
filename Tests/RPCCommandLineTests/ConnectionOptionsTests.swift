import AMQPClient
import AMQPRPC
import ArgumentParser
import Testing

@testable import RPCCommandLine

/// A command with the shared connection options, as every rpc-* command declares them.
private struct SampleCommand: ParsableCommand {
  @OptionGroup var connection: ConnectionOptions
}

@Suite struct ConnectionOptionsTests {
  func endpoints(
    _ arguments: [String], environment: [String: String] = [:], role: String? = nil
  ) throws -> [AMQPConnectionConfiguration] {
    try SampleCommand.parse(arguments).connection.configurations(
      name: "rpc-test", role: role, environment: environment)
  }

  @Test func withoutURLOrEnvironmentTheDefaultBrokerIsTheOnlyEndpoint() throws {
    let all = try endpoints([])
    #expect(all.map(\.endpoint) == ["127.0.0.1:5672"])
    #expect(all.first?.connectionName == "rpc-test")
  }

  @Test func repeatedURLsAreEndpointsInTheOrderGiven() throws {
    let all = try endpoints([
      "--url", "amqp://a:b@node1:5672/%2f", "--url", "amqp://node2:5673", "--url",
      "amqp://[::1]:5674/v",
    ])
    #expect(all.map(\.endpoint) == ["node1:5672", "node2:5673", "[::1]:5674"])
    #expect(all.map(\.username) == ["a", "guest", "guest"])
    #expect(all.map(\.virtualHost) == ["/", "/", "v"])
  }

  @Test func urlsOnTheCommandLineWinOverTheEnvironment() throws {
    let all = try endpoints(
      ["--url", "amqp://node9"], environment: ["AMQP_URL": "amqp://node1,amqp://node2"])
    #expect(all.map(\.endpoint) == ["node9:5672"])
  }

  @Test func theEnvironmentMayHoldSeveralURLsSeparatedByCommas() throws {
    let all = try endpoints(
      [], environment: ["AMQP_URL": " amqp://u:p@node1:5672/%2f , amqp://node2:5673,,"])
    #expect(all.map(\.endpoint) == ["node1:5672", "node2:5673"])
    #expect(all.first?.password == "p")
  }

  @Test func anEmptyOrBlankEnvironmentVariableMeansTheDefault() throws {
    #expect(try endpoints([], environment: ["AMQP_URL": ""]).map(\.endpoint) == ["127.0.0.1:5672"])
    #expect(
      try endpoints([], environment: ["AMQP_URL": "  "]).map(\.endpoint) == ["127.0.0.1:5672"])
  }

  @Test func anEnvironmentVariableOfOnlyCommasIsAMistakeNotTheDefaultBroker() {
    for value in [",,,", " , "] {
      #expect(throws: (any Error).self, "AMQP_URL=\"\(value)\"") {
        try endpoints([], environment: ["AMQP_URL": value])
      }
    }
  }

  @Test func aBadURLInAListIsAUsageErrorNamingWhichOneWithoutItsPassword() {
    do {
      _ = try endpoints([], environment: ["AMQP_URL": "amqp://node1,http://u:secret@node2"])
      Issue.record("a bad URL should be refused")
    } catch {
      let message = SampleCommand.message(for: error)
      #expect(message.contains("AMQP_URL, URL 2 of 2"), "\(message)")
      #expect(message.contains("scheme \"http\""), "\(message)")
      #expect(!message.contains("secret"), "\(message)")
    }
    do {
      _ = try endpoints(["--url", "amqp://node1:99999"])
      Issue.record("a bad port should be refused")
    } catch {
      let message = SampleCommand.message(for: error)
      #expect(message.contains("--url: "), "\(message)")
      #expect(message.contains("port \"99999\""), "\(message)")
    }
  }

  @Test func aConnectionNameInTheURLReplacesTheCommandsNameAndKeepsTheRole() throws {
    let named = try endpoints(
      ["--url", "amqp://node1?connection_name=mine", "--url", "amqp://node2"], role: "client")
    #expect(named.map(\.connectionName) == ["mine client", "rpc-test client"])
    #expect(
      try endpoints(["--url", "amqp://node1?connection_name=mine"]).first?.connectionName == "mine")
  }

  @Test func recoveryIsOnByDefaultWithTheLibrarysBackoff() throws {
    let all = try endpoints(["--url", "amqp://node1", "--url", "amqp://node2"])
    #expect(all.allSatisfy { $0.recovery == AMQPRecoveryPolicy() })
  }

  @Test func recoveryOptionsApplyToEveryEndpoint() throws {
    let all = try endpoints([
      "--url", "amqp://node1", "--url", "amqp://node2", "--reconnect-delay", "2",
      "--reconnect-max-delay", "30", "--reconnect-attempts", "5",
    ])
    let expected = AMQPRecoveryPolicy(
      initialDelay: .seconds(2), maximumDelay: .seconds(30), maximumAttempts: 5)
    #expect(all.map(\.recovery) == [expected, expected])
    #expect(try endpoints(["--no-recovery"]).first?.recovery.isEnabled == false)
  }

  @Test func aFirstDelayAboveTheLongestRaisesTheLongest() throws {
    let policy = try #require(try endpoints(["--reconnect-delay", "40"]).first?.recovery)
    #expect(policy.initialDelay == .seconds(40))
    #expect(policy.maximumDelay == .seconds(40))
  }

  @Test(arguments: [
    (["--reconnect-delay", "-1"], "a number of seconds from 0.01 to 3600"),
    (["--reconnect-delay", "0"], "a number of seconds from 0.01 to 3600"),
    (["--reconnect-delay", "inf"], "a number of seconds from 0.01 to 3600"),
    (["--reconnect-max-delay", "4000"], "a number of seconds from 0.01 to 3600"),
    (["--reconnect-attempts", "0"], "a whole number from 1 to 1000000"),
  ])
  func badRecoveryValuesAreUsageErrors(arguments: [String], range: String) {
    do {
      _ = try SampleCommand.parse(arguments)
      Issue.record("\(arguments) should be refused")
    } catch {
      #expect(SampleCommand.exitCode(for: error).rawValue == 64)
      #expect(SampleCommand.message(for: error).contains("must be \(range)"))
    }
  }

  @Test func helpExplainsSeveralEndpointsAndRecovery() {
    let help = SampleCommand.helpMessage(columns: 500)
    #expect(help.contains("Repeat it for several brokers"))
    #expect(help.contains("several URLs separated by commas"))
    #expect(help.contains("--no-recovery"))
    #expect(help.contains("--reconnect-delay <reconnect-delay>"))
    #expect(help.contains("(default 0.5)"))
  }
}

@Suite struct LinkLinesTests {
  @Test func aLostLinkSaysHowManyCallsItAffectedBeforeTheReason() {
    #expect(
      LinkLines.line(.lost(reason: "CONNECTION_FORCED - bye", failed: 3, resent: 1))
        == " [!] connection lost: 4 calls affected: 3 failed as connection lost, "
        + "1 to be sent again (CONNECTION_FORCED - bye)")
    #expect(
      LinkLines.line(.lost(reason: "socket closed", failed: 0, resent: 0))
        == " [!] connection lost: no call in flight (socket closed)")
  }

  @Test func reconnectingAndRecoveredGiveTheAttemptTheNextTryAndTheNewReplyTo() {
    #expect(
      LinkLines.line(.reconnecting(attempt: 2, delay: .milliseconds(1_250)))
        == " [!] reconnecting: attempt 2, next try in 1.3 s")
    #expect(
      LinkLines.line(
        .recovered(downtime: .milliseconds(2_340), replyTo: "amq.gen-new", released: 2))
        == " [x] recovered after 2.3 s; reply_to is now amq.gen-new; 2 calls that waited sent")
  }

  @Test func aConnectionClosedForGoodSaysSo() {
    #expect(
      LinkLines.line(RPCLinkEvent.closed(reason: "the broker closed the socket"))
        == " [!] connection closed for good, no call can be made (the broker closed the socket)")
  }

  @Test func flowControlAndTheCallbackQueueHaveTheirLines() {
    #expect(
      LinkLines.line(RPCLinkEvent.blocked(reason: "low on memory"))
        == " [!] broker blocked publishing: calls wait, their timeouts running (low on memory)")
    #expect(LinkLines.line(.unblocked(released: 0)) == " [x] broker unblocked publishing")
    #expect(
      LinkLines.line(.callbackQueueLost(queue: "amq.gen-old", failed: 1, resent: 0))
        == " [!] callback queue amq.gen-old deleted: 1 call affected: 1 failed as connection lost")
    #expect(
      LinkLines.line(.callbackQueueReplaced(old: "amq.gen-old", new: "amq.gen-new", released: 1))
        == " [x] new callback queue: reply_to is now amq.gen-new (was amq.gen-old); "
        + "1 call that waited sent")
  }

  @Test func serverNoticesHaveALineEach() {
    let lines = [
      RPCServerNotice.connection(.disconnected(AMQPError(.connectionClosedByServer, "bye"))),
      .connection(.reconnecting(attempt: 1, delay: .milliseconds(400), endpoint: "h:5672")),
      .connection(
        .recovered(
          AMQPRecovery(
            downtime: .milliseconds(900), attempts: 1, endpoint: "h:5672", renamedQueues: [:]))),
      .consumerLost(worker: "vm-1/w2", reason: "queue deleted"),
      .consumerRestored(worker: "vm-1/w2", queueDeclared: true),
    ].map { LinkLines.line($0) }
    #expect(
      lines == [
        " [!] connection lost (bye)",
        " [!] reconnecting to h:5672: attempt 1, next try in 0.4 s",
        " [x] recovered after 0.9 s on h:5672 (1 attempt)",
        " [!] vm-1/w2 lost its consumer, restoring it (queue deleted)",
        " [x] vm-1/w2 consumes again (the queue was declared anew)",
      ])
  }
}

@Suite struct CallAccountingTests {
  func stats(_ outcomes: [RPCOutcome: Int], inFlight: Int = 0, sent: Int? = nil)
    -> RPCClientStats
  {
    RPCClientStats(
      sent: sent ?? outcomes.values.reduce(0, +) + inFlight, outcomes: outcomes,
      discarded: [.late: 1, .duplicate: 2], inFlight: inFlight, oldestInFlight: [],
      latency: LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0),
      completionsPerSecond: 0)
  }

  @Test func theSummaryNamesEveryClassConnectionLostIncluded() {
    var accounting = CallAccounting(stats([.ok: 7, .connectionLost: 3]))
    accounting.linkLosses = 1
    accounting.recoveries = 1
    #expect(accounting.isBalanced)
    #expect(
      accounting.text
        == "10 sent: 7 ok, 0 errors, 0 timed out, 0 unroutable, 3 connection lost, 0 cancelled; "
        + "discarded 1 late, 2 duplicate, 0 unknown; link lost 1 time, recovered 1")
  }

  @Test func severalClientsAddUpAndTheJSONHasEveryClass() {
    var accounting = CallAccounting(stats([.ok: 5, .timedOut: 1]))
    accounting.add(stats([.ok: 2, .serverError: 1, .unroutable: 1, .cancelled: 1], inFlight: 2))
    #expect(accounting.sent == 13)
    #expect(accounting.isBalanced)
    let json = CallAccounting.jsonObject(accounting.jsonFields)
    #expect(
      json
        == "{\"sent\": 13, \"ok\": 7, \"error\": 1, \"timed_out\": 1, \"unroutable\": 1, "
        + "\"connection_lost\": 0, \"cancelled\": 1, \"in_flight\": 2, \"discarded_late\": 2, "
        + "\"discarded_duplicate\": 4, \"discarded_unknown\": 0, \"link_lost\": 0, \"recovered\": 0}"
    )
    #expect(accounting.text.contains("2 still in flight"))
  }

  @Test func countsThatDoNotAddUpSaySo() {
    let accounting = CallAccounting(stats([.ok: 2], sent: 3))
    #expect(!accounting.isBalanced)
    #expect(accounting.text.contains("(2 accounted for!)"))
  }
}
