import AMQPProtocol
import NIOCore

/// The connection-level protocol (channel 0): handshake, heartbeats, blocking notifications
/// and close. It does no I/O: each event returns an ``Action`` that the channel handler
/// performs, so every transition is testable as a transcript.
struct ConnectionStateMachine {
  enum State {
    case initialized
    case awaitingStart
    case awaitingTune
    case awaitingOpenOk(AMQPTuneParameters)
    case open(AMQPTuneParameters)
    /// We sent `connection.close`; waiting for `close-ok`.
    case closing(AMQPError)
    case closed(AMQPError)
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
  }

  private(set) var state: State = .initialized
  let configuration: AMQPConnectionConfiguration
  let clientProperties: AMQPFieldTable
  private var lastReceived: NIODeadline = .now()
  private var lastSent: NIODeadline = .now()
  private(set) var serverProperties = AMQPFieldTable()
  /// The SASL mechanism chosen from the broker's `connection.start`.
  private(set) var loginMechanism: AMQPSASLMechanism?

  init(configuration: AMQPConnectionConfiguration, clientProperties: AMQPFieldTable) {
    self.configuration = configuration
    self.clientProperties = clientProperties
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
    case .awaitingStart, .awaitingTune, .awaitingOpenOk, .open, .closing, .closed:
      return .none
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
    case .initialized, .closed:
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
        state = .closed(error)
        return .closeConnection(
          write: [.method(channel: 0, .connectionCloseOk(.init()))], error: error)
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
        state = .closed(error)
        return .closeConnection(write: [], error: error)
      case .method(0, .connectionClose):
        // Both sides closed at once: answer, then we are done.
        state = .closed(error)
        return .closeConnection(
          write: [.method(channel: 0, .connectionCloseOk(.init()))], error: error)
      default:
        return .none  // after sending close, everything else is discarded
      }
    }
  }

  /// The application asked to close the connection.
  mutating func closeRequested() -> Action {
    switch state {
    case .open:
      let error = AMQPError(.connectionClosed, "the connection was closed by the application")
      state = .closing(error)
      let close = AMQPMethod.Connection.Close(replyCode: ReplyCode.success, replyText: "Goodbye")
      return .sendCloseAndFail(.method(channel: 0, .connectionClose(close)), error: error)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk:
      return fail(AMQPError(.connectionClosed, "the connection was closed during the handshake"))
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
    case .closing, .closed:
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
    case .closed:
      return .none
    case .closing(let error):
      state = .closed(error)
      return .closeConnection(write: [], error: error)
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk, .open:
      let during = isOpen ? "" : " during the handshake"
      let error = AMQPError(.connectionClosed, "the broker closed the socket\(during)")
      state = .closed(error)
      return .closeConnection(write: [], error: error)
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

  /// The handshake timed out.
  mutating func connectTimedOut(after timeout: Duration) -> Action {
    switch state {
    case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOk:
      return fail(
        AMQPError(.connectionTimeout, "the AMQP handshake did not finish within \(timeout)"))
    case .open, .closing, .closed:
      return .none
    }
  }

  // MARK: - Helpers

  private mutating func fail(_ error: AMQPError) -> Action {
    state = .closed(error)
    return .closeConnection(write: [], error: error)
  }

  private mutating func closedDuringHandshake(
    _ close: AMQPMethod.Connection.Close, code: AMQPError.Code, context: String
  ) -> Action {
    let error = AMQPError(
      code, "\(context): \(close.replyCode) \(close.replyText)", replyCode: close.replyCode,
      replyText: close.replyText,
      failingMethod: AMQPMethodID(classID: close.classID, methodID: close.methodID))
    state = .closed(error)
    return .closeConnection(write: [.method(channel: 0, .connectionCloseOk(.init()))], error: error)
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
    state = .closing(error)
    let close = AMQPMethod.Connection.Close(
      replyCode: code, replyText: String(message.prefix(200)), classID: method?.classID ?? 0,
      methodID: method?.methodID ?? 0)
    return .sendCloseAndFail(.method(channel: 0, .connectionClose(close)), error: error)
  }
}
