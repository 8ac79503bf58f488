import DequeModule
import HeapModule
import NIOCore

/// The calls a client waits for, by correlation id. A pure value: register, resolve a reply,
/// expire by time, cancel, fail all. It keeps a bounded, time-limited memory of the ids whose
/// calls gave up (timed out, cancelled, failed), so a late reply is told apart from a
/// duplicate; whether an id was ever ours the caller says (its ids carry a counter), so
/// answered ids need no memory at all on the hot path.
///
/// Every entry leaves the table exactly once: on its reply, timeout, cancellation or failure.
package struct PendingCallTable<Waiter> {
  package struct Entry {
    package var id: String
    package var n: Int?
    /// What the screens show for the request instead of n (see ``RPCInFlightCall/label``).
    package var label: String?
    package var sentAt: NIODeadline
    package var deadline: NIODeadline
    package var waiter: Waiter

    package init(
      id: String, n: Int?, label: String? = nil, sentAt: NIODeadline, deadline: NIODeadline,
      waiter: Waiter
    ) {
      self.id = id
      self.n = n
      self.label = label
      self.sentAt = sentAt
      self.deadline = deadline
      self.waiter = waiter
    }
  }

  /// What a reply turned out to be.
  package enum Resolution {
    /// It answers a waiting call, which leaves the table.
    case matched(Entry)
    /// Its call already ended without it (timed out, cancelled, failed); late by this much
    /// after the call's deadline (or its end, when it ended early).
    case late(id: String, by: TimeAmount)
    /// Its call was already answered.
    case duplicate(id: String)
    /// Not a call of ours (or one forgotten long ago).
    case unknown(id: String)
  }

  private struct DeadlineKey: Comparable, Sendable {
    var deadline: NIODeadline
    var id: String
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline < rhs.deadline }
  }

  private var pending: [String: Entry] = [:]
  private var deadlines = Heap<DeadlineKey>()
  private var gaveUp: [String: NIODeadline] = [:]
  private var endedOrder: Deque<(id: String, at: NIODeadline)> = []
  /// How many ended ids are remembered at most.
  let memoryLimit: Int
  /// How long an ended id is remembered.
  let memoryDuration: TimeAmount

  package init(memoryLimit: Int = 100_000, memoryDuration: TimeAmount = .minutes(5)) {
    self.memoryLimit = memoryLimit
    self.memoryDuration = memoryDuration
  }

  /// Calls waiting for a reply.
  package var count: Int { pending.count }
  /// Given-up ids still remembered.
  package var rememberedCount: Int { gaveUp.count }
  /// Whether the call `id` is still waiting.
  func contains(id: String) -> Bool { pending[id] != nil }
  /// The waiting calls (unordered).
  var entries: Dictionary<String, Entry>.Values { pending.values }
  /// The earliest deadline among waiting calls.
  var nextDeadline: NIODeadline? {
    var heap = deadlines
    while let top = heap.min {
      if pending[top.id]?.deadline == top.deadline { return top.deadline }
      _ = heap.removeMin()
    }
    return nil
  }

  /// Adds a call. Returns `false` (and changes nothing) when the id is already waiting.
  package mutating func register(_ entry: Entry) -> Bool {
    // One hash on the hot path; a duplicate id (never ours) is put back as it was.
    if let waiting = pending.updateValue(entry, forKey: entry.id) {
      pending[entry.id] = waiting
      return false
    }
    deadlines.insert(DeadlineKey(deadline: entry.deadline, id: entry.id))
    // Answered calls leave their deadline in the heap until it passes; rebuild it from the
    // waiting calls once such stale keys outnumber them, so it stays O(calls in flight).
    if deadlines.count > 2 * pending.count + 1_024 {
      deadlines = Heap(pending.values.map { DeadlineKey(deadline: $0.deadline, id: $0.id) })
    }
    return true
  }

  /// Deadline keys held, stale ones included (for tests of the bound above).
  var scheduledDeadlineCount: Int { deadlines.count }

  /// Classifies a reply by its correlation id; `issuedByUs` says whether the id is one this
  /// client ever sent (asked only for a reply that matches no waiting call).
  package mutating func resolve(id: String, issuedByUs: @autoclosure () -> Bool, now: NIODeadline)
    -> Resolution
  {
    if let entry = pending.removeValue(forKey: id) { return .matched(entry) }
    forget(before: now)
    if let at = gaveUp[id] { return .late(id: id, by: now - at) }
    return issuedByUs() ? .duplicate(id: id) : .unknown(id: id)
  }

  /// Changes the waiting call `id` in place (not its id nor its deadline); `false` when no
  /// such call waits.
  mutating func update(id: String, _ change: (inout Entry) -> Void) -> Bool {
    guard pending[id] != nil else { return false }
    pending[id]?.change(change)
    return true
  }

  /// Removes and returns the calls whose deadline is at or before `now`.
  package mutating func expire(now: NIODeadline) -> [Entry] {
    var expired: [Entry] = []
    while let top = deadlines.min, top.deadline <= now {
      _ = deadlines.removeMin()
      guard let entry = pending[top.id], entry.deadline == top.deadline else { continue }
      pending[top.id] = nil
      remember(top.id, gaveUpAt: entry.deadline, now: now)
      expired.append(entry)
    }
    forget(before: now)
    return expired
  }

  /// Removes a call that ended without a reply (cancelled, unroutable, failed to publish).
  package mutating func remove(id: String, now: NIODeadline) -> Entry? {
    guard let entry = pending.removeValue(forKey: id) else { return nil }
    remember(id, gaveUpAt: now, now: now)
    return entry
  }

  /// Removes every call (the connection is gone).
  package mutating func removeAll(now: NIODeadline) -> [Entry] {
    let all = Array(pending.values)
    for entry in all { remember(entry.id, gaveUpAt: now, now: now) }
    pending.removeAll()
    deadlines = Heap()
    return all
  }

  private mutating func remember(_ id: String, gaveUpAt: NIODeadline, now: NIODeadline) {
    if gaveUp.updateValue(gaveUpAt, forKey: id) == nil { endedOrder.append((id, now)) }
    while endedOrder.count > memoryLimit, let oldest = endedOrder.popFirst() {
      gaveUp[oldest.id] = nil
    }
  }

  private mutating func forget(before now: NIODeadline) {
    while let oldest = endedOrder.first, now - oldest.at > memoryDuration {
      endedOrder.removeFirst()
      gaveUp[oldest.id] = nil
    }
  }
}

extension PendingCallTable.Entry {
  fileprivate mutating func change(_ body: (inout Self) -> Void) { body(&self) }
}

extension PendingCallTable: Sendable where Waiter: Sendable {}
extension PendingCallTable.Entry: Sendable where Waiter: Sendable {}
