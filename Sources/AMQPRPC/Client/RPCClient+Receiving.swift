import AMQPClient
import AMQPProtocol
import NIOCore

extension RPCClient {
  /// Fails at once the calls the broker could not route (mandatory publish).
  func receiveReturns(_ returns: AsyncStream<AMQPReturnedMessage>) async {
    for await returned in returns {
      guard let id = returned.properties.correlationID else { continue }
      fail(
        id: id, code: .unroutable,
        message: "no queue \"\(returned.routingKey)\" to take the request "
          + "(\(returned.replyCode) \(returned.replyText)); is any server running?")
    }
  }

  /// Matches a reply with its call; runs on the connection's event loop, so it only takes a
  /// lock and resumes the waiting caller.
  func handleReply(_ message: AMQPMessage) {
    let now = NIODeadline.now()
    let receivedWall = WallClock.microsecondsSinceEpoch()
    let id = message.properties.correlationID ?? ""
    let headers = message.properties.headers ?? [:]
    // Any error header, of any type, makes the reply an error (its text when it has one).
    let errorText = headers[RPCWire.errorHeader].map {
      RPCHeaderValues.text($0) ?? "the server sent an error header of an unexpected type"
    }
    let (resolution, events) = state.withLockedValue { state in
      let resolution = state.table.resolve(id: id, issuedByUs: isOurs(id), now: now)
      switch resolution {
      case .matched(let entry):
        if errorText == nil {
          state.latency.record(microseconds: (now - entry.sentAt).nanoseconds / 1_000)
          state.ended(.ok, now: now)
        } else {
          state.ended(.serverError, now: now)
        }
      case .late:
        state.discarded[.late, default: 0] += 1
      case .duplicate:
        state.discarded[.duplicate, default: 0] += 1
      case .unknown:
        state.discarded[.unknown, default: 0] += 1
      }
      return (resolution, state.events)
    }
    switch resolution {
    case .matched(let entry):
      let result: Result<RPCReply, RPCError>
      if let errorText {
        result = .failure(
          RPCError(
            code: .serverError, message: errorText,
            serverErrorKind: RPCHeaderValues.text(headers[RPCWire.errorKindHeader]).flatMap(
              RPCServerErrorKind.init(rawValue:)),
            correlationID: id))
      } else {
        result = .success(
          RPCReply(
            correlationID: id, n: entry.n, value: String(buffer: message.body),
            worker: RPCHeaderValues.text(headers[RPCWire.workerHeader]),
            roundTrip: now - entry.sentAt,
            timing: Self.timing(
              headers, sent: entry.waiter.sentWallMicroseconds, received: receivedWall)))
      }
      events?.yield(.completed(correlationID: id, n: entry.n, result: result))
      entry.waiter.complete(result)
    case .late(let id, let lateBy):
      configuration.logger.debug("late reply discarded", metadata: ["id": "\(id)"])
      events?.yield(.discarded(.late, correlationID: id, lateBy: lateBy))
    case .duplicate(let id):
      events?.yield(.discarded(.duplicate, correlationID: id, lateBy: nil))
    case .unknown(let id):
      configuration.logger.debug("unknown reply discarded", metadata: ["id": "\(id)"])
      events?.yield(.discarded(.unknown, correlationID: id, lateBy: nil))
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
    let (entries, events) = state.withLockedValue { state in
      let entries = state.table.removeAll(now: now)
      for _ in entries { state.ended(RPCOutcome(code), now: now) }
      return (entries, state.events)
    }
    for entry in entries {
      let error = RPCError(code: code, message: message, correlationID: entry.id)
      events?.yield(.completed(correlationID: entry.id, n: entry.n, result: .failure(error)))
      entry.waiter.complete(.failure(error))
    }
  }

  /// The round trip split by the server's timestamps (µs since the epoch), when the reply
  /// carries both; differences of hostile values saturate instead of trapping.
  static func timing(_ headers: AMQPFieldTable, sent: Int64, received: Int64) -> RPCTiming? {
    guard let serverReceived = RPCHeaderValues.microseconds(headers[RPCWire.receivedHeader]),
      let serverReplied = RPCHeaderValues.microseconds(headers[RPCWire.repliedHeader])
    else { return nil }
    return RPCTiming(
      queueWait: .saturatingMicroseconds(serverReceived.saturatingDifference(sent)),
      service: .saturatingMicroseconds(serverReplied.saturatingDifference(serverReceived)),
      returnTrip: .saturatingMicroseconds(received.saturatingDifference(serverReplied)))
  }
}
