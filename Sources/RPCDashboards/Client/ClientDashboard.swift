import AMQPClient
import AMQPRPC
import DequeModule
import NIOCore
import TerminalUI

/// What the client screen shows, as a pure value: fed with client events, stats snapshots
/// and keys; rendered into a ``ScreenBuffer``. No curses, no I/O: tests drive it directly.
package struct ClientDashboard: Sendable {
  /// What the screen asks the application to do.
  package enum Command: Sendable, Hashable {
    case send([Int])
    /// Raw mode: send the text as it is.
    case sendText(String)
    /// Raw mode: send the text again with a 1 ms timeout and no deadline (its reply is late).
    case sendLateText(String)
    case injectUnknownReply
    case sendLateRequest
    case setTimeout(Duration)
    /// Write these calls to files (Ctrl-E, `:export`): the screen does the I/O.
    case export(CallExport)
    case quit
  }

  package enum Action: Hashable, Sendable {
    /// `history` and `scroll` are handled as editing keys; they are in the keymap for the
    /// footer and help only.
    case submit, clearLine, history, scroll, injectUnknown, sendLate
    /// `/` filters; Ctrl-F freezes and Ctrl-E exports (handled as editing keys: one help
    /// line for the three, so that the help fits at 80×24).
    case lists
    case help, quit
    /// F4: the selection of a call and its detail panel (handled before the keymap, see
    /// ClientDashboard+Selection.swift); in the keymap for the footer and help.
    case select
  }

  /// Shown in the header.
  package var brokerURL: String
  /// The TLS of an `amqps` connection (`TLSv1.3 TLS_AES_128_GCM_SHA256`); `nil` on plain TCP.
  package var tls: String?
  package var serverProduct: String
  package var callbackQueue: String
  package var queue: String
  package var status: ConnectionStatus = .connecting
  /// Consumers on the request queue; `.some(nil)` when the queue does not exist.
  package var workersListening: Int??
  /// Messages ready in the request queue (its `message_count`, polled with the consumers);
  /// `nil` until known. Graphed over time from 120×40 (see QueuePath).
  package var queueReady: Int?
  var readyPath = QueuePath()
  package var timeout: Duration
  package var asciiOnly = false
  /// Raw mode (`rpc-client --raw`): each line typed is sent as it is, and the lists show the
  /// request and the reply as text (see ClientDashboard+Raw.swift).
  package var rawMode = false {
    didSet { input.maximumLength = rawMode ? Self.rawInputLimit : InputLine().maximumLength }
  }
  /// The latest line sent in raw mode: what F3 sends again, late.
  var lastRawText: String?
  /// The largest n typed numbers may ask for: the server's bound when the screen knows it
  /// (rpc-demo sets its workers'), else ``NumberList/largestN``.
  package var maximumN = NumberList.largestN

  package internal(set) var input = InputLine()
  package internal(set) var stats: RPCClientStats?
  /// The ended calls listed, newest first, from the scroll position (at most
  /// ``historyLimit``): from the kept history (see ``CallLists``), filtered.
  package internal(set) var completed: Deque<CompletedCall> = []
  /// The newest discarded replies, newest first, from the same snapshot as ``stats``.
  package private(set) var discarded: Deque<DiscardedReply> = []
  /// The kept history, the filter and the frozen moment (see ClientDashboard+Lists.swift).
  var lists = CallLists()
  /// Calls ended per second over ``RateWindow/seconds``, from the snapshots.
  var completionRate = CompletionRate()
  package private(set) var latencyHistory: [Double] = []
  /// The flash message and the help overlay.
  package private(set) var transient = TransientState()
  package var showHelp: Bool { transient.showsHelp }
  /// Whether the latest frame was too small to draw: only the quit keys work then.
  package internal(set) var tooSmall = false
  /// What the latest break of the link (or the broker's flow control) did to the calls,
  /// and the callback queue after it: under the input line until the next one.
  package internal(set) var linkNote: (text: String, style: StyleRole)?
  /// Calls in flight at the latest break: ended as connection lost, or to be sent again.
  var breakCalls = (lost: 0, resent: 0)
  /// How many of the newest shown calls Completed scrolled past.
  var scroll = 0
  /// The selected call and its detail panel (see ClientDashboard+Selection.swift).
  package internal(set) var selection = CallSelection()
  private var secondStarted: NIODeadline?
  private var secondLatencies: (sum: Double, count: Int) = (0, 0)
  /// A line asking for more than ``confirmationThreshold`` requests, refused once: Enter
  /// again on it sends it; any other key forgets it.
  private var awaitingConfirmation: String?
  /// The `sending N requests` note and the count of calls sent once its calls are: it goes
  /// when a snapshot shows them sent and none in flight, rather than stay over the answers.
  private var sendingNote: (text: String, sent: Int)?

  /// The most completed calls and discarded replies kept for display.
  package static let historyLimit = RPCClientStats.recentLimit
  /// Lines asking for more requests than this are sent only on a second Enter.
  package static let confirmationThreshold = 5_000
  /// Seconds `:timeout` accepts: 1 ms to 24 h, as the commands' `--timeout`.
  static let typedTimeoutRange = 0.001...86_400.0
  /// The smallest usable screen.
  package static let minimumSize = (width: 50, height: 16)

  package init(
    brokerURL: String, serverProduct: String, callbackQueue: String, queue: String,
    timeout: Duration
  ) {
    self.brokerURL = brokerURL
    self.serverProduct = serverProduct
    self.callbackQueue = callbackQueue
    self.queue = queue
    self.timeout = timeout
  }

  /// The keys of the screen; the footer and the help overlay are made from it.
  package static let keymap = Keymap<Action>([
    .init(
      [.enter], .submit, footer: "send", help: "send the numbers typed (35, 30 31 32, 30x50, 1..40)"
    ),
    .init([.escape, .control("u")], .clearLine, footer: nil, help: "clear the line"),
    .init([.up, .down], .history, footer: "history", help: "previous / next input"),
    .init(
      [.pageUp, .pageDown], .scroll, footer: "scroll", help: "scroll all kept completed calls"),
    .init(
      [.character("/"), .control("f"), .control("e")], .lists, footer: nil,
      help: "filter (id: n:1..9 o:ok w:w2) · freeze · export calls"),
    .init(
      [.function(2)], .injectUnknown, footer: "unknown reply",
      help: "inject a reply with a foreign correlation id"),
    .init(
      [.function(3)], .sendLate, footer: "late reply",
      help: "send fib(27) with a 1 ms timeout: its reply comes late"),
    .init([.function(4)], .select, footer: "select", help: selectHelp),
    .init(
      [.function(1), .character("?")], .help, footer: "help",
      help: "this help (? only on an empty line)"),
    .init(
      [.character("q"), .control("c")], .quit, footer: "quit",
      help: "quit (q only on an empty line)"),
  ])

  // MARK: - Events

  /// Feeds one client event: only link events matter here. Ended calls and discarded
  /// replies are listed from the snapshot given to ``update(stats:now:)``, so that the lists
  /// and the counters beside them describe the same moment (events arrive through a task
  /// that lags behind during a burst).
  package mutating func apply(_ event: RPCClientEvent, now: NIODeadline) {
    switch event {
    case .sent, .completed, .discarded:
      break
    case .link(let link):
      applyLink(link)
      transient.clearMessage()  // the note shows at once
    }
  }

  /// Feeds the latest stats snapshot (each frame): the counters, the lists of ended calls
  /// and discarded replies, the rate and the round-trip sparkline all come from it.
  /// `wallMicroseconds` (since the Unix epoch) stamps the calls it lists first, for
  /// exports. While frozen, the history, the rate and the sparkline go on collecting; the
  /// screen keeps showing the frozen moment.
  package mutating func update(
    stats: RPCClientStats, now: NIODeadline,
    wallMicroseconds: Int64 = CallRecord.nowMicroseconds()
  ) {
    let previous = lists.latest
    rollLatencySecond(now: now)
    let ended = stats.ended
    // The calls ended since the previous snapshot are the newest of its list.
    let new = min(max(0, ended - (previous?.ended ?? 0)), stats.recentlyEnded.count)
    for call in stats.recentlyEnded.suffix(new) {
      if case .success(let reply) = call.result {
        recordLatency(reply.roundTrip.timeAmount, now: now)
      }
    }
    completionRate.record(ended: ended, at: now)
    absorbSnapshot(stats, atMicroseconds: wallMicroseconds)
    if lists.frozen == nil { show(stats) }
    followSelection(now: now)
  }

  /// Shows `stats`'s counters and discarded replies (the completed calls come from the
  /// history).
  mutating func show(_ stats: RPCClientStats) {
    let previous = self.stats
    if stats.discardedTotal != previous?.discardedTotal
      || discarded.count != stats.recentlyDiscarded.count
    {
      discarded = Deque(stats.recentlyDiscarded.reversed().map(DiscardedReply.init))
    }
    self.stats = stats
    if let note = sendingNote, stats.sent >= note.sent, stats.inFlight == 0 {
      if transient.flash?.text == note.text { transient.clearMessage() }
      sendingNote = nil
    }
  }

  /// Calls ended per second over the last ``RateWindow/seconds``.
  package var completionsPerSecond: Double {
    lists.frozen?.completionsPerSecond ?? completionRate.perSecond
  }

  /// Shows a short-lived message under the input line.
  package mutating func say(
    _ text: String, style: StyleRole = .normal, now: NIODeadline, for seconds: Int64 = 6
  ) {
    transient.say(text, style: style, now: now, for: seconds)
  }

  /// Whether something moves on screen, so the UI redraws often (else rarely, idle).
  package func isAnimating(now: NIODeadline) -> Bool {
    (stats?.inFlight ?? 0) > 0 || transient.showsMessage(at: now) || status.isAnimating(now: now)
  }

  // MARK: - Keys

  /// Handles a key; returns what the application must do.
  package mutating func handle(_ key: Key, now: NIODeadline) -> [Command] {
    // The screen says it is too small and that q quits: nothing else is taken blind.
    if tooSmall { return keymap.action(for: key) == .quit ? [.quit] : [] }
    if transient.helpTakes(key) { return [] }
    if lists.editingFilter { return handleFilterKey(key, now: now) }
    if let commands = handleSelectionKey(key, now: now) { return commands }
    if key != .enter, key != .resize, awaitingConfirmation != nil {
      // Anything but Enter withdraws the question.
      awaitingConfirmation = nil
      transient.clearMessage()
    }
    // q, ? and / are keys on an empty line, except in raw mode where every character is text.
    if case .character(let character) = key,
      rawMode || !(input.text.isEmpty && (character == "q" || character == "?" || character == "/"))
    {
      input.insert(character)
      if input.dropped > 0 { sayInputFull(now: now) }
      return []
    }
    if input.edit(key) { return [] }
    switch key {
    case .up: input.previous()
    case .down: input.next()
    case .pageUp, .pageDown: scrollCompleted(up: key == .pageUp)
    case .control("f"): toggleFreeze(now: now)
    case .control("e"): return exportShown(all: false, path: nil, now: now)
    default:
      switch keymap.action(for: key) {
      case .submit: return rawMode ? submitRaw(now: now) : submit(now: now)
      case .clearLine:
        input.clear()
        transient.clearMessage()  // what the message said was about the line cleared
      case .injectUnknown: return [.injectUnknownReply]
      case .sendLate: return rawMode ? sendLateRaw(now: now) : [.sendLateRequest]
      case .lists: startFilter(now: now)
      case .help: transient.openHelp()
      case .quit: return [.quit]
      case .history, .scroll, .select, nil: break
      }
    }
    return []
  }

  /// Says, as soon as a key did not fit, that the line is full (the characters beyond are
  /// not kept, and Enter will refuse the line).
  mutating func sayInputFull(now: NIODeadline) {
    say(
      "input full: \(input.maximumLength) characters — \(input.dropped) more not kept",
      style: .warning, now: now)
  }

  /// Sends the line, or refuses it with the reason and leaves it in place to be edited.
  private mutating func submit(now: NIODeadline) -> [Command] {
    let dropped = input.dropped
    let maximum = input.maximumLength
    guard dropped == 0 else {
      // Part of what was typed did not fit: sending the rest would send something else. The
      // line keeps what fitted, to be edited (refused again if sent unchanged).
      say(
        "input longer than \(maximum) characters (\(dropped) more did not fit) — nothing sent",
        style: .error, now: now)
      return []
    }
    let text = input.text.trimmingWhitespace()
    guard !text.isEmpty else {
      input.clear()
      transient.clearMessage()  // an empty line answers nothing: an old refusal goes
      return []
    }
    let commands =
      text.hasPrefix(":")
      ? command(String(text.dropFirst()), now: now) : numbers(text, now: now)
    // A refusal (no command, a message saying why) leaves the line to be edited.
    if commands != nil { _ = input.submit() }
    return commands ?? []
  }

  /// The send command for typed numbers; `nil` when refused (the message says why) or
  /// waiting for a second Enter.
  private mutating func numbers(_ text: String, now: NIODeadline) -> [Command]? {
    switch NumberList.parse(text, maximumN: maximumN) {
    case .failure(let error):
      say("\(error) — nothing sent", style: .error, now: now)
      return nil
    case .success(let numbers):
      if numbers.count > Self.confirmationThreshold, awaitingConfirmation != text {
        awaitingConfirmation = text
        say(
          "\(Format.count(numbers.count)) requests, \(Format.duration(timeout.timeAmount)) "
            + "timeout each — Enter again sends, Esc clears",
          style: .warning, now: now, for: 3_600)
        return nil
      }
      awaitingConfirmation = nil
      // Sending takes a moment for a large line: the counters say how far it got.
      let note = "sending \(Format.count(numbers.count)) request\(numbers.count == 1 ? "" : "s")"
      say(note, style: .ok, now: now, for: 2)
      sendingNote = (note, (stats?.sent ?? 0) + numbers.count)
      return [.send(numbers)]
    }
  }

  /// The commands a `:` line asks for; `nil` when refused (the message says why).
  private mutating func command(_ text: String, now: NIODeadline) -> [Command]? {
    let words = text.split(separator: " ")
    switch words.first {
    case "timeout":
      // `Double` reads `inf` and `nan` too; `contains` refuses them (NaN compares false).
      guard words.count == 2, let seconds = Double(words[1]),
        Self.typedTimeoutRange.contains(seconds)
      else {
        say(":timeout takes seconds from 0.001 to 86400, e.g. :timeout 2", style: .error, now: now)
        return nil
      }
      timeout = .seconds(seconds)
      say("timeout is now \(Format.duration(timeout.timeAmount))", style: .ok, now: now)
      return [.setTimeout(timeout)]
    case "filter": return filterCommand(String(text.dropFirst("filter".count)), now: now)
    case "freeze":
      toggleFreeze(now: now)
      return []
    case "export": return exportCommand(Array(words.dropFirst()), now: now)
    case "unknown": return [.injectUnknownReply]
    case "late": return [.sendLateRequest]
    case "q", "quit": return [.quit]
    default:
      say(
        "unknown command :\(text) — try :timeout 2, :filter w:w2, :freeze, :export, :quit",
        style: .error, now: now
      )
      return nil
    }
  }

  // MARK: - Latency sparkline

  private mutating func recordLatency(_ amount: TimeAmount, now: NIODeadline) {
    rollLatencySecond(now: now)
    secondLatencies.sum += Double(amount.nanoseconds) / 1e6
    secondLatencies.count += 1
  }

  /// Closes each whole second into one sparkline sample (mean round trip, 0 when idle).
  private mutating func rollLatencySecond(now: NIODeadline) {
    guard let started = secondStarted else {
      secondStarted = now
      return
    }
    var start = started
    while now - start >= .seconds(1) {
      latencyHistory.append(
        secondLatencies.count == 0 ? 0 : secondLatencies.sum / Double(secondLatencies.count))
      secondLatencies = (0, 0)
      start = start + .seconds(1)
      if latencyHistory.count > 300 { latencyHistory.removeFirst() }
      if now - start > .seconds(300) { start = now }
    }
    secondStarted = start
  }

  var visibleMessage: (text: String, style: StyleRole)? {
    transient.flash.map { ($0.text, $0.style) }
  }
  var scrollOffset: Int { scroll }

  /// The notes under the input line, each wrapped to two rows at most: the message in place
  /// of the latest link note, except while the link is in trouble (reconnecting, blocked,
  /// closed), when the link note stays and the message follows it.
  var noteMessages: [(text: String, style: StyleRole)] {
    guard let message = visibleMessage else { return linkNote.map { [$0] } ?? [] }
    guard let linkNote, status.isTrouble else { return [message] }
    return [linkNote, message]
  }

  mutating func expireMessage(now: NIODeadline) { transient.expire(now: now) }
  mutating func clearMessage() { transient.clearMessage() }
}

/// A finished call, as listed.
package struct CompletedCall: Sendable, Hashable {
  package var id: String
  package var n: Int?
  /// The request's text, for a call of raw mode.
  package var label: String?
  package var result: Result<RPCReply, RPCError>
  /// The request as published, the reply as it came and when the call ended, for the detail
  /// panel of a call scrolled back to in the history.
  package var request: RPCSentRequest?
  package var reply: RPCReceivedMessage?
  package var endedAtMicroseconds: Int64?

  init(_ call: RPCEndedCall) {
    self.init(id: call.correlationID, n: call.n, label: call.label, result: call.result)
    request = call.request
    reply = call.reply
    endedAtMicroseconds = call.endedAtMicroseconds
  }

  /// The call as the library reported it.
  var ended: RPCEndedCall {
    var call = RPCEndedCall(correlationID: id, n: n, result: result)
    call.label = label
    call.request = request
    call.reply = reply
    call.endedAtMicroseconds = endedAtMicroseconds
    return call
  }

  init(id: String, n: Int?, label: String? = nil, result: Result<RPCReply, RPCError>) {
    self.id = id
    self.n = n
    self.label = label
    self.result = result
  }
}

/// A discarded reply, as listed.
package struct DiscardedReply: Sendable, Hashable {
  package var kind: RPCDiscardKind
  package var id: String
  package var lateBy: Duration?

  init(_ reply: RPCDiscardedReply) {
    self.init(kind: reply.kind, id: reply.correlationID, lateBy: reply.lateBy)
  }

  init(kind: RPCDiscardKind, id: String, lateBy: Duration?) {
    self.kind = kind
    self.id = id
    self.lateBy = lateBy
  }
}
