import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards
@testable import TerminalUI

/// The client screen's numbers: the counters add up at every step of a burst and the
/// lists beside them come from the same snapshot; titles give the total next to what is
/// listed; the rate states its window.
@Suite struct ClientDashboardNumbersTests {
  let t0 = NIODeadline.uptimeNanoseconds(50_000_000_000)

  func dashboard() -> ClientDashboard { .forTests() }

  func render(_ board: inout ClientDashboard, _ size: (Int, Int), now: NIODeadline) -> [String] {
    var buffer = ScreenBuffer(width: size.0, height: size.1)
    board.render(into: &buffer, now: now)
    return buffer.trimmedLines
  }

  /// The stats line (`sent 40  ✓  in flight …`).
  func statsLine(_ lines: [String]) -> String? { lines.first { $0.hasPrefix(" sent ") } }

  /// A fixed pseudo-random sequence (SplitMix64), so every run drives the same burst.
  struct Steps: RandomNumberGenerator {
    var seed: UInt64
    mutating func next() -> UInt64 {
      seed &+= 0x9E37_79B9_7F4A_7C15
      var z = seed
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
  }

  func entry(_ id: String, n: Int, at now: NIODeadline, timeout: TimeAmount)
    -> PendingCallTable<CallWaiter>.Entry
  {
    .init(
      id: id, n: n, sentAt: now, deadline: now + timeout,
      waiter: CallWaiter(completion: .callback { _ in }, sentWallMicroseconds: 0))
  }

  /// A burst driven through the client's own accounting (sends, replies in any order,
  /// server errors, timeouts, unroutable and cancelled calls, late, duplicate and unknown
  /// replies, a lost link), a snapshot fed to the view model after every step: at every
  /// step the screen shows the check holding, and the completed list and its title agree
  /// with the counters beside them.
  @Test func theCountersAddUpAtEveryStepOfABurst() {
    var state = RPCClientState()
    var board = dashboard()
    var steps = Steps(seed: 12)
    var now = t0
    var sentIDs: [String] = []
    var waiting: [String] = []
    func send(_ count: Int) {
      for _ in 0..<count {
        let id = "b1ba27f0-\(sentIDs.count + 1)"
        let timeout: TimeAmount = steps.next(5) == 0 ? .milliseconds(20) : .seconds(30)
        let registered = state.sending(entry(id, n: 25, at: now, timeout: timeout))
        #expect(registered)
        sentIDs.append(id)
        waiting.append(id)
      }
    }
    func reply(_ id: String, error: Bool) {
      _ = state.replied(id: id, issuedByUs: sentIDs.contains(id), now: now) { entry in
        error
          ? .failure(RPCError(code: .serverError, message: "n too large", correlationID: id))
          : .success(
            RPCReply(
              correlationID: id, n: entry.n, value: "75025", worker: "w1",
              roundTrip: (now - entry.sentAt).duration, timing: nil))
      }
      waiting.removeAll { $0 == id }
    }
    send(1_200)
    for step in 0..<200 {
      now = now + .milliseconds(Int64(1 + steps.next(4)))
      switch steps.next(20) {
      case 0: send(1 + steps.next(30))
      case 1:
        for (entry, _) in state.expire(now: now) { waiting.removeAll { $0 == entry.id } }
      case 2:
        if let id = waiting.randomElement(using: &steps) {
          _ = state.fail(id: id, code: .unroutable, message: "no queue", now: now)
          waiting.removeAll { $0 == id }
        }
      case 3:
        if let id = waiting.randomElement(using: &steps) {
          _ = state.fail(id: id, code: .cancelled, message: "cancelled", now: now)
          waiting.removeAll { $0 == id }
        }
      case 4: reply("foreign-\(step)", error: false)
      case 5: if let id = sentIDs.randomElement(using: &steps) { reply(id, error: false) }
      case 6: if let id = waiting.randomElement(using: &steps) { reply(id, error: true) }
      default:
        for _ in 0..<(1 + steps.next(8)) {
          if let id = waiting.randomElement(using: &steps) { reply(id, error: false) }
        }
      }
      if step == 150 {
        for (entry, _) in state.failAll(.connectionLost, message: "link lost", now: now) {
          waiting.removeAll { $0 == entry.id }
        }
      }
      let snapshot = state.snapshot(now: now)
      board.update(stats: snapshot, now: now)
      let lines = render(&board, (120, 40), now: now)
      let stats = statsLine(lines) ?? ""
      #expect(stats.hasPrefix(" sent \(snapshot.sent)  ✓  in flight \(snapshot.inFlight)  "))
      #expect(stats.contains("  ok \(snapshot.count(.ok))  "))
      let ended = snapshot.ended
      #expect(board.completed.count == min(ended, ClientDashboard.historyLimit))
      // The history keeps every call beyond the 1,000 a snapshot lists.
      let title = "Completed (\(Format.count(ended))), newest first"
      #expect(lines.contains { $0.contains(title) }, "step \(step): \(title)")
      #expect(board.completed.first?.id == snapshot.recentlyEnded.last?.correlationID)
      #expect(waiting.count == snapshot.inFlight)
    }
    #expect(state.snapshot(now: now).ended > ClientDashboard.historyLimit)
  }

  @Test func aSnapshotThatDoesNotAddUpShowsTheDifference() {
    var board = dashboard()
    let latency = LatencySummary.empty
    board.update(
      stats: RPCClientStats(
        sent: 10, outcomes: [.ok: 5, .timedOut: 1], discarded: [:], inFlight: 1,
        oldestInFlight: [], latency: latency, completionsPerSecond: 0),
      now: t0)
    #expect(
      statsLine(render(&board, (120, 40), now: t0))?.hasPrefix(" sent 10  ✗ 3 unaccounted") == true)
    board.update(
      stats: RPCClientStats(
        sent: 4, outcomes: [.ok: 5], discarded: [:], inFlight: 1, oldestInFlight: [],
        latency: latency, completionsPerSecond: 0),
      now: t0)
    #expect(
      statsLine(render(&board, (120, 40), now: t0))?.hasPrefix(" sent 4  ✗ 2 too many") == true)
    board.asciiOnly = true
    #expect(board.accountingCheck?.text == "!= 2 too many")
  }

  @Test func titlesGiveTheTotalNextToWhatIsListed() {
    var board = dashboard()
    var state = RPCClientState()
    for index in 1...2_345 {
      _ = state.sending(entry("c-\(index)", n: 1, at: t0, timeout: .seconds(30)))
      _ = state.fail(id: "c-\(index)", code: .timedOut, message: "no reply", now: t0)
      _ = state.replied(id: "c-\(index)", issuedByUs: true, now: t0) { _ in
        .failure(
          RPCError(code: .cancelled, message: "", correlationID: ""))
      }
    }
    for index in 1...1_500 {
      _ = state.sending(entry("w-\(index)", n: 1, at: t0, timeout: .seconds(30)))
    }
    board.update(stats: state.snapshot(now: t0), now: t0)
    let screen = render(&board, (200, 50), now: t0).joined(separator: "\n")
    #expect(screen.contains("Completed (1,000 shown of 2,345), newest first"))
    // Beside Completed, In flight's title drops its ", oldest first" rather than be cut.
    #expect(screen.contains("In flight (1,000 shown of 1,500)  "))
    #expect(
      screen.contains(
        "Discarded replies: late 2,345 · unknown 0 · duplicate 0 (1,000 shown of 2,345)"))
  }

  @Test func theRateIsMeasuredOverTheStatedWindowFromTheSnapshots() {
    var board = dashboard()
    // 40 calls end each second for 10 s, snapshots ten times a second; then nothing for 6 s.
    let ended = 400
    for tick in 0...100 {
      let now = t0 + .milliseconds(Int64(tick) * 100)
      board.update(
        stats: RPCClientStats(
          sent: tick * 4, outcomes: [.ok: tick * 4], discarded: [:], inFlight: 0,
          oldestInFlight: [], latency: .empty, completionsPerSecond: 0),
        now: now)
    }
    #expect(RateWindow.seconds == 5)
    #expect(abs(board.completionsPerSecond - 40) < 0.5)
    let lines = render(&board, (120, 40), now: t0 + .seconds(10))
    #expect(statsLine(lines)?.hasSuffix("rate 40.0/s over 5 s") == true)
    let idle = t0 + .seconds(16)
    board.update(
      stats: RPCClientStats(
        sent: ended, outcomes: [.ok: ended], discarded: [:], inFlight: 0, oldestInFlight: [],
        latency: .empty, completionsPerSecond: 0),
      now: idle)
    #expect(board.completionsPerSecond == 0)
    #expect(
      statsLine(render(&board, (120, 40), now: idle))?.hasSuffix("rate 0.0/s over 5 s") == true)
  }

  func snapshot(ok count: Int, roundTrip: TimeAmount = .microseconds(2_500)) -> RPCClientStats {
    let ended = (1...max(1, count)).prefix(count).map { index in
      RPCEndedCall(
        correlationID: "c-\(index)", n: 1,
        result: .success(
          RPCReply(
            correlationID: "c-\(index)", n: 1, value: "1", worker: nil,
            roundTrip: roundTrip.duration,
            timing: nil)))
    }
    return RPCClientStats(
      sent: count, outcomes: count == 0 ? [:] : [.ok: count], discarded: [:], inFlight: 0,
      oldestInFlight: [], latency: .empty, completionsPerSecond: 0,
      recentlyEnded: .init(ended))
  }

  @Test func rowsInViewStayStillWhileScrolledAsNewCallsEnd() throws {
    var board = dashboard()
    board.update(stats: snapshot(ok: 40), now: t0)
    _ = board.handle(.pageUp, now: t0)
    let before = render(&board, (80, 24), now: t0)
    let title = try #require(before.firstIndex { $0.contains("Completed 11–") }, "\(before)")
    board.update(stats: snapshot(ok: 45), now: t0)
    let after = render(&board, (80, 24), now: t0)
    #expect(after[title].contains("Completed 16–"), "\(after)")
    // The first row under the headings shows the same call as before.
    #expect(after[title + 2] == before[title + 2])
  }

  @Test func theRoundTripSparklineIsFedFromTheSnapshots() {
    var board = dashboard()
    board.update(stats: snapshot(ok: 0), now: t0)
    var stats = snapshot(ok: 4, roundTrip: .milliseconds(3))
    board.update(stats: stats, now: t0 + .milliseconds(500))
    // Only the call ended since the previous snapshot counts: the mean is (4 × 3 + 8) / 5.
    stats.sent += 1
    stats.outcomes[.ok, default: 0] += 1
    stats.recentlyEnded.append(
      RPCEndedCall(
        correlationID: "c-5", n: 1,
        result: .success(
          RPCReply(
            correlationID: "c-5", n: 1, value: "1", worker: nil, roundTrip: .milliseconds(8),
            timing: nil))))
    board.update(stats: stats, now: t0 + .milliseconds(900))
    board.update(stats: stats, now: t0 + .seconds(1))
    #expect(board.latencyHistory == [4])
  }

  @Test(arguments: [
    (0, "0"), (999, "999"), (1_000, "1,000"), (2_345, "2,345"), (100_000, "100,000"),
    (1_234_567, "1,234,567"), (-1_000, "-1,000"), (Int.min, "-9,223,372,036,854,775,808"),
  ])
  func countsAreGroupedByThousands(value: Int, text: String) {
    #expect(Format.count(value) == text)
  }
}
