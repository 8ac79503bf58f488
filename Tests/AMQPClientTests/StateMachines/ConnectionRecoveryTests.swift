import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

/// Recovery as connection state machine transcripts: what ends a link, what starts an
/// attempt, and what ends the connection for good.
@Suite struct ConnectionRecoveryTests {
  let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
  let configuration = AMQPConnectionConfiguration(
    username: "user", password: "secret", heartbeat: 10,
    recovery: AMQPRecoveryPolicy(maximumAttempts: 3))

  let tune = AMQPFrame.method(
    channel: 0, .connectionTune(.init(channelMax: 2047, frameMax: 131_072, heartbeat: 10)))
  let startFrame = AMQPFrame.method(
    channel: 0,
    .connectionStart(.init(versionMajor: 0, versionMinor: 9, mechanisms: "PLAIN", locales: "")))
  let openOk = AMQPFrame.method(channel: 0, .connectionOpenOk(.init()))

  /// Plays a handshake and returns its last action.
  func handshake(_ machine: inout ConnectionStateMachine) -> ConnectionStateMachine.Action {
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame, now: start)
    _ = machine.frameReceived(tune, now: start)
    return machine.frameReceived(openOk, now: start)
  }

  func openMachine() -> ConnectionStateMachine {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = handshake(&machine)
    return machine
  }

  /// The attempt number of a `disconnect`, or nil for any other action.
  func attempt(_ action: ConnectionStateMachine.Action) -> Int? {
    if case .disconnect(_, _, let attempt) = action { return attempt }
    return nil
  }

  @Test func socketLossAfterOpenStartsRecoveryAndEachFailedAttemptTheNext() {
    var machine = openMachine()
    let lost = machine.socketClosed()
    #expect(attempt(lost) == 1)
    guard case .disconnected = machine.state else {
      Issue.record("expected disconnected, got \(machine.state)")
      return
    }
    // The socket's own late events change nothing.
    let lateClose = machine.socketClosed()
    #expect(attempt(lateClose) == nil)
    let firstAttempt = machine.reconnectAttemptStarted(configuration: configuration)
    #expect(firstAttempt)
    let refused = machine.connectFailed(AMQPError(.connectFailed, "refused"))
    #expect(attempt(refused) == 2)
    let secondAttempt = machine.reconnectAttemptStarted(configuration: configuration)
    #expect(secondAttempt)
    guard case .reopened = handshake(&machine) else {
      Issue.record("a reconnection's handshake ends in reopened, not succeedConnect")
      return
    }
    #expect(machine.isOpen)
    let attempts = machine.recoveryCompleted()
    #expect(attempts == 2)
    // A later outage counts from 1 again.
    let nextOutage = machine.socketClosed()
    #expect(attempt(nextOutage) == 1)
  }

  @Test func policyLimitEndsTheConnectionForGood() {
    var machine = openMachine()
    let lost = machine.socketClosed()
    #expect(attempt(lost) == 1)
    for expected in 2...3 {
      let begun = machine.reconnectAttemptStarted(configuration: configuration)
      #expect(begun)
      let failed = machine.connectFailed(AMQPError(.connectFailed, "refused"))
      #expect(attempt(failed) == expected)
    }
    let lastAttempt = machine.reconnectAttemptStarted(configuration: configuration)
    #expect(lastAttempt)
    guard
      case .closeConnection(_, let error) = machine.connectFailed(
        AMQPError(.connectFailed, "refused"))
    else {
      Issue.record("the fourth failure must close for good")
      return
    }
    #expect(error.code == .connectFailed)
    guard case .closed = machine.state else {
      Issue.record("expected closed")
      return
    }
  }

  @Test func firstConnectionIsNeverRecoveredItsErrorGoesToTheCaller() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    guard case .closeConnection = machine.socketClosed() else {
      Issue.record("a connection never open is not recovered")
      return
    }
  }

  @Test func brokerCloseIsAnsweredThenRecovered() {
    var machine = openMachine()
    let close = AMQPFrame.method(
      channel: 0, .connectionClose(.init(replyCode: 320, replyText: "CONNECTION_FORCED")))
    guard case .disconnect(let frames, let error, 1) = machine.frameReceived(close, now: start)
    else {
      Issue.record("expected recovery after the broker's close")
      return
    }
    #expect(frames == [.method(channel: 0, .connectionCloseOk(.init()))])
    #expect(error.replyCode == 320)
  }

  @Test func heartbeatTimeoutAndMethodTimeoutAreLostLinks() {
    var machine = openMachine()
    guard
      case .disconnect(_, let error, 1) = machine.heartbeatTimerFired(
        now: start + .seconds(21), readsPaused: false)
    else {
      Issue.record("expected recovery after two silent heartbeat intervals")
      return
    }
    #expect(error.code == .heartbeatTimeout)

    var other = openMachine()
    guard
      case .disconnect(_, let timeout, 1) = other.methodTimedOut(
        "queue.declare", after: .seconds(30))
    else {
      Issue.record("expected recovery after a method timeout")
      return
    }
    #expect(timeout.code == .connectionTimeout)
    #expect(timeout.message.contains("queue.declare"))
  }

  @Test func protocolViolationSaysWhyThenRecoversWithoutWaitingForCloseOk() {
    var machine = openMachine()
    guard
      case .disconnect(let frames, let error, 1) = machine.frameReceived(
        .method(channel: 0, .basicAck(.init())), now: start)
    else {
      Issue.record("expected recovery")
      return
    }
    guard case .method(0, .connectionClose(let close)) = frames.first else {
      Issue.record("expected connection.close first")
      return
    }
    #expect(close.replyCode == 503)
    #expect(error.code == .protocolViolation)
  }

  @Test func loginRefusedDuringAReconnectionIsRetriedNotFatal() {
    var machine = openMachine()
    _ = machine.socketClosed()
    let begun = machine.reconnectAttemptStarted(configuration: configuration)
    #expect(begun)
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame, now: start)
    let refusal = AMQPFrame.method(
      channel: 0, .connectionClose(.init(replyCode: 403, replyText: "ACCESS_REFUSED")))
    let afterRefusal = machine.frameReceived(refusal, now: start)
    #expect(attempt(afterRefusal) == 2)
  }

  @Test func applicationCloseStopsARecoveryAndNothingRecoversAfterIt() {
    var machine = openMachine()
    _ = machine.socketClosed()
    guard case .closeConnection(_, let error) = machine.closeRequested() else {
      Issue.record("closing while disconnected ends the connection")
      return
    }
    #expect(error.code == .connectionClosed)
    let restarted = machine.reconnectAttemptStarted(configuration: configuration)
    #expect(!restarted)

    var open = openMachine()
    guard case .sendCloseAndFail = open.closeRequested() else {
      Issue.record("expected connection.close")
      return
    }
    guard case .closeConnection = open.socketClosed() else {
      Issue.record("a socket lost while we close is the end, not a recovery")
      return
    }
  }

  @Test func socketErrorIsAMachineEvent() {
    var machine = openMachine()
    struct Reset: Error {}
    let firstError = machine.socketErrorCaught(Reset())
    #expect(attempt(firstError) == 1)
    let secondError = machine.socketErrorCaught(Reset())
    #expect(attempt(secondError) == nil)  // already recovering
  }

  @Test func backoffGrowsToItsCeilingWithEqualJitterAndNeverTraps() {
    let policy = AMQPRecoveryPolicy(
      initialDelay: .milliseconds(500), maximumDelay: .seconds(15), multiplier: 2)
    #expect(policy.delay(beforeAttempt: 1, random: 0) == .milliseconds(250))
    #expect(policy.delay(beforeAttempt: 1, random: 1) == .milliseconds(500))
    #expect(policy.delay(beforeAttempt: 3, random: 1) == .seconds(2))
    #expect(policy.delay(beforeAttempt: 40, random: 1) == .seconds(15))
    #expect(policy.delay(beforeAttempt: 40, random: 0) == .milliseconds(7_500))
    for attempt in [Int.min, -1, 0, 1, 64, 1_000, Int.max] {
      for random in [-1, 0, 0.5, 0.999, 2, .nan, .infinity] {
        let delay = policy.delay(beforeAttempt: attempt, random: random)
        #expect(delay >= .zero && delay <= .seconds(15))
      }
    }
    let extreme = AMQPRecoveryPolicy(
      initialDelay: .seconds(Int64.max), maximumDelay: .seconds(Int64.max), multiplier: .infinity)
    #expect(extreme.delay(beforeAttempt: .max, random: 1) > .zero)
    #expect(!AMQPRecoveryPolicy.disabled.allows(attempt: 1))
    #expect(!AMQPRecoveryPolicy(maximumAttempts: 2).allows(attempt: 3))
  }

  @Test func readsWaitWhileAConsumerIsSaturatedAndTheHeldReadIsMadeOnce() {
    var machine = openMachine()
    let free = machine.readRequested()
    #expect(free)
    machine.consumerSaturated()
    let held = machine.readRequested()
    #expect(!held)
    let readNow = machine.consumersCaughtUp()
    #expect(readNow)
    let again = machine.consumersCaughtUp()
    #expect(!again, "the held read is made once")
    machine.consumerSaturated()
    let caughtUpWithoutARead = machine.consumersCaughtUp()
    #expect(!caughtUpWithoutARead, "no read was asked for meanwhile")
    machine.consumerSaturated()
    _ = machine.readRequested()
    machine.linkStarted()
    let afterNewLink = machine.consumersCaughtUp()
    #expect(!afterNewLink, "a read the old socket asked for is void on a new one")
  }
}
