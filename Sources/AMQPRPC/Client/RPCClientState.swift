import AMQPProtocol
import NIOCore

/// What completes a call, and what the client needs to time it.
struct CallWaiter: Sendable {
  enum Completion: Sendable {
    /// An `async` caller waiting.
    case continuation(CheckedContinuation<RPCReply, any Error>)
    /// A callback, run where the call ends (for replies: on the event loop).
    case callback(@Sendable (Result<RPCReply, RPCError>) -> Void)
  }

  var completion: Completion
  var sentWallMicroseconds: Int64
  /// For a call marked idempotent: the request, to send again after a lost link.
  var resend: HeldRequest? = nil

  func complete(_ result: Result<RPCReply, RPCError>) {
    switch completion {
    case .continuation(let continuation):
      continuation.resume(with: result.mapError { $0 as any Error })
    case .callback(let callback): callback(result)
    }
  }
}

/// A request not (or no longer) on the wire: published when the link takes it again.
struct HeldRequest: Sendable {
  var id: String
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

  mutating func ended(_ outcome: RPCOutcome, now: NIODeadline) {
    outcomes[outcome.index] += 1
    completions.record(now)
  }

  mutating func snapshot(now: NIODeadline) -> RPCClientStats {
    let oldest = table.entries.sorted { $0.sentAt < $1.sentAt }.prefix(1_000).map {
      RPCInFlightCall(
        correlationID: $0.id, n: $0.n, age: now - $0.sentAt, timeLeft: $0.deadline - now)
    }
    let counts = RPCOutcome.allCases.map { ($0, outcomes[$0.index]) }.filter { $0.1 > 0 }
    return RPCClientStats(
      sent: sent, outcomes: Dictionary(uniqueKeysWithValues: counts), discarded: discarded,
      inFlight: table.count,
      oldestInFlight: oldest, latency: latency.summary,
      completionsPerSecond: completions.rate(now))
  }
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
