import AMQPRPC
import DequeModule
import NIOCore
import TerminalUI

/// What the server screen shows, as a pure value: fed with server events and stats
/// snapshots and keys; rendered into a ``ScreenBuffer``.
package struct ServerDashboard: Sendable {
  /// What the screen asks the application to do.
  package enum Command: Sendable, Hashable {
    case addWorker
    case removeWorker(id: Int)
    case pauseWorker(id: Int)
    case resumeWorker(id: Int)
    case setPrefetch(UInt16)
    case quit
  }

  package enum Action: Hashable, Sendable {
    case select, add, remove, togglePause, prefetchDown, prefetchUp, help, quit
  }

  package var brokerURL: String
  /// This process's name, `<host>-<pid>`: the prefix of its workers' names (`vm-17118/w2`)
  /// in a client's list of replies, so a worker seen there can be found here.
  package var serverName: String?
  /// The TLS of an `amqps` connection (`TLSv1.3 TLS_AES_128_GCM_SHA256`); `nil` on plain TCP.
  package var tls: String?
  /// Where `--metrics-port` serves the metrics (`metrics 127.0.0.1:39795`), when it does.
  package var metricsAddress: String?
  package var status: ConnectionStatus = .connecting
  package var queue: String
  /// How the queue came to be: `declared classic`, `existing`.
  package var queueOrigin: String
  /// Ready messages and consumers on the queue, across every server process.
  package var queueStatus: (ready: UInt32, consumers: UInt32)?
  /// Prefetch for workers added from now on: 0 (unlimited) or 1…65535.
  package var prefetch: UInt16
  package var work: RPCWorkMode
  package var maximumN: Int
  /// Whether the workers are spread over several connections (`--spread`): each worker's
  /// link and node are its own, shown in its row.
  package var spreadOverNodes = false
  /// The key that adds a worker, as the empty table names it (`F5` in rpc-demo).
  package var addWorkerKey = "+"
  /// Short names of nodes by endpoint (`127.0.0.1:5681` → `n1`) for the node column, when
  /// the demo knows the cluster's nodes; otherwise the endpoints are shown.
  package var nodeNames: [String: String] = [:]
  package var asciiOnly = false
  /// A correlation id the screen selected (rpc-demo's client half): the worker computing or
  /// holding it is highlighted.
  package var highlightedCorrelationID: String?
  /// Whether the worker table lists the correlation ids each worker holds when room allows
  /// (rpc-demo, where the client's calls can be followed to a worker).
  package var showsHeldIDs = false
  /// True while the application drains its workers before quitting.
  package var draining = false

  package private(set) var stats = RPCServerStats(workers: [])
  package private(set) var log: Deque<RPCServerEvent> = []
  package private(set) var selected = 0
  /// The flash message and the help overlay.
  package private(set) var transient = TransientState()
  package var showHelp: Bool { transient.showsHelp }
  /// Whether the latest frame was too small to draw: only the quit keys work then.
  package internal(set) var tooSmall = false
  /// The latest notice about the link or a worker's consumer, under the summary until the
  /// next one (see ``apply(_:)-notice``).
  package internal(set) var latestNotice: (text: String, style: StyleRole)?
  private var throughput = ThroughputHistory()
  private var workerHistory: [Int: ThroughputHistory] = [:]
  /// Every worker's requests handled per second, removed ones included (the summary and
  /// the totals row), and each listed worker's: one computation, one window.
  private var overallRate = SampledRate()
  private var workerRates: [Int: SampledRate] = [:]
  /// The state column's recent widest, per form level.
  var stateWidths = StateColumnWidths()
  /// Workers asked for and not yet listed: until when each is announced as it appears (an
  /// add that failed, said by the application, is not awaited for ever).
  var addsAwaited: [NIODeadline] = []
  /// Workers asked to go and still listed (stopping).
  var removalsAwaited: Set<Int> = []

  package static let minimumSize = (width: 60, height: 14)
  /// How long an added worker is awaited to say it was added.
  static let addAwaitLimit = TimeAmount.seconds(10)
  static let logLimit = 200

  /// A screen for the server on `queue` (`queueOrigin` says whether it was adopted or
  /// declared), before any worker statistics arrive.
  package init(
    brokerURL: String, queue: String, queueOrigin: String, prefetch: UInt16, work: RPCWorkMode,
    maximumN: Int
  ) {
    self.brokerURL = brokerURL
    self.queue = queue
    self.queueOrigin = queueOrigin
    self.prefetch = prefetch
    self.work = work
    self.maximumN = maximumN
  }

  /// The keys of the screen; the footer and the help overlay are made from it.
  package static let keymap = Keymap<Action>([
    .init([.up, .down], .select, footer: "select", help: "select a worker"),
    .init([.character("+"), .character("a")], .add, footer: "add", help: "add a worker"),
    .init(
      [.character("-"), .character("d")], .remove, footer: "remove",
      help: "remove the selected worker after its current request"),
    .init(
      [.character("p"), .character(" ")], .togglePause, footer: "pause/resume",
      help: "pause (cancel its consumer) or resume the selected worker"),
    .init(
      [.character("[")], .prefetchDown, footer: nil,
      help: "lower the prefetch for new workers (unlimited, then 1000 down to 1)"),
    .init(
      [.character("]")], .prefetchUp, footer: "prefetch",
      help: "raise the prefetch for new workers (up to 1000, then unlimited)"),
    .init([.function(1), .character("?")], .help, footer: "help", help: "this help"),
    .init(
      [.character("q"), .control("c")], .quit, footer: "quit",
      help: "quit: drain every worker, then exit"),
  ])

  // MARK: - Feeding

  /// Adds a handled request to the log (newest first, at most `logLimit`).
  package mutating func apply(_ event: RPCServerEvent) {
    log.prepend(event)
    if log.count > Self.logLimit { log.removeLast() }
  }

  /// Takes a new statistics snapshot: worker rows, rates, throughput trends, the selection;
  /// says when a worker asked for has appeared or one removed has ended; expires the message.
  package mutating func update(stats: RPCServerStats, now: NIODeadline) {
    let listed = Set(self.stats.workers.map(\.id))
    let firstSnapshot = !overallRate.hasSamples
    self.stats = stats
    throughput.record(total: stats.handled, now: now)
    overallRate.record(total: stats.handled, now: now)
    for worker in stats.workers {
      workerHistory[worker.id, default: ThroughputHistory()].record(
        total: worker.totals.handled, now: now)
      if workerRates[worker.id] == nil, !firstSnapshot {
        // A worker added since the last snapshot started from nothing: what it handled
        // before this first sight counts in its rate, as it does in the summary's.
        workerRates[worker.id] = SampledRate()
        workerRates[worker.id]?.record(total: 0, now: now)
      }
      workerRates[worker.id, default: SampledRate()].record(total: worker.totals.handled, now: now)
    }
    stateWidths.record(
      (0..<4).map { level in
        stats.workers.map { worker in
          let forms = stateForms(worker)
          return forms[min(level, forms.count - 1)].cellWidth
        }.max() ?? 0
      }, now: now)
    let live = Set(stats.workers.map(\.id))
    workerHistory = workerHistory.filter { live.contains($0.key) }
    workerRates = workerRates.filter { live.contains($0.key) }
    selected = min(selected, max(0, stats.workers.count - 1))
    expireMessage(now: now)
    noteFinishedActions(appeared: live.subtracting(listed), live: live, now: now)
  }

  /// Requests handled since start, removed workers included.
  package var handledTotal: Int { stats.handled }

  /// Requests handled per second over ``RateWindow/seconds``, removed workers included.
  package var rate: Double { overallRate.perSecond }

  /// Worker `id`'s requests handled per second over ``RateWindow/seconds``.
  func rate(of worker: Int) -> Double { workerRates[worker]?.perSecond ?? 0 }

  /// Shows `text` in the message line until `seconds` after `now`.
  package mutating func say(
    _ text: String, style: StyleRole = .normal, now: NIODeadline, for seconds: Int64 = 5
  ) {
    transient.say(text, style: style, now: now, for: seconds)
  }

  /// Whether something moves (a busy worker, recent traffic, a message).
  package func isAnimating(now: NIODeadline) -> Bool {
    stats.workers.contains {
      switch $0.state {
      case .busy, .restoring, .stopping: true
      case .idle, .paused, .stopped: false
      }
    } || status.isAnimating(now: now) || !addsAwaited.isEmpty || !removalsAwaited.isEmpty
      || throughput.recentlyActive || transient.showsMessage(at: now) || draining
  }

  // MARK: - Keys

  /// Applies a key; returns what the caller must do with the server (add, remove, pause…).
  package mutating func handle(_ key: Key, now: NIODeadline) -> [Command] {
    // The screen says it is too small and that q quits: nothing else is taken blind.
    if tooSmall { return Self.keymap.action(for: key) == .quit ? [.quit] : [] }
    if transient.helpTakes(key) { return [] }
    let selectedWorker = stats.workers.indices.contains(selected) ? stats.workers[selected] : nil
    switch key {
    case .up:
      selected = max(0, selected - 1)
      return []
    case .down:
      selected = min(max(0, stats.workers.count - 1), selected + 1)
      return []
    default:
      break
    }
    switch Self.keymap.action(for: key) {
    case .add:
      guard !draining else { return [] }
      addsAwaited.append(now + Self.addAwaitLimit)
      say("adding a worker…", now: now)
      return [.addWorker]
    case .remove:
      guard let worker = selectedWorker, !removalsAwaited.contains(worker.id) else { return [] }
      removalsAwaited.insert(worker.id)
      say(
        "removing w\(worker.id): it finishes what it holds, then goes…",
        style: .warning, now: now)
      return [.removeWorker(id: worker.id)]
    case .togglePause:
      guard let worker = selectedWorker else { return [] }
      if case .stopping = worker.state, removalsAwaited.contains(worker.id) || draining {
        say("w\(worker.id) is stopping: it goes once it has answered what it holds", now: now)
        return []
      }
      if case .paused = worker.state {
        say("resuming w\(worker.id)", style: .ok, now: now)
        return [.resumeWorker(id: worker.id)]
      }
      say(
        "pausing w\(worker.id): its consumer is cancelled, the others take the load",
        style: .warning, now: now)
      return [.pauseWorker(id: worker.id)]
    case .prefetchDown:
      return setPrefetch(Prefetch.lowered(prefetch), unchanged: "the lowest", now: now)
    case .prefetchUp:
      return setPrefetch(Prefetch.raised(prefetch), unchanged: "the highest", now: now)
    case .help:
      transient.openHelp()
      return []
    case .quit:
      return [.quit]
    case .select, nil:
      return []
    }
  }

  /// Takes `value` as the prefetch for new workers, or says why it stays as it is.
  private mutating func setPrefetch(_ value: UInt16, unchanged reason: String, now: NIODeadline)
    -> [Command]
  {
    guard value != prefetch else {
      say("prefetch stays \(Prefetch.describe(prefetch)), \(reason)", now: now)
      return []
    }
    prefetch = value
    say("new workers get prefetch \(Prefetch.describe(prefetch))", now: now)
    return [.setPrefetch(prefetch)]
  }

  var visibleMessage: (text: String, style: StyleRole)? {
    transient.flash.map { ($0.text, $0.style) }
  }
  var throughputHistory: [Double] { throughput.perSecond }
  func history(of worker: Int) -> [Double] { workerHistory[worker]?.perSecond ?? [] }

  mutating func expireMessage(now: NIODeadline) { transient.expire(now: now) }
}

/// Requests per second, one sample per whole second, from a growing total.
struct ThroughputHistory: Sendable {
  private(set) var perSecond: [Double] = []
  private var secondStart: NIODeadline?
  private var totalAtSecondStart = 0
  private var lastTotal = 0

  var recentlyActive: Bool { (perSecond.last ?? 0) > 0 || lastTotal != totalAtSecondStart }

  mutating func record(total: Int, now: NIODeadline) {
    lastTotal = total
    guard var start = secondStart else {
      secondStart = now
      totalAtSecondStart = total
      return
    }
    while now - start >= .seconds(1) {
      perSecond.append(Double(total - totalAtSecondStart))
      totalAtSecondStart = total
      start = start + .seconds(1)
      if perSecond.count > 300 { perSecond.removeFirst() }
      if now - start > .seconds(300) { start = now }
    }
    secondStart = start
  }
}
