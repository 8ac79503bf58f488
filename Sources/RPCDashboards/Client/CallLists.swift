import AMQPRPC
import DequeModule

/// What the client screen's lists show out of everything collected: the kept history of
/// ended calls (``CallHistory``), the filter (`/`, `:filter`) and the frozen moment
/// (Ctrl-F, `:freeze`). Calls are referred to by their history number, so a view of
/// 100,000 calls holds numbers, not copies.
struct CallLists: Sendable {
  var history = CallHistory()
  /// The latest snapshot absorbed (the one on screen unless frozen).
  var latest: RPCClientStats?
  /// The filter applied; `nil` keeps everything.
  private(set) var filter: CallFilter?
  /// The numbers of the kept calls the filter keeps, ascending; `nil` unfiltered.
  private var matches: Deque<Int>?
  /// Whether the input line edits the filter (after `/`, until Enter or Esc).
  var editingFilter = false
  /// Why the filter typed is refused, while it is.
  var filterProblem: String?
  /// The frozen moment, while frozen.
  var frozen: Frozen?

  /// What the screen showed when frozen: it keeps showing it.
  struct Frozen: Sendable {
    /// One past the newest call shown (a history number).
    var endSequence: Int
    /// `ended` of the frozen snapshot.
    var ended: Int
    var latencyHistory: [Double]
    var completionsPerSecond: Double
    /// The request queue's ready count and its graph as they were.
    var queueReady: Int? = nil
    var readyPath = QueuePath()
  }

  /// Calls ended since the screen froze (from the latest snapshot).
  var endedSinceFreeze: Int {
    guard let frozen, let latest else { return 0 }
    return max(0, latest.ended - frozen.ended)
  }

  /// One past the newest history number shown.
  private var endSequence: Int { frozen?.endSequence ?? history.endSequence }

  /// Absorbs `stats` into the history; returns how many calls joined the shown list.
  mutating func absorb(_ stats: RPCClientStats, atMicroseconds: Int64) -> Int {
    let endBefore = history.endSequence
    let added = history.absorb(stats, atMicroseconds: atMicroseconds)
    latest = stats
    if history.endSequence < endBefore || added.lowerBound < endBefore {
      // Started over (another client): numbers were reused.
      if var moment = frozen {
        moment.endSequence = min(moment.endSequence, history.endSequence)
        frozen = moment
      }
      apply(filter)
      return frozen == nil ? added.count : 0
    }
    guard var kept = matches, let filter else { return frozen == nil ? added.count : 0 }
    while let first = kept.first, first < history.firstSequence { kept.removeFirst() }
    var joined = 0
    for sequence in added where history[sequence: sequence].map(filter.matches) == true {
      kept.append(sequence)
      joined += 1
    }
    matches = kept
    return frozen == nil ? joined : 0
  }

  /// Applies `filter` (`nil` or empty: none), scanning the whole kept history.
  mutating func apply(_ filter: CallFilter?) {
    guard let filter, !filter.isEmpty else {
      self.filter = nil
      matches = nil
      return
    }
    self.filter = filter
    var kept = Deque<Int>()
    for (offset, call) in history.calls.enumerated() where filter.matches(call) {
      kept.append(history.firstSequence + offset)
    }
    matches = kept
  }

  /// The count of calls shown (filtered, up to the frozen moment).
  var shownCount: Int {
    guard let matches else { return max(0, endSequence - history.firstSequence) }
    return Self.countBelow(endSequence, in: matches)
  }

  /// The count of kept calls up to the frozen moment, whatever the filter.
  var keptCount: Int { max(0, endSequence - history.firstSequence) }

  /// Up to `limit` shown calls from the `start`-th newest, newest first.
  func shown(from start: Int, limit: Int) -> [HistoryCall] {
    let count = shownCount
    guard start < count, limit > 0 else { return [] }
    let newest = count - 1 - max(0, start)
    let oldest = max(0, newest - limit + 1)
    return (oldest...newest).reversed().compactMap { index in
      let sequence = matches.map { $0[index] } ?? history.firstSequence + index
      return history[sequence: sequence]
    }
  }

  /// Every shown call, oldest first (for an export).
  func allShown() -> [HistoryCall] {
    let count = shownCount
    return (0..<count).compactMap { index in
      history[sequence: matches.map { $0[index] } ?? history.firstSequence + index]
    }
  }

  /// Every kept call up to the frozen moment, oldest first, whatever the filter.
  func allKept() -> [HistoryCall] {
    (history.firstSequence..<endSequence).compactMap { history[sequence: $0] }
  }

  /// How many of the ascending `numbers` are below `bound`.
  private static func countBelow(_ bound: Int, in numbers: Deque<Int>) -> Int {
    var (low, high) = (0, numbers.count)
    while low < high {
      let middle = (low + high) / 2
      if numbers[middle] < bound { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
