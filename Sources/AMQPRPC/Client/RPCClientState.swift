import AMQPProtocol
import DequeModule
import NIOCore

/// What completes a call, and what the client needs to time it.
struct CallWaiter: Sendable {
  enum Completion: Sendable {
    /// An `async` caller waiting. Unchecked (no canary object per call): a waiter completes
    /// only when its entry leaves the pending-call table, under the client's lock, which
    /// happens once; or, unregistered, once in `completeUnsent`.
    case continuation(UnsafeContinuation<RPCReply, any Error>)
    /// A callback, run where the call ends (for replies: on the event loop).
    case callback(@Sendable (Result<RPCReply, RPCError>) -> Void)
  }

  var completion: Completion
  /// The request as published (moved here from the call that made it: no copy of its body).
  var request: RPCSentRequest
  /// Whether the call may be sent again after a lost link.
  var idempotent = false
  /// The call's metrics and span, told when it completes.
  var observation: RPCCallObservation? = nil

  var sentWallMicroseconds: Int64 { request.publishedAtMicroseconds }

  /// For a call marked idempotent: the request `id`, to send again after a lost link.
  func resend(id: String) -> HeldRequest? {
    guard idempotent else { return nil }
    return HeldRequest(
      id: id, routingKey: request.routingKey, body: request.body, properties: request.properties)
  }

  func complete(_ result: Result<RPCReply, RPCError>) {
    observation?.ended(result)
    switch completion {
    case .continuation(let continuation):
      continuation.resume(with: result.mapError { $0 as any Error })
    case .callback(let callback): callback(result)
    }
  }
}

extension CallWaiter {
  /// A waiter for a request with no properties and an empty body, made at
  /// `sentWallMicroseconds` (for tests).
  init(completion: Completion, sentWallMicroseconds: Int64) {
    self.init(
      completion: completion,
      request: RPCSentRequest(
        properties: AMQPBasicProperties(), body: ByteBuffer(), routingKey: "",
        publishedAtMicroseconds: sentWallMicroseconds))
  }
}

/// A request not (or no longer) on the wire: published when the link takes it again.
struct HeldRequest: Sendable {
  var id: String
  /// The queue (routing key on the default exchange) it goes to.
  var routingKey: String
  var body: ByteBuffer
  /// Everything but `reply_to`, which is set when it is published.
  var properties: AMQPBasicProperties
}

/// Everything a client mutates, kept behind one lock so that the table and the counters
/// always agree: an entry leaves the table and its outcome is counted in the same step.
struct RPCClientState: Sendable {
  var table = PendingCallTable<CallWaiter>()
  var sent = 0
  /// Counts per outcome, indexed by its position in `RPCOutcome.allCases` (an array: the
  /// enum's String raw values would make every dictionary update hash a string).
  var outcomes = [Int](repeating: 0, count: RPCOutcome.allCases.count)
  var discarded: [RPCDiscardKind: Int] = [:]
  /// The newest ended calls and discarded replies, oldest first, at most
  /// ``RPCClientStats/recentLimit`` each: kept with the counters, so a snapshot's lists and
  /// counts agree.
  var recentlyEnded: Deque<RPCEndedCall> = []
  /// How many ended calls `recentlyEnded` keeps (``RPCClientConfiguration/recentlyEndedLimit``).
  var recentlyEndedLimit = RPCClientStats.recentLimit
  var recentlyDiscarded: Deque<RPCDiscardedReply> = []
  var latency = LatencyRecorder()
  var completions = RateMeter()
  var timer: Scheduled<Void>?
  var timerDeadline: NIODeadline?
  var events: AsyncStream<RPCClientEvent>.Continuation?
  var closed = false
  /// The callback queue requests name in `reply_to` now (it changes when recovery or the
  /// loss of the queue gives it a new name).
  var replyTo: String
  /// Why requests are held back instead of published, if they are.
  var reconnecting = false
  var blockedReason: String?
  var replacingCallbackQueue = false
  /// Requests waiting for the link (or the broker) to take them, oldest first; their
  /// deadlines run meanwhile.
  var held: [HeldRequest] = []
  /// When the connection last recovered (requests no queue takes soon after are retried).
  var lastRecoveredAt: NIODeadline?

  init(replyTo: String = "") {
    self.replyTo = replyTo
  }

  var isHolding: Bool { reconnecting || blockedReason != nil || replacingCallbackQueue }

  /// The held requests to publish now, if nothing holds them any more.
  mutating func releasable() -> [HeldRequest] {
    guard !isHolding, !held.isEmpty else { return [] }
    defer { held = [] }
    return held
  }

  /// Registers a call about to be published and counts it as sent. Returns `false` (and
  /// changes nothing) when the client is closed or the id is already waiting.
  mutating func sending(_ entry: PendingCallTable<CallWaiter>.Entry) -> Bool {
    guard !closed, table.register(entry) else { return false }
    sent += 1
    return true
  }

  /// Counts a call that left the table, by its result, and lists it among the newest ended,
  /// with its request, the `reply` that ended it if one did, and when it ended.
  mutating func ended(
    _ entry: PendingCallTable<CallWaiter>.Entry, _ result: Result<RPCReply, RPCError>,
    now: NIODeadline, reply: RPCReceivedMessage? = nil
  ) {
    let outcome: RPCOutcome
    switch result {
    case .success:
      latency.record(microseconds: (now - entry.sentAt).nanoseconds / 1_000)
      outcome = .ok
    case .failure(let error): outcome = RPCOutcome(error.code)
    }
    outcomes[outcome.index] += 1
    completions.record(now)
    guard recentlyEndedLimit > 0 else { return }
    var ended = RPCEndedCall(correlationID: entry.id, n: entry.n, result: result)
    ended.label = entry.label
    ended.request = entry.waiter.request
    ended.reply = reply
    ended.endedAtMicroseconds =
      entry.waiter.sentWallMicroseconds.addingReportingOverflow(
        (now - entry.sentAt).nanoseconds / 1_000
      ).partialValue
    recentlyEnded.append(ended)
    if recentlyEnded.count > recentlyEndedLimit { recentlyEnded.removeFirst() }
  }

  /// Ends a waiting call without a reply, if it still waits: removes, counts and lists it.
  /// Returns it with its error.
  mutating func fail(id: String, code: RPCError.Code, message: String, now: NIODeadline)
    -> (entry: PendingCallTable<CallWaiter>.Entry, error: RPCError)?
  {
    guard let entry = table.remove(id: id, now: now) else { return nil }
    let error = RPCError(code: code, message: message, correlationID: id)
    ended(entry, .failure(error), now: now)
    return (entry, error)
  }

  /// Ends every waiting call with `code`: removes, counts and lists them.
  mutating func failAll(_ code: RPCError.Code, message: String, now: NIODeadline)
    -> [(entry: PendingCallTable<CallWaiter>.Entry, error: RPCError)]
  {
    table.removeAll(now: now).map { entry in
      let error = RPCError(code: code, message: message, correlationID: entry.id)
      ended(entry, .failure(error), now: now)
      return (entry, error)
    }
  }

  /// Ends the calls whose deadline passed: removes, counts and lists them as timed out,
  /// each error stating the timeout the call asked for.
  mutating func expire(now: NIODeadline) -> [(
    entry: PendingCallTable<CallWaiter>.Entry, error: RPCError
  )] {
    table.expire(now: now).map { entry in
      let error = RPCError(
        code: .timedOut,
        message: "no reply within \(RPCClient.timeoutText(entry.deadline - entry.sentAt))",
        correlationID: entry.id)
      ended(entry, .failure(error), now: now)
      return (entry, error)
    }
  }

  /// Takes a reply: ends its call with `result(entry)` when it answers one that waits, else
  /// discards it as late, duplicate or unknown. Counted and listed in the same step.
  mutating func replied(
    id: String, issuedByUs: @autoclosure () -> Bool, now: NIODeadline,
    message: RPCReceivedMessage? = nil,
    result: (PendingCallTable<CallWaiter>.Entry) -> Result<RPCReply, RPCError>
  ) -> ReplyHandling {
    let handling: ReplyHandling
    switch table.resolve(id: id, issuedByUs: issuedByUs(), now: now) {
    case .matched(let entry):
      let ended = result(entry)
      self.ended(entry, ended, now: now, reply: message)
      return .answered(entry, ended)
    case .late(let id, let lateBy): handling = .discarded(.late, id: id, lateBy: lateBy)
    case .duplicate(let id): handling = .discarded(.duplicate, id: id, lateBy: nil)
    case .unknown(let id): handling = .discarded(.unknown, id: id, lateBy: nil)
    }
    if case .discarded(let kind, let id, let lateBy) = handling {
      discarded(kind, id: id, lateBy: lateBy, message: message)
    }
    return handling
  }

  /// Counts a discarded reply and lists it among the newest discarded, as it came.
  mutating func discarded(
    _ kind: RPCDiscardKind, id: String, lateBy: TimeAmount?, message: RPCReceivedMessage? = nil
  ) {
    discarded[kind, default: 0] += 1
    recentlyDiscarded.append(
      RPCDiscardedReply(
        kind: kind, correlationID: id, lateBy: lateBy?.duration, message: message))
    if recentlyDiscarded.count > RPCClientStats.recentLimit { recentlyDiscarded.removeFirst() }
  }

  /// A held or returned request `id` is being published (again): its recorded `reply_to`
  /// becomes the current callback queue and its send count grows. Returns that queue, or
  /// `nil` when the call no longer waits.
  mutating func publishing(id: String) -> String? {
    let replyTo = self.replyTo
    let waiting = table.update(id: id) { entry in
      entry.waiter.request.properties.replyTo = replyTo
      entry.waiter.request.sendCount += 1
    }
    return waiting ? replyTo : nil
  }

  mutating func snapshot(now: NIODeadline) -> RPCClientStats {
    let oldest = table.entries.sorted { $0.sentAt < $1.sentAt }.prefix(1_000).map {
      var call = RPCInFlightCall(
        correlationID: $0.id, n: $0.n, age: (now - $0.sentAt).duration,
        timeLeft: ($0.deadline - now).duration)
      call.label = $0.label
      call.request = $0.waiter.request
      return call
    }
    let counts = RPCOutcome.allCases.map { ($0, outcomes[$0.index]) }.filter { $0.1 > 0 }
    return RPCClientStats(
      sent: sent, outcomes: Dictionary(uniqueKeysWithValues: counts), discarded: discarded,
      inFlight: table.count,
      oldestInFlight: oldest, latency: latency.summary,
      completionsPerSecond: completions.rate(now), recentlyEnded: recentlyEnded,
      recentlyDiscarded: recentlyDiscarded)
  }
}

/// What became of a reply.
enum ReplyHandling {
  /// It answered its call, which ended with this result.
  case answered(PendingCallTable<CallWaiter>.Entry, Result<RPCReply, RPCError>)
  /// It was thrown away.
  case discarded(RPCDiscardKind, id: String, lateBy: TimeAmount?)
}

extension RPCOutcome {
  /// The position in `allCases`.
  var index: Int {
    switch self {
    case .ok: 0
    case .serverError: 1
    case .timedOut: 2
    case .unroutable: 3
    case .connectionLost: 4
    case .cancelled: 5
    }
  }
}
