import AMQPProtocol
import NIOCore

/// The connection-level protocol (channel 0): handshake, heartbeats, blocking notifications,
/// close, and recovery of a lost link. It does no I/O: each event returns an ``Action`` that
/// the channel handler performs, so every transition is testable as a transcript.
///
/// Recovery: once the connection has been open, losing the link (socket closed, a socket
/// error, heartbeat or method timeout, `connection.close` from the broker, a protocol
/// violation) does not end it: it becomes ``State/disconnected(_:)`` and the handler is told
/// to reconnect (``Action/disconnect(write:error:attempt:)``), as the recovery policy allows.
/// Each attempt runs the handshake again; its end is ``Action/reopened(serverProperties:_:)``,
/// after which the handler restores channels, topology and consumers and reports
/// ``recoveryCompleted()``. Only the application's own close, or a policy that allows no more
/// attempts, ends the connection for good (``State/closed(_:)``).
struct ConnectionStateMachine {
  enum State {
    case initialized
    case awaitingStart
    case awaitingTune
    case awaitingOpenOk(AMQPTuneParameters)
    case open(AMQPTuneParameters)
    /// We sent `connection.close`; waiting for `close-ok`.
    case closing(AMQPError)
    /// Closed for good.
    case closed(AMQPError)
    /// The link was lost and recovery is under way: waiting for the next attempt, or for its
    /// TCP connect.
    case disconnected(AMQPError)
  }

  enum Action {
    case none
    case sendProtocolHeader
    case write([AMQPFrame])
    /// Adopt the negotiated limits (frame size, heartbeat timer), then write the frames.
    case applyTuning(AMQPTuneParameters, write: [AMQPFrame])
    case succeedConnect(serverProperties: AMQPFieldTable, AMQPTuneParameters)
    case forwardToChannel(AMQPFrame)
    case notify(AMQPConnectionEvent)
    /// Write the frames (if any), close the socket, fail everything pending with the error.
    case closeConnection(write: [AMQPFrame], error: AMQPError)
    /// Write `connection.close`, fail everything pending now, and keep the socket open for
    /// the peer's `close-ok` (the handler bounds that wait with a timeout).
    case sendCloseAndFail(AMQPFrame, error: AMQPError)
    /// The link is lost but the connection recovers: write the frames (if any), close the
    /// socket, fail the requests waiting for replies with the error, keep channels and
    /// consumers, and make reconnection attempt `attempt` (1 for the first of this outage)
    /// after the policy's delay.
    case disconnect(write: [AMQPFrame], error: AMQPError, attempt: Int)
    /// The handshake of a reconnection finished: restore channels, topology and consumers,
    /// then report ``recoveryCompleted()``.
    case reopened(serverProperties: AMQPFieldTable, AMQPTuneParameters)
  }

  private(set) var state: State = .initialized
  /// The endpoint being connected to (it changes between reconnection attempts).
  private(set) var configuration: AMQPConnectionConfiguration
  /// The recovery policy, from the first configuration.
  let recovery: AMQPRecoveryPolicy
  /// Whether the connection was ever open: only then is a lost link recovered.
  private(set) var hasBeenOpen = false
  /// The attempts made in the current outage; 0 when connected and not recovering.
  private(set) var recoveryAttempts = 0
  /// Whether the application asked to close (nothing recovers after that).
  private var closeRequestedByApplication = false
  /// Whether reading is paused for a saturated consumer, and whether NIO asked for a read
  /// meanwhile.
  private(set) var readsPaused = false
  private var readPending = false
  let clientProperties: AMQPFieldTable
  private var lastReceived: NIODeadline = .now()
  private var lastSent: NIODeadline = .now()
  private(set) var serverProperties = AMQPFieldTable()
  /// The SASL mechanism chosen from the broker's `connection.start`.
  private(set) var loginMechanism: AMQPSASLMechanism?

  init(configuration: AMQPConnectionConfiguration, clientProperties: AMQPFieldTable) {
    self.configuration = configuration
    self.clientProperties = clientProperties
    self.recovery = configuration.recovery
  }

  var isOpen: Bool {
    if case .open = state { return true }
    return false
  }

  mutating func connected(now: NIODeadline) -> Action {
    switch state {
    case .initialized:
      state = .awaitingStart
      lastReceived = now
      lastSent = now
      return .sendProtocolHeader
    case .awaitingStart, .awaitingTune, .awaitingOpenOk, .open, .closing, .closed, .disconnected:
      return .none
    }
  }

  /// A reconnection attempt starts, to `configuration`'s endpoint; ``connected(now:)``
  /// follows once its socket is up, ``connectFailed(_:)`` if it cannot be.
  mutating func reconnectAttemptStarted(configuration: AMQPConnectionConfiguration) -> Bool {
    guard case .disconnected = state else { return false }
    self.configuration = configuration
    state = .initialized
    return true
  }

  /// The TCP connect of a reconnection attempt failed.
  mutating func connectFailed(_ error: AMQPError) -> Action {
    switch state {
    case .initialized, .disconnected: return fail(error)
    case .awaitingStart, .awaitingTune, .awaitingOpenOk, .open, .closing, .closed: return .none
    }
  }

  /// The handler restored what the connection had; returns how many attempts it took.
  mutating func recoveryCompleted() -> Int {
    defer { recoveryAttempts = 0 }
    return recoveryAttempts
  }

  /// A synchronous method got no reply within the method timeout: the broker is treated as
  /// gone.
  mutating func methodTimedOut(_ method: String, after timeout: Duration) -> Action {
    guard case .open = state else { return .none }
    return fail(
      AMQPError(.connectionTimeout, "no reply to \(method) within \(timeout): the broker is silent")
    )
  }

  /// NIO reported an error on the socket (reset, TLS failure…).
  mutating func socketErrorCaught(_ error: any Error) -> Action {
    switch state {
    case .closed, .disconnected: return .none
    case .closing(let closing):
      return fail(closing)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk, .open:
      // TLS failures arrive already explained (TLSFailureTranslator).
      return fail(
        error as? AMQPError
          ?? AMQPError(.connectionClosed, "socket error: \(SocketErrorText.describe(error))"))
    }
  }

  mutating func frameSent(now: NIODeadline) {
    lastSent = now
  }

  /// Whether a frame on `channel` belongs to that channel's state machine: once the
  /// connection is open, every frame off channel 0 does. The handler asks this first, so the
  /// common frame is handed on without being wrapped in an action; ``frameReceived(_:now:)``
  /// decides with it too (its `forwardToChannel`).
  mutating func routesToChannel(_ channel: UInt16, now: NIODeadline) -> Bool {
    guard channel != 0, case .open = state else { return false }
    lastReceived = now
    return true
  }

  mutating func frameReceived(_ frame: AMQPFrame, now: NIODeadline) -> Action {
    if routesToChannel(frame.channel, now: now) { return .forwardToChannel(frame) }
    lastReceived = now
    if case .heartbeat = frame { return .none }
    switch state {
    case .initialized, .closed, .disconnected:
      return .none
    case .awaitingStart:
      guard case .method(0, .connectionStart(let start)) = frame else {
        return handshakeViolation(frame, expected: "connection.start")
      }
      guard
        let mechanism = AMQPSASLMechanism.choose(
          preferred: configuration.saslMechanisms, offered: start.mechanisms)
      else {
        return fail(
          AMQPError(
            .unsupported,
            AMQPSASLMechanism.notOffered(
              preferred: configuration.saslMechanisms, offered: start.mechanisms)))
      }
      serverProperties = start.serverProperties
      state = .awaitingTune
      loginMechanism = mechanism
      let startOk = AMQPMethod.Connection.StartOk(
        clientProperties: clientProperties, mechanism: mechanism.name,
        response: mechanism.response(
          username: configuration.username, password: configuration.password),
        locale: "en_US")
      return .write([.method(channel: 0, .connectionStartOk(startOk))])
    case .awaitingTune:
      switch frame {
      case .method(0, .connectionTune(let tune)):
        let requested = AMQPTuneParameters(
          channelMax: configuration.channelMax, frameMax: configuration.frameMax,
          heartbeat: configuration.heartbeat)
        let server = AMQPTuneParameters(
          channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: tune.heartbeat)
        let agreed = AMQPTuneParameters.negotiate(client: requested, server: server)
        state = .awaitingOpenOk(agreed)
        let tuneOk = AMQPMethod.Connection.TuneOk(
          channelMax: agreed.channelMax, frameMax: agreed.frameMax, heartbeat: agreed.heartbeat)
        let open = AMQPMethod.Connection.Open(virtualHost: configuration.virtualHost)
        return .applyTuning(
          agreed,
          write: [
            .method(channel: 0, .connectionTuneOk(tuneOk)),
            .method(channel: 0, .connectionOpen(open)),
          ])
      case .method(0, .connectionSecure):
        return fail(
          AMQPError(
            .unsupported,
            "the broker sent a SASL challenge; \(loginMechanism?.name ?? "PLAIN") has none"))
      case .method(0, .connectionClose(let close)):
        // With authentication_failure_close the broker says why instead of dropping the socket.
        return closedDuringHandshake(
          close, code: .authenticationFailed,
          context: (loginMechanism ?? .plain).refusal(username: configuration.username))
      default:
        return handshakeViolation(frame, expected: "connection.tune")
      }
    case .awaitingOpenOk(let tuning):
      switch frame {
      case .method(0, .connectionOpenOk):
        state = .open(tuning)
        if hasBeenOpen { return .reopened(serverProperties: serverProperties, tuning) }
        hasBeenOpen = true
        return .succeedConnect(serverProperties: serverProperties, tuning)
      case .method(0, .connectionClose(let close)):
        return closedDuringHandshake(
          close, code: .accessRefused,
          context: "cannot open virtual host \"\(configuration.virtualHost)\"")
      default:
        return handshakeViolation(frame, expected: "connection.open-ok")
      }
    case .open:
      switch frame {
      case .method(_, .connectionClose(let close)):
        let error = AMQPError.closedByServer(.connectionClosedByServer, "connection", close)
        return fail(error, write: [.method(channel: 0, .connectionCloseOk(.init()))])
      case .method(_, .connectionBlocked(let blocked)):
        return .notify(.blocked(reason: blocked.reason))
      case .method(_, .connectionUnblocked):
        return .notify(.unblocked)
      case .method(_, let method):
        return protocolViolation(
          code: ReplyCode.commandInvalid, "unexpected \(method.name) on channel 0", method.id)
      case .header, .body, .heartbeat:
        return protocolViolation(
          code: ReplyCode.unexpectedFrame, "content frame on channel 0", nil)
      }
    case .closing(let error):
      switch frame {
      case .method(0, .connectionCloseOk):
        return fail(error)
      case .method(0, .connectionClose):
        // Both sides closed at once: answer, then we are done.
        return fail(error, write: [.method(channel: 0, .connectionCloseOk(.init()))])
      default:
        return .none  // after sending close, everything else is discarded
      }
    }
  }

  /// The application asked to close the connection.
  mutating func closeRequested() -> Action {
    closeRequestedByApplication = true
    switch state {
    case .open:
      let error = AMQPError(.connectionClosed, "the connection was closed by the application")
      state = .closing(error)
      let close = AMQPMethod.Connection.Close(replyCode: ReplyCode.success, replyText: "Goodbye")
      return .sendCloseAndFail(.method(channel: 0, .connectionClose(close)), error: error)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk:
      return fail(AMQPError(.connectionClosed, "the connection was closed during the handshake"))
    case .disconnected:
      return fail(AMQPError(.connectionClosed, "the connection was closed by the application"))
    case .closing, .closed:
      return .none
    }
  }

  /// The frame decoder rejected the peer's bytes.
  mutating func decodingFailed(_ error: AMQPProtocolError) -> Action {
    switch state {
    case .open:
      let code: UInt16 =
        switch error.code {
        case .frameTooLarge, .messageTooLarge, .badFrameEnd, .unknownFrameType:
          ReplyCode.frameError
        case .unknownMethod: ReplyCode.commandInvalid
        default: ReplyCode.syntaxError
        }
      return protocolViolation(
        code: code, error.description,
        error.classID.flatMap { c in error.methodID.map { AMQPMethodID(classID: c, methodID: $0) }
        },
        protocolError: error)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk:
      // Not (yet) an AMQP conversation: no close handshake, just hang up.
      return fail(.protocolViolation(error))
    case .closing, .closed, .disconnected:
      return fail(.protocolViolation(error))
    }
  }

  /// A channel saw a frame that breaks the protocol; that is a connection error.
  mutating func channelViolation(code: UInt16, _ message: String, _ method: AMQPMethodID?)
    -> Action
  {
    protocolViolation(code: code, message, method)
  }

  /// The socket closed.
  mutating func socketClosed() -> Action {
    switch state {
    case .closed, .disconnected:
      return .none
    case .closing(let error):
      return fail(error)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk, .open:
      let during = isOpen ? "" : " during the handshake"
      return fail(AMQPError(.connectionClosed, "the broker closed the socket\(during)"))
    }
  }

  /// Called at half the heartbeat interval. Sends a heartbeat when we have been quiet, and
  /// declares the peer dead after two intervals without any inbound traffic.
  mutating func heartbeatTimerFired(now: NIODeadline, readsPaused: Bool) -> Action {
    guard case .open(let tuning) = state, tuning.heartbeat > 0 else { return .none }
    let interval = TimeAmount.seconds(Int64(tuning.heartbeat))
    if readsPaused { lastReceived = now }  // we chose not to read; the peer is not silent
    if now - lastReceived > interval * 2 {
      return fail(
        AMQPError(
          .heartbeatTimeout,
          "no traffic from the broker for \(2 * Int(tuning.heartbeat)) s (heartbeat \(tuning.heartbeat) s)"
        ))
    }
    if now - lastSent >= TimeAmount.nanoseconds(interval.nanoseconds / 2) {
      return .write([.heartbeat])
    }
    return .none
  }

  /// When to run ``heartbeatTimerFired(now:readsPaused:)`` next: after `tick` (half the
  /// interval), or just after the moment the peer's silence reaches two intervals if that is
  /// sooner, so a dead peer is declared at two intervals, not up to half an interval later.
  func nextHeartbeatCheck(now: NIODeadline, tick: TimeAmount) -> TimeAmount {
    guard case .open(let tuning) = state, tuning.heartbeat > 0 else { return tick }
    let dead = lastReceived + .seconds(2 * Int64(tuning.heartbeat)) + .milliseconds(1)
    return max(.milliseconds(1), min(tick, dead - now))
  }

  /// The handshake timed out.
  mutating func connectTimedOut(after timeout: Duration) -> Action {
    switch state {
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk:
      return fail(
        AMQPError(.connectionTimeout, "the AMQP handshake did not finish within \(timeout)"))
    case .open, .closing, .closed, .disconnected:
      return .none
    }
  }

  // MARK: - Read back-pressure

  /// NIO asks for a read: whether to read now. While a consumer's buffer is full the read
  /// waits (remembered) until ``consumersCaughtUp()``, so the socket is not read into memory
  /// nobody takes.
  mutating func readRequested() -> Bool {
    guard readsPaused else { return true }
    readPending = true
    return false
  }

  /// A consumer's buffer passed its high watermark.
  mutating func consumerSaturated() {
    readsPaused = true
  }

  /// No consumer is saturated any more (or the link ended): whether to make the read NIO
  /// asked for meanwhile.
  mutating func consumersCaughtUp() -> Bool {
    guard readsPaused else { return false }
    readsPaused = false
    defer { readPending = false }
    return readPending
  }

  /// A new socket: a read asked for by the old one is void.
  mutating func linkStarted() {
    readPending = false
  }

  // MARK: - Helpers

  /// The link ends with `error`: recovered when the connection was open once, the
  /// application did not close it and the policy allows another attempt; closed for good
  /// otherwise.
  private mutating func fail(_ error: AMQPError, write frames: [AMQPFrame] = []) -> Action {
    guard recovers else {
      state = .closed(error)
      return .closeConnection(write: frames, error: error)
    }
    recoveryAttempts += 1
    state = .disconnected(error)
    return .disconnect(write: frames, error: error, attempt: recoveryAttempts)
  }

  /// Whether losing the link now starts (or continues) a recovery.
  private var recovers: Bool {
    hasBeenOpen && !closeRequestedByApplication && recovery.allows(attempt: recoveryAttempts + 1)
  }

  private mutating func closedDuringHandshake(
    _ close: AMQPMethod.Connection.Close, code: AMQPError.Code, context: String
  ) -> Action {
    let error = AMQPError(
      code, "\(context): \(close.replyCode) \(close.replyText)", replyCode: close.replyCode,
      replyText: close.replyText,
      failingMethod: AMQPMethodID(classID: close.classID, methodID: close.methodID))
    return fail(error, write: [.method(channel: 0, .connectionCloseOk(.init()))])
  }

  private mutating func handshakeViolation(_ frame: AMQPFrame, expected: String) -> Action {
    let got: String
    switch frame {
    case .method(let channel, let method): got = "\(method.name) on channel \(channel)"
    case .header(let channel, _): got = "a content header on channel \(channel)"
    case .body(let channel, _): got = "a content body on channel \(channel)"
    case .heartbeat: got = "a heartbeat"
    }
    return fail(
      AMQPError(.protocolViolation, "expected \(expected) during the handshake, got \(got)"))
  }

  private mutating func protocolViolation(
    code: UInt16, _ message: String, _ method: AMQPMethodID?,
    protocolError: AMQPProtocolError? = nil
  ) -> Action {
    let error = AMQPError(
      .protocolViolation, message, replyCode: code, replyText: message, failingMethod: method,
      protocolError: protocolError)
    let close = AMQPMethod.Connection.Close(
      replyCode: code, replyText: String(message.prefix(200)), classID: method?.classID ?? 0,
      methodID: method?.methodID ?? 0)
    let frame = AMQPFrame.method(channel: 0, .connectionClose(close))
    if recovers {
      // Recovering: say why, and reconnect without waiting for close-ok.
      return fail(error, write: [frame])
    }
    state = .closing(error)
    return .sendCloseAndFail(frame, error: error)
  }
}
