import AMQPRPC
import DequeModule
import NIOCore
import TerminalUI

/// The client screen's history, filter, freeze and export: `/` and `:filter` filter the
/// lists, Ctrl-F and `:freeze` freeze them, Ctrl-E and `:export` write the calls shown,
/// PgUp/PgDn scroll through every kept call (see ``CallLists``).
extension ClientDashboard {
  /// The rows of Completed a page key moves.
  static let pageRows = 10

  /// Absorbs `stats` into the history and, unless frozen, shows it.
  mutating func absorbSnapshot(_ stats: RPCClientStats, atMicroseconds: Int64) {
    let endBefore = lists.history.endSequence
    let joined = lists.absorb(stats, atMicroseconds: atMicroseconds)
    // Keep the rows in view still while reading history.
    if scroll > 0 { scroll = min(scroll + joined, max(0, lists.shownCount - 1)) }
    // Rebuilt only when the history changed (10 snapshots a second, most of them idle).
    if lists.frozen == nil, lists.history.endSequence != endBefore || joined > 0 {
      refreshCompleted()
    }
  }

  /// Rebuilds ``completed``: the shown calls from the scroll position, at most a snapshot's
  /// worth.
  mutating func refreshCompleted() {
    scroll = min(scroll, max(0, lists.shownCount - 1))
    completed = Deque(lists.shown(from: scroll, limit: Self.historyLimit).map(\.call))
  }

  /// PgUp (`up`) or PgDn: scrolls Completed by a page through every shown call.
  mutating func scrollCompleted(up: Bool) {
    let target = up ? scroll + Self.pageRows : scroll - Self.pageRows
    scroll = max(0, min(max(0, lists.shownCount - 1), target))
    refreshCompleted()
  }

  // MARK: - Filter

  /// The filter applied, if any.
  package var filter: CallFilter? { lists.filter }
  /// Whether the input line edits the filter.
  package var isEditingFilter: Bool { lists.editingFilter }

  /// `/` on an empty line: the input line edits the filter from now on.
  mutating func startFilter(now: NIODeadline) {
    lists.editingFilter = true
    input.clear()
    for character in lists.filter?.text ?? "" { input.insert(character) }
    sayFilterHint(now: now)
  }

  /// A key while the filter is typed: the lists follow each change.
  mutating func handleFilterKey(_ key: Key, now: NIODeadline) -> [Command] {
    if input.edit(key) {
      setFilter(input.text, now: now)
      return []
    }
    switch key {
    case .character(let character): input.insert(character)
    case .enter:
      lists.editingFilter = false
      if lists.filterProblem != nil { setFilter("", now: now) }
      input.clear()
      clearMessage()
      return []
    case .escape, .control("u"):
      lists.editingFilter = false
      input.clear()
      setFilter("", now: now)
      clearMessage()
      return []
    case .pageUp, .pageDown:
      scrollCompleted(up: key == .pageUp)
      return []
    case .control("c"): return [.quit]
    case .control("f"): toggleFreeze(now: now)
    case .control("e"): return exportShown(all: false, path: nil, now: now)
    default: return []
    }
    setFilter(input.text, now: now)
    return []
  }

  /// Applies the filter `text` says (an empty one clears it); a refused one filters nothing
  /// and the message says why.
  mutating func setFilter(_ text: String, now: NIODeadline) {
    switch CallFilter.parse(text) {
    case .success(let filter):
      lists.filterProblem = nil
      lists.apply(filter)
      if lists.editingFilter { sayFilterHint(now: now) }
    case .failure(let problem):
      lists.filterProblem = problem.description
      lists.apply(nil)
      say("filter: \(problem) — nothing filtered", style: .error, now: now, for: 3_600)
    }
    scroll = 0
    refreshCompleted()
  }

  /// While the filter is typed: its syntax, or how many calls it keeps.
  private mutating func sayFilterHint(now: NIODeadline) {
    let text =
      lists.filter.map { _ in
        "\(Format.count(lists.shownCount)) of \(Format.count(lists.keptCount)) calls match"
      } ?? "words, id: n:30..35 o:ok w:w2 kind:late"
    say("filter: \(text) — Enter keeps, Esc clears", now: now, for: 3_600)
  }

  /// `:filter TEXT` (`:filter` alone clears).
  mutating func filterCommand(_ text: String, now: NIODeadline) -> [Command]? {
    setFilter(text, now: now)
    guard lists.filterProblem == nil else { return nil }
    say(
      lists.filter.map { "filter \"\($0.text)\": \(Format.count(lists.shownCount)) calls" }
        ?? "filter cleared", style: .ok, now: now)
    return []
  }

  /// The filter for titles (` filter "w:w2"`), empty when none.
  var filterTitle: String {
    lists.filter.map { " filter \"\($0.text.clipped(toCells: 24))\"" } ?? ""
  }

  /// The calls in flight listed, filtered.
  var shownInFlight: [RPCInFlightCall] {
    let calls = stats?.oldestInFlight ?? []
    guard let filter = lists.filter else { return calls }
    return calls.filter(filter.matches)
  }

  /// The discarded replies listed, filtered.
  var shownDiscarded: Deque<DiscardedReply> {
    guard let filter = lists.filter else { return discarded }
    return discarded.filter(filter.matches)
  }

  // MARK: - Freeze

  /// Whether the screen shows a frozen moment.
  package var isFrozen: Bool { lists.frozen != nil }

  /// Ctrl-F, `:freeze`: freezes what the screen shows, or goes live (catching up at once).
  mutating func toggleFreeze(now: NIODeadline) {
    if lists.frozen != nil {
      let since = lists.endedSinceFreeze
      let shownBefore = lists.shownCount
      lists.frozen = nil
      if let latest = lists.latest { show(latest) }
      // Keep the rows in view still while reading history.
      if scroll > 0 { scroll += lists.shownCount - shownBefore }
      refreshCompleted()
      say("live again: \(Format.count(since)) calls ended while frozen", style: .ok, now: now)
    } else {
      lists.frozen = CallLists.Frozen(
        endSequence: lists.history.endSequence, ended: stats?.ended ?? 0,
        latencyHistory: latencyHistory, completionsPerSecond: completionRate.perSecond,
        queueReady: queueReady, readyPath: readyPath)
      say("frozen: collection goes on — Ctrl-F goes live", style: .warning, now: now)
    }
  }

  /// The round-trip sparkline's samples shown (frozen with the screen).
  var shownLatencyHistory: [Double] { lists.frozen?.latencyHistory ?? latencyHistory }

  /// `FROZEN +340 · ` before Completed's title while frozen.
  var frozenMark: String {
    guard lists.frozen != nil else { return "" }
    return "FROZEN +\(Format.count(lists.endedSinceFreeze)) · "
  }

  // MARK: - Titles

  /// Completed's title: where the rows shown are in the list once scrolled (`Completed
  /// 1,234–1,250 of 54,321`; `Completed (12)` at the top), the filter and how many it keeps of the
  /// kept calls (`filter "w:w2" 12 of 340`), and what the history could not keep.
  func completedListTitle(rows: Int?, short: Bool) -> String {
    let shown = lists.shownCount
    let first = min(shown, scroll + 1)
    let last = min(shown, scroll + (rows ?? shown))
    let lost = lists.history.notListed + lists.history.evicted
    var title = frozenMark + "Completed"
    var lossSaid = false
    if scroll > 0 {
      title += " \(Format.count(first))–\(Format.count(last))"
      if lists.filter == nil { title += " of \(Format.count(shown))" }
    } else if lists.filter == nil {
      // `Completed (1,000 shown of 2,345)`: what the history could not keep, counted.
      title += " " + Self.listTitle("", shown: shown, total: shown + lost).dropFirst()
      lossSaid = true
    }
    if lists.filter != nil {
      title += filterTitle + " \(Format.count(shown)) of \(Format.count(lists.keptCount))"
    }
    if !lossSaid, !short, let loss = lists.history.lossText { title += ", \(loss)" }
    return title + (short ? "" : ", newest first")
  }

  /// ` filter "x" 3 of 40` for a list of `total` of which `shown` match, empty unfiltered.
  func filterCount(shown: Int, of total: Int) -> String {
    lists.filter == nil ? "" : "\(filterTitle) \(Format.count(shown)) of \(Format.count(total))"
  }

  // MARK: - Export

  /// Ctrl-E, `:export [all] [PATH]`: the calls shown (filtered, every kept one, not just the
  /// rows on screen), or every kept call (`all`), for the screen to write.
  mutating func exportShown(all: Bool, path: String?, now: NIODeadline) -> [Command] {
    let calls = all || lists.filter == nil ? lists.allKept() : lists.allShown()
    guard !calls.isEmpty else {
      say("nothing to export: no calls \(all ? "kept" : "shown") yet", style: .warning, now: now)
      return []
    }
    let what =
      (lists.filter.map { all ? "" : " (filter \"\($0.text)\")" } ?? "")
      + (lists.history.lossDetail.map { "; not kept: \($0)" } ?? "")
    say("exporting \(Format.count(calls.count)) calls…", now: now)
    return [.export(CallExport(calls: calls, path: path, note: what))]
  }

  /// `:export [all] [PATH]`.
  mutating func exportCommand(_ words: [Substring], now: NIODeadline) -> [Command] {
    var rest = words
    let all = rest.first == "all"
    if all { rest.removeFirst() }
    let path = rest.isEmpty ? nil : rest.joined(separator: " ")
    return exportShown(all: all, path: path, now: now)
  }
}

/// Calls for the screen to write as JSON Lines and CSV (see ``CallRecord``).
package struct CallExport: Sendable, Hashable {
  /// The calls, oldest first, as kept: made into records by the writer, off the screen's
  /// thread.
  package var calls: [HistoryCall]
  /// The calls as records.
  package var records: LazyMapSequence<[HistoryCall], CallRecord> { calls.lazy.map(\.record) }
  /// The files' base (`PATH.jsonl`, `PATH.csv`); `nil`: `rpc-calls-YYYYMMDD-HHMMSS` in the
  /// current directory.
  package var path: String?
  /// What the message says after the count: the filter, what the history did not keep.
  package var note: String

  package init(calls: [HistoryCall], path: String?, note: String) {
    self.calls = calls
    self.path = path
    self.note = note
  }
}
