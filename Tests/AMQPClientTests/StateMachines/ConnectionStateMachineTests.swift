import AMQPProtocol
import NIOCore
import Testing

@testable import AMQPClient

@Suite struct ConnectionStateMachineTests {
  let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
  let configuration = AMQPConnectionConfiguration(
    username: "user", password: "secret", virtualHost: "vh", heartbeat: 10, channelMax: 100,
    frameMax: 65_536, recovery: .disabled)

  func startFrame(mechanisms: String = "AMQPLAIN PLAIN") -> AMQPFrame {
    .method(
      channel: 0,
      .connectionStart(
        .init(
          versionMajor: 0, versionMinor: 9, serverProperties: ["product": "RabbitMQ"],
          mechanisms: mechanisms, locales: "en_US")))
  }

  /// Runs the handshake up to `open-ok` and returns the machine.
  func openMachine() -> ConnectionStateMachine {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(), now: start)
    _ = machine.frameReceived(
      .method(
        channel: 0, .connectionTune(.init(channelMax: 2047, frameMax: 131_072, heartbeat: 60))),
      now: start)
    _ = machine.frameReceived(.method(channel: 0, .connectionOpenOk(.init())), now: start)
    return machine
  }

  @Test func handshakeAnswersStartTuneAndOpensTheVirtualHost() throws {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: ["a": 1])
    guard case .sendProtocolHeader = machine.connected(now: start) else {
      Issue.record("expected the protocol header first")
      return
    }
    guard case .write(let frames) = machine.frameReceived(startFrame(), now: start),
      case .method(0, .connectionStartOk(let startOk)) = frames.first
    else {
      Issue.record("expected start-ok")
      return
    }
    #expect(startOk.mechanism == "PLAIN")
    #expect(startOk.response == "\u{0}user\u{0}secret")
    #expect(startOk.clientProperties == ["a": 1])

    let tune = AMQPFrame.method(
      channel: 0, .connectionTune(.init(channelMax: 2047, frameMax: 131_072, heartbeat: 60)))
    guard case .applyTuning(let agreed, let written) = machine.frameReceived(tune, now: start)
    else {
      Issue.record("expected tuning")
      return
    }
    // Smaller of each non-zero pair.
    #expect(agreed == AMQPTuneParameters(channelMax: 100, frameMax: 65_536, heartbeat: 10))
    #expect(
      written == [
        .method(
          channel: 0, .connectionTuneOk(.init(channelMax: 100, frameMax: 65_536, heartbeat: 10))),
        .method(channel: 0, .connectionOpen(.init(virtualHost: "vh"))),
      ])
    guard
      case .succeedConnect(let properties, _) = machine.frameReceived(
        .method(channel: 0, .connectionOpenOk(.init())), now: start)
    else {
      Issue.record("expected the connection to open")
      return
    }
    #expect(properties["product"] == "RabbitMQ")
    #expect(machine.isOpen)
  }

  @Test func zeroMeansNoLimitSoTheOtherSideWins() {
    let agreed = AMQPTuneParameters.negotiate(
      client: .init(channelMax: 0, frameMax: 4096, heartbeat: 0),
      server: .init(channelMax: 2047, frameMax: 0, heartbeat: 60))
    #expect(agreed == AMQPTuneParameters(channelMax: 2047, frameMax: 4096, heartbeat: 60))
  }

  /// The spec's frame-min-size is 4096; amqp091-go's negotiateFrameSize floors at it too.
  @Test func frameMaxBelowTheSpecMinimumIsRaisedTo4096() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(), now: start)
    let tune = AMQPFrame.method(
      channel: 0, .connectionTune(.init(channelMax: 0, frameMax: 512, heartbeat: 0)))
    guard case .applyTuning(let agreed, let written) = machine.frameReceived(tune, now: start)
    else {
      Issue.record("expected tuning")
      return
    }
    #expect(agreed.frameMax == 4096)
    #expect(agreed.maximumBodyFrameSize == 4088)
    guard case .method(0, .connectionTuneOk(let tuneOk)) = written.first else {
      Issue.record("expected tune-ok, got \(written)")
      return
    }
    #expect(tuneOk.frameMax == 4096)
    let tiny = AMQPTuneParameters.negotiate(
      client: .init(channelMax: 0, frameMax: 0, heartbeat: 0),
      server: .init(channelMax: 0, frameMax: 1, heartbeat: 0))
    #expect(tiny.frameMax == 4096)
  }

  @Test func longestHeartbeatOf65535SecondsBeatsAtHalfAndTimesOutAfterTwoIntervals() {
    var machine = ConnectionStateMachine(
      configuration: AMQPConnectionConfiguration(heartbeat: 0, recovery: .disabled),
      clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(), now: start)
    guard
      case .applyTuning(let agreed, _) = machine.frameReceived(
        .method(channel: 0, .connectionTune(.init(heartbeat: .max))), now: start)
    else {
      Issue.record("expected tuning")
      return
    }
    #expect(agreed.heartbeat == 65_535)
    _ = machine.frameReceived(.method(channel: 0, .connectionOpenOk(.init())), now: start)
    machine.frameSent(now: start)
    guard
      case .write([.heartbeat]) = machine.heartbeatTimerFired(
        now: start + .seconds(32_768), readsPaused: false)
    else {
      Issue.record("expected a heartbeat after half the interval")
      return
    }
    machine.frameSent(now: start + .seconds(131_070))
    guard
      case .none = machine.heartbeatTimerFired(now: start + .seconds(131_070), readsPaused: false)
    else {
      Issue.record("two intervals of silence are not yet dead")
      return
    }
    guard
      case .closeConnection(_, let error) = machine.heartbeatTimerFired(
        now: start + .seconds(131_071), readsPaused: false)
    else {
      Issue.record("expected heartbeat timeout")
      return
    }
    #expect(error.message.contains("131070 s"))
  }

  @Test func brokerWithoutPlainIsRefusedWithAClearError() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    guard
      case .closeConnection([], let error) = machine.frameReceived(
        startFrame(mechanisms: "EXTERNAL"), now: start)
    else {
      Issue.record("expected the connection to close")
      return
    }
    #expect(error.code == .unsupported)
    #expect(error.message.contains("EXTERNAL"))
  }

  @Test func closeDuringTuneIsAnAuthenticationFailure() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(), now: start)
    let close = AMQPFrame.method(
      channel: 0,
      .connectionClose(.init(replyCode: 403, replyText: "ACCESS_REFUSED - Login was refused")))
    guard case .closeConnection(let frames, let error) = machine.frameReceived(close, now: start)
    else {
      Issue.record("expected close")
      return
    }
    #expect(frames == [.method(channel: 0, .connectionCloseOk(.init()))])
    #expect(error.code == .authenticationFailed)
    #expect(error.replyCode == 403)
    #expect(!error.description.contains("secret"))
  }

  @Test func closeInsteadOfOpenOkIsAnAccessError() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    _ = machine.frameReceived(startFrame(), now: start)
    _ = machine.frameReceived(
      .method(channel: 0, .connectionTune(.init(channelMax: 0, frameMax: 0, heartbeat: 0))),
      now: start)
    let close = AMQPFrame.method(
      channel: 0,
      .connectionClose(
        .init(
          replyCode: 530, replyText: "NOT_ALLOWED - vhost vh not found", classID: 10, methodID: 40))
    )
    guard case .closeConnection(_, let error) = machine.frameReceived(close, now: start) else {
      Issue.record("expected close")
      return
    }
    #expect(error.code == .accessRefused)
    #expect(error.message.contains("\"vh\""))
    #expect(error.failingMethod == AMQPMethodID(classID: 10, methodID: 40))
  }

  @Test func heartbeatIsSentAfterHalfAnIntervalOfSilenceFromUs() {
    var machine = openMachine()  // heartbeat 10 s
    machine.frameSent(now: start)
    guard case .none = machine.heartbeatTimerFired(now: start + .seconds(4), readsPaused: false)
    else {
      Issue.record("no heartbeat expected yet")
      return
    }
    guard
      case .write([.heartbeat]) = machine.heartbeatTimerFired(
        now: start + .seconds(5), readsPaused: false)
    else {
      Issue.record("expected a heartbeat")
      return
    }
  }

  @Test func silentPeerIsDeclaredDeadAfterTwoIntervals() {
    var machine = openMachine()
    _ = machine.frameReceived(.heartbeat, now: start + .seconds(5))
    machine.frameSent(now: start + .seconds(25))
    guard case .none = machine.heartbeatTimerFired(now: start + .seconds(25), readsPaused: false)
    else {
      Issue.record("20 s of silence is not yet dead")
      return
    }
    guard
      case .closeConnection(_, let error) = machine.heartbeatTimerFired(
        now: start + .seconds(26), readsPaused: false)
    else {
      Issue.record("expected heartbeat timeout")
      return
    }
    #expect(error.code == .heartbeatTimeout)
  }

  @Test func pausedReadsDoNotCountAsSilence() {
    var machine = openMachine()
    machine.frameSent(now: start + .seconds(60))
    guard case .none = machine.heartbeatTimerFired(now: start + .seconds(60), readsPaused: true)
    else {
      Issue.record("paused reads must not time out")
      return
    }
  }

  @Test func serverCloseIsAnsweredWithCloseOk() {
    var machine = openMachine()
    let close = AMQPFrame.method(
      channel: 0, .connectionClose(.init(replyCode: 320, replyText: "CONNECTION_FORCED - shutdown"))
    )
    guard case .closeConnection(let frames, let error) = machine.frameReceived(close, now: start)
    else {
      Issue.record("expected close")
      return
    }
    #expect(frames == [.method(channel: 0, .connectionCloseOk(.init()))])
    #expect(error.code == .connectionClosedByServer)
    #expect(error.replyCode == 320)
  }

  /// RabbitMQ 4.3's refusal of a transient non-exclusive queue closes the connection with a
  /// text that names a feature flag, not the fix; the error says what to do.
  @Test func refusedTransientQueueIsExplained() {
    var machine = openMachine()
    let text =
      "INTERNAL_ERROR - Feature `transient_nonexcl_queues` is deprecated.\nIts use is not "
      + "permitted per the configuration"
    let close = AMQPFrame.method(
      channel: 0,
      .connectionClose(.init(replyCode: 541, replyText: text, classID: 50, methodID: 10)))
    guard case .closeConnection(_, let error) = machine.frameReceived(close, now: start) else {
      Issue.record("expected close")
      return
    }
    #expect(error.replyText == text)
    #expect(error.message.contains("declare the queue durable, or exclusive"))
  }

  @Test func simultaneousCloseIsAnsweredAndCompletes() {
    var machine = openMachine()
    guard case .sendCloseAndFail(let frame, _) = machine.closeRequested() else {
      Issue.record("expected connection.close")
      return
    }
    #expect(
      frame == .method(channel: 0, .connectionClose(.init(replyCode: 200, replyText: "Goodbye"))))
    // Frames other than close/close-ok are discarded while closing.
    guard case .none = machine.frameReceived(.method(channel: 1, .basicQosOk(.init())), now: start)
    else {
      Issue.record("expected the frame to be discarded")
      return
    }
    let close = AMQPFrame.method(
      channel: 0, .connectionClose(.init(replyCode: 200, replyText: "bye")))
    guard case .closeConnection(let frames, let error) = machine.frameReceived(close, now: start)
    else {
      Issue.record("expected close-ok")
      return
    }
    #expect(frames == [.method(channel: 0, .connectionCloseOk(.init()))])
    #expect(error.code == .connectionClosed)
  }

  @Test func malformedFrameAfterOpenClosesWithFrameError() {
    var machine = openMachine()
    let error = AMQPProtocolError(code: .badFrameEnd, message: "bad end")
    guard
      case .sendCloseAndFail(.method(0, .connectionClose(let close)), let failure) =
        machine.decodingFailed(error)
    else {
      Issue.record("expected connection.close")
      return
    }
    #expect(close.replyCode == 501)
    #expect(failure.code == .protocolViolation)
  }

  @Test func garbageBeforeTheHandshakeHangsUpWithoutClose() {
    var machine = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = machine.connected(now: start)
    guard
      case .closeConnection([], let error) = machine.decodingFailed(
        AMQPProtocolError(code: .notAMQP, message: "HTTP"))
    else {
      Issue.record("expected hang-up")
      return
    }
    #expect(error.code == .protocolViolation)
  }

  @Test func unexpectedMethodOnChannelZeroIsCommandInvalid() {
    var machine = openMachine()
    guard
      case .sendCloseAndFail(.method(0, .connectionClose(let close)), _) = machine.frameReceived(
        .method(channel: 0, .connectionTune(.init())), now: start)
    else {
      Issue.record("expected connection.close")
      return
    }
    #expect(close.replyCode == 503)
  }

  @Test func blockedAndUnblockedBecomeEvents() {
    var machine = openMachine()
    guard
      case .notify(.blocked(let reason)) = machine.frameReceived(
        .method(channel: 0, .connectionBlocked(.init(reason: "low on memory"))), now: start)
    else {
      Issue.record("expected blocked")
      return
    }
    #expect(reason == "low on memory")
    guard
      case .notify(.unblocked) = machine.frameReceived(
        .method(channel: 0, .connectionUnblocked(.init())), now: start)
    else {
      Issue.record("expected unblocked")
      return
    }
  }

  @Test func handshakeTimeoutFailsOnlyBeforeOpen() {
    var pending = ConnectionStateMachine(configuration: configuration, clientProperties: [:])
    _ = pending.connected(now: start)
    guard case .closeConnection(_, let error) = pending.connectTimedOut(after: .seconds(3)) else {
      Issue.record("expected timeout")
      return
    }
    #expect(error.code == .connectionTimeout)
    var open = openMachine()
    guard case .none = open.connectTimedOut(after: .seconds(3)) else {
      Issue.record("an open connection ignores the handshake timer")
      return
    }
  }
}
