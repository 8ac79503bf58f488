import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards
@testable import TerminalUI

@Suite struct ClientDashboardTests {
  let t0 = NIODeadline.uptimeNanoseconds(50_000_000_000)

  func dashboard() -> ClientDashboard { .forTests(workersListening: 3) }

  /// A snapshot whose counters are those of the lists given, so they add up.
  func stats(
    ended: [RPCEndedCall] = [], discarded: [RPCDiscardedReply] = [],
    inFlight: [RPCInFlightCall] = []
  ) -> RPCClientStats {
    let ok = ended.filter { if case .success = $0.result { true } else { false } }.count
    return .addingUp(
      ended: ended, inFlight: inFlight, discarded: discarded,
      latency: LatencySummary(
        count: UInt64(ok), p50: 1_200, p90: 2_500, p99: 4_000, p999: 4_000, max: 4_100, mean: 1_500),
      completionsPerSecond: 2)
  }

  func ok(_ id: String, _ value: String, n: Int = 10) -> RPCEndedCall {
    RPCEndedCall(correlationID: id, n: n, result: .success(reply(id, value)))
  }

  func render(_ dashboard: inout ClientDashboard, width: Int = 80, height: Int = 24) -> [String] {
    var buffer = ScreenBuffer(width: width, height: height)
    dashboard.render(into: &buffer, now: t0)
    return buffer.trimmedLines
  }

  func reply(_ id: String, _ value: String, worker: String = "host-1/w2") -> RPCReply {
    RPCReply(
      correlationID: id, n: 10, value: value, worker: worker, roundTrip: .microseconds(2_500),
      timing: RPCTiming(
        queueWait: .microseconds(1_000), service: .microseconds(500),
        returnTrip: .microseconds(1_000)))
  }

  @Test func screenAt80x24ShowsEveryPane() {
    var board = dashboard()
    board.update(
      stats: stats(
        ended: [
          ok("ab12-1", "55"),
          RPCEndedCall(
            correlationID: "ab12-2", n: 40,
            result: .failure(
              RPCError(code: .timedOut, message: "no reply within 1 ms", correlationID: "ab12-2"))),
        ],
        discarded: [
          RPCDiscardedReply(kind: .late, correlationID: "ab12-2", lateBy: .milliseconds(7)),
          RPCDiscardedReply(kind: .unknown, correlationID: "foreign-1", lateBy: nil),
        ],
        inFlight: [
          RPCInFlightCall(
            correlationID: "ab12-3", n: 35, age: .milliseconds(120), timeLeft: .seconds(29))
        ]),
      now: t0)
    let lines = render(&board)
    #expect(
      lines == [
        " rpc-client │ connected │ workers 3 │ timeout 30.00 s │ reply_to amq.gen-abc",
        " fib(n)>",
        " type numbers: 35 · 30 31 32 · 30x50 · 1..40 — :timeout 2 — F2/F3 demos — ? help",
        " sent 3  ✓  in flight 1  ok 1  error 0  timeout 1  lost 0  rate 0.0/s over 5 s",
        " round trip  p50 1.20 ms  p90 2.50 ms  p99 4.00 ms  max 4.10 ms",
        // In flight's time left gives way to the worker that answered, and its server.
        "In flight (1), oldest first   Completed (2), newest first · w on host-1",
        "correlation id   n       age  correlation id  n result round trip worker",
        "ab12-3          35    120 ms  ab12-2         40 timed out: no reply within 1 ms",
        "                              ab12-1         10 55        2.50 ms w2",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "Discarded replies: late 1 · unknown 1 · duplicate 0",
        "kind       correlation id  detail",
        "unknown    foreign-1       correlation id was never ours",
        "late       ab12-2          late by 7.00 ms: its call had already ended",
        "Enter send  ↑/↓ history  PgUp/PgDn scroll  F2 unknown  F3 late  ? help  q quit",
      ])
  }

  @Test func wideScreenSplitsInFlightAndCompletedAndShowsTheTimingSplit() {
    var board = dashboard()
    board.update(stats: stats(ended: [ok("ab12-1", "55")]), now: t0)
    let lines = render(&board, width: 160, height: 30)
    #expect(lines[5].hasPrefix("In flight (0), oldest first"))
    #expect(lines[5].contains("Completed (1), newest first"))
    #expect(lines[7].contains("55"))
    #expect(lines[7].contains("host-1/w2"))
    #expect(lines[7].contains("1.00 ms / 0.50 ms / 1.00 ms"))
  }

  @Test func typedNumbersBecomeOneSendCommand() {
    var board = dashboard()
    for character in "30x3 5" { _ = board.handle(.character(character), now: t0) }
    #expect(board.handle(.enter, now: t0) == [.send([30, 30, 30, 5])])
    #expect(board.input.text.isEmpty)
    #expect(board.input.history == ["30x3 5"])
  }

  @Test func invalidInputIsRejectedInPlaceAndSendsNothing() {
    var board = dashboard()
    for character in "abc" { _ = board.handle(.character(character), now: t0) }
    #expect(board.handle(.enter, now: t0).isEmpty)
    let lines = render(&board)
    #expect(lines[2] == " \"abc\" is not a whole number from 0 to 92 — nothing sent")
    #expect(board.input.text == "abc")  // left to be edited
    for text in ["-3", "99999999999999999999", "5..2"] {
      _ = board.handle(.escape, now: t0)
      for character in text { _ = board.handle(.character(character), now: t0) }
      #expect(board.handle(.enter, now: t0).isEmpty, "\(text)")
      #expect(board.input.text == text)
    }
  }

  @Test func qAndQuestionMarkAreKeysOnlyOnAnEmptyLine() {
    var board = dashboard()
    #expect(board.handle(.character("q"), now: t0) == [.quit])
    _ = board.handle(.character("1"), now: t0)
    #expect(board.handle(.character("q"), now: t0).isEmpty)
    #expect(board.input.text == "1q")
    #expect(board.handle(.control("c"), now: t0) == [.quit])
  }

  @Test func commandsSetTheTimeoutAndTriggerDemos() {
    var board = dashboard()
    for character in ":timeout 2" { _ = board.handle(.character(character), now: t0) }
    #expect(board.handle(.enter, now: t0) == [.setTimeout(.seconds(2))])
    #expect(board.timeout == .seconds(2))
    #expect(board.handle(.function(2), now: t0) == [.injectUnknownReply])
    #expect(board.handle(.function(3), now: t0) == [.sendLateRequest])
    for character in ":bogus" { _ = board.handle(.character(character), now: t0) }
    #expect(board.handle(.enter, now: t0).isEmpty)
    #expect(render(&board)[2].contains("unknown command :bogus"))
  }

  @Test func historyRecallsEarlierInput() {
    var board = dashboard()
    for text in ["10", "20"] {
      for character in text { _ = board.handle(.character(character), now: t0) }
      _ = board.handle(.enter, now: t0)
    }
    _ = board.handle(.up, now: t0)
    #expect(board.input.text == "20")
    _ = board.handle(.up, now: t0)
    #expect(board.input.text == "10")
    _ = board.handle(.down, now: t0)
    _ = board.handle(.down, now: t0)
    #expect(board.input.text.isEmpty)
  }

  @Test func helpOverlayListsEveryBindingOfTheFooterKeymap() {
    var board = dashboard()
    _ = board.handle(.character("?"), now: t0)
    let screen = render(&board, width: 100, height: 30).joined(separator: "\n")
    for binding in ClientDashboard.keymap.bindings {
      #expect(screen.contains(binding.help), "help for \(binding.keys)")
    }
    _ = board.handle(.character("x"), now: t0)  // any key closes it
    #expect(!render(&board, width: 100, height: 30).joined().contains("rpc-client help"))
  }

  @Test func tooSmallTerminalSaysWhatItNeeds() {
    var board = dashboard()
    let lines = render(&board, width: 40, height: 10)
    #expect(lines[0] == "terminal too small: need 50×16,")
    #expect(lines[1] == "have 40×10. q quits.")
  }

  @Test func scrollingMovesThroughCompletedCalls() {
    var board = dashboard()
    board.update(stats: stats(ended: (1...40).map { ok("c-\($0)", "1", n: 1) }), now: t0)
    // Completed is beside In flight: its first row is under the headings.
    #expect(render(&board)[7].contains("c-40 "))
    _ = board.handle(.pageUp, now: t0)
    let scrolled = render(&board)
    #expect(scrolled[5].contains("Completed 11–24 of 40"))
    #expect(scrolled[7].contains("c-30 "))
  }

  @Test func animatesOnlyWhileSomethingMoves() {
    var board = dashboard()
    board.update(stats: stats(), now: t0)
    #expect(!board.isAnimating(now: t0))
    board.update(
      stats: stats(
        inFlight: [RPCInFlightCall(correlationID: "x", n: 1, age: .zero, timeLeft: .seconds(1))]),
      now: t0)
    #expect(board.isAnimating(now: t0))
  }
}
