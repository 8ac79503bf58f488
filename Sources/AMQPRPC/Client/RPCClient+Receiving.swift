import AMQPClient
import AMQPProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

extension RPCClient {
  /// Fails at once the calls the broker could not route (mandatory publish) — except just
  /// after a recovery, when the request queue may not be back yet: a server whose broker
  /// restarted declares it again once its own recovery is done, and that can come seconds
  /// after ours. Then the request is published again every 250 ms within its deadline.
  func receiveReturns(_ returns: AsyncStream<AMQPReturnedMessage>) async {
    for await returned in returns {
      guard let id = returned.properties.correlationID else { continue }
      if retriesUnroutable(now: .now()) {
        republishLater(returned, id: id)
        continue
      }
      fail(
        id: id, code: .unroutable,
        message: "no queue \"\(returned.routingKey)\" to take the request "
          + "(\(returned.replyCode) \(returned.replyText)); is any server running?")
    }
  }

  /// Whether an unroutable request is retried rather than failed: within
  /// ``unroutableGraceAfterRecovery`` of the last recovery.
  func retriesUnroutable(now: NIODeadline) -> Bool {
    guard let recovered = state.withLockedValue({ $0.lastRecoveredAt }) else { return false }
    return now - recovered < Self.unroutableGraceAfterRecovery
  }

  /// How long after a recovery a request no queue took waits for the queue to come back.
  static let unroutableGraceAfterRecovery = TimeAmount.seconds(30)

  private func republishLater(_ returned: AMQPReturnedMessage, id: String) {
    connection.eventLoop.scheduleTask(in: .milliseconds(250)) { [self] in
      let replyTo = state.withLockedValue { $0.publishing(id: id) }
      guard let replyTo else { return }  // ended meanwhile (its deadline passed)
      var properties = returned.properties
      properties.replyTo = replyTo
      publish(returned.body, to: returned.routingKey, properties: properties, id: id)
    }
  }

  /// Matches a reply with its call; runs on the connection's event loop, so it only takes a
  /// lock and resumes the waiting caller.
  func handleReply(_ message: AMQPMessage) {
    let now = NIODeadline.now()
    let receivedWall = WallClock.microsecondsSinceEpoch()
    let id = message.properties.correlationID ?? ""
    let headers = message.properties.headers ?? [:]
    let errorText = Self.errorText(headers)
    let received = RPCReceivedMessage(
      properties: message.properties, body: message.body, redelivered: message.redelivered,
      receivedAtMicroseconds: receivedWall)
    // The result is made under the lock, so that the call is counted and listed in one step.
    let (handling, events) = state.withLockedValue { state in
      let handling = state.replied(
        id: id, issuedByUs: isOurs(id), now: now, message: received
      ) { entry in
        Self.result(
          of: message, id: id, n: entry.n, errorText: errorText, roundTrip: now - entry.sentAt,
          sentWall: entry.waiter.sentWallMicroseconds, receivedWall: receivedWall)
      }
      return (handling, state.events)
    }
    switch handling {
    case .answered(let entry, let result):
      events?.yield(.completed(correlationID: id, result: result))
      entry.waiter.complete(result)
    case .discarded(let kind, let id, let lateBy):
      observer.discarded(kind)
      if kind != .duplicate {
        configuration.logger.debug("\(kind.rawValue) reply discarded", metadata: ["id": "\(id)"])
      }
      events?.yield(.discarded(kind, correlationID: id, lateBy: lateBy?.duration))
    }
  }

  /// Whether `id` is a correlation id this client sent: its prefix and a counter value it
  /// has reached.
  func isOurs(_ id: String) -> Bool {
    guard id.hasPrefix(idPrefix + "-"), let number = UInt64(id.dropFirst(idPrefix.count + 1))
    else { return false }
    return number >= 1 && number <= idCounter.withLockedValue { $0 }
  }

  /// Fails every waiting call (the consumer ended).
  func failAll(_ code: RPCError.Code, _ message: String) {
    let now = NIODeadline.now()
    let (failed, events) = state.withLockedValue { state in
      (state.failAll(code, message: message, now: now), state.events)
    }
    for (entry, error) in failed {
      events?.yield(.completed(correlationID: entry.id, result: .failure(error)))
      entry.waiter.complete(.failure(error))
    }
  }

  /// Why the server failed the request, when the reply says it did: any error header, of any
  /// type, makes the reply an error (its text when it has one).
  package static func errorText(_ headers: AMQPFieldTable) -> String? {
    headers[RPCWire.errorHeader].map {
      RPCHeaderValues.text($0) ?? "the server sent an error header of an unexpected type"
    }
  }

  /// What a matched reply means for its call: the answer, or the server's error.
  package static func result(
    of message: AMQPMessage, id: String, n: Int?, errorText: String?, roundTrip: TimeAmount,
    sentWall: Int64, receivedWall: Int64
  ) -> Result<RPCReply, RPCError> {
    let headers = message.properties.headers ?? [:]
    if let errorText {
      return .failure(
        RPCError(
          code: .serverError, message: errorText,
          serverErrorKind: RPCHeaderValues.text(headers[RPCWire.errorKindHeader]).flatMap(
            RPCServerErrorKind.init(rawValue:)),
          correlationID: id))
    }
    return .success(
      RPCReply(
        correlationID: id, n: n, body: message.body, properties: message.properties,
        worker: RPCHeaderValues.text(headers[RPCWire.workerHeader]), roundTrip: roundTrip.duration,
        timing: timing(headers, sent: sentWall, received: receivedWall)))
  }

  /// The round trip split by the server's timestamps (µs since the epoch), when the reply
  /// carries both; differences of hostile values saturate instead of trapping.
  package static func timing(_ headers: AMQPFieldTable, sent: Int64, received: Int64) -> RPCTiming?
  {
    guard let serverReceived = RPCHeaderValues.microseconds(headers[RPCWire.receivedHeader]),
      let serverReplied = RPCHeaderValues.microseconds(headers[RPCWire.repliedHeader])
    else { return nil }
    return RPCTiming(
      queueWait: .microseconds(serverReceived.saturatingDifference(sent)),
      service: .microseconds(serverReplied.saturatingDifference(serverReceived)),
      returnTrip: .microseconds(received.saturatingDifference(serverReplied)))
  }
}
