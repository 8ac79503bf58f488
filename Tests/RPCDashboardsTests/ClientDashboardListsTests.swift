import NIOCore
import Testing

@testable import AMQPRPC
@testable import RPCDashboards
@testable import TerminalUI

/// The client screen's history, filter, freeze and export, drawn at 80×24 and 120×40.
@Suite struct ClientDashboardListsTests {
  let t0 = NIODeadline.uptimeNanoseconds(50_000_000_000)

  /// Call `index` answered by worker w1…w4 on `vm-9`.
  static func call(_ index: Int) -> RPCEndedCall {
    RPCEndedCall(
      correlationID: "c-\(index)", n: 20 + index % 10,
      result: .success(
        RPCReply(
          correlationID: "c-\(index)", n: 20 + index % 10, value: "\(index)",
          worker: "vm-9/w\(1 + index % 4)", roundTrip: .microseconds(2_500), timing: nil)))
  }

  /// A snapshot after calls 1...`ended`, listing the newest 1,000.
  static func snapshot(ended: Int) -> RPCClientStats {
    let listed = max(1, ended - RPCClientStats.recentLimit + 1)...max(1, ended)
    return RPCClientStats(
      sent: ended, outcomes: [.ok: ended], discarded: [:], inFlight: 0, oldestInFlight: [],
      latency: .empty, completionsPerSecond: 0, recentlyEnded: .init(listed.map(call)))
  }

  /// A board fed snapshots of 500 more calls each up to `ended`.
  func board(ended: Int) -> ClientDashboard {
    var board = ClientDashboard.forTests(workersListening: 4)
    for count in stride(from: 500, through: ended, by: 500) {
      board.update(stats: Self.snapshot(ended: count), now: t0, wallMicroseconds: 0)
    }
    return board
  }

  func lines(_ board: inout ClientDashboard, _ width: Int, _ height: Int) -> [String] {
    ScreenRendering.lines(of: &board, width: width, height: height, now: t0)
  }

  func type(_ text: String, into board: inout ClientDashboard) {
    for character in text { _ = board.handle(.character(character), now: t0) }
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func pagingGoesBeyondTheNewestThousand(width: Int, height: Int) throws {
    var board = board(ended: 3_000)
    #expect(lines(&board, width, height).contains { $0.contains("Completed (3,000)") })
    for _ in 0..<250 { _ = board.handle(.pageUp, now: t0) }
    let screen = lines(&board, width, height)
    let title = try #require(screen.firstIndex { $0.contains("Completed 2,50") }, "\(screen)")
    #expect(screen[title].contains(" of 3,000"))
    // The oldest calls show: beyond the 1,000 the latest snapshot lists.
    #expect(screen[title + 2].contains("c-500 "), "\(screen)")
    #expect(board.completed.first?.id == "c-\(3_000 - board.scrollOffset)")
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func slashFiltersLiveAndTitlesSayHowManyMatch(width: Int, height: Int) throws {
    var board = board(ended: 2_000)
    _ = board.handle(.character("/"), now: t0)
    #expect(board.isEditingFilter)
    type("w:w2", into: &board)
    // Live while typing: w:w2 keeps a quarter.
    var screen = lines(&board, width, height).joined(separator: "\n")
    #expect(screen.contains("filter> w:w2"), "\(screen)")
    #expect(screen.contains("filter \"w:w2\" 500 of 2,000"), "\(screen)")
    #expect(screen.contains("filter: 500 of 2,000 calls match — Enter keeps, Esc clears"))
    #expect(board.completed.allSatisfy { $0.worker == "vm-9/w2" })
    _ = board.handle(.enter, now: t0)
    #expect(!board.isEditingFilter)
    screen = lines(&board, width, height).joined(separator: "\n")
    #expect(screen.contains("filter \"w:w2\" 500 of 2,000"), "\(screen)")
    #expect(screen.contains("fib(n)>"))
    // New calls that match join the count.
    board.update(stats: Self.snapshot(ended: 2_100), now: t0, wallMicroseconds: 0)
    #expect(lines(&board, width, height).joined().contains("filter \"w:w2\" 525 of 2,100"))
    // An invalid term says why and filters nothing.
    _ = board.handle(.character("/"), now: t0)
    type(" n:9..1", into: &board)
    screen = lines(&board, width, height).joined(separator: "\n")
    #expect(screen.contains("empty range"), "\(screen)")
    #expect(board.filter == nil)
    #expect(screen.contains("Completed (2,100)"))
    _ = board.handle(.escape, now: t0)
    #expect(board.filter == nil && !board.isEditingFilter)
  }

  @Test func filterCommandAndClearingIt() {
    var board = board(ended: 1_000)
    type(":filter n:21..22 o:ok", into: &board)
    _ = board.handle(.enter, now: t0)
    #expect(board.filter?.text == "n:21..22 o:ok")
    #expect(lines(&board, 120, 40).joined().contains("filter \"n:21..22 o:ok\" 200 of 1,000"))
    type(":filter", into: &board)
    _ = board.handle(.enter, now: t0)
    #expect(board.filter == nil)
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func freezeKeepsTheScreenWhileCollectionGoesOn(width: Int, height: Int) throws {
    var board = board(ended: 1_000)
    _ = board.handle(.control("f"), now: t0)
    #expect(board.isFrozen)
    let frozen = lines(&board, width, height)
    board.update(stats: Self.snapshot(ended: 1_500), now: t0, wallMicroseconds: 0)
    let later = lines(&board, width, height)
    // The counters and the rows stay; the marker says how many ended since.
    #expect(later.first { $0.hasPrefix(" sent ") } == frozen.first { $0.hasPrefix(" sent ") })
    #expect(later.contains { $0.contains("FROZEN +500 · Completed (1,000)") }, "\(later)")
    #expect(board.completed.first?.id == "c-1000")
    // Filtering and typing still work while frozen.
    type(":filter w:w1", into: &board)
    _ = board.handle(.enter, now: t0)
    #expect(lines(&board, width, height).joined().contains("filter \"w:w1\" 250 of 1,000"))
    // Live again: caught up at once.
    _ = board.handle(.control("f"), now: t0)
    #expect(!board.isFrozen)
    #expect(board.completed.first?.id == "c-1500")
    let live = lines(&board, width, height)
    #expect(live.joined().contains("filter \"w:w1\" 375 of 1,500"), "\(live)")
    #expect(live.first { $0.hasPrefix(" sent ") }?.hasPrefix(" sent 1500") == true)
  }

  /// The request queue's graph (from 120×40) freezes with the rest; sampling goes on.
  @Test func freezeKeepsTheQueueGraphToo() {
    var board = board(ended: 1_000)
    board.queueReady = 7
    _ = lines(&board, 120, 40)
    _ = board.handle(.control("f"), now: t0)
    board.queueReady = 16_515
    let frozen = lines(&board, 120, 40).joined(separator: "\n")
    #expect(frozen.contains("queue ready 7 "), "\(frozen)")
    #expect(!frozen.contains("16515"))
    _ = board.handle(.control("f"), now: t0)
    #expect(lines(&board, 120, 40).joined().contains("queue ready 16515"))
  }

  @Test func exportTakesEveryShownCallNotJustTheRowsOnScreen() throws {
    var board = board(ended: 3_000)
    type(":filter w:w3", into: &board)
    _ = board.handle(.enter, now: t0)
    let commands = board.handle(.control("e"), now: t0)
    guard case .export(let export)? = commands.first else {
      Issue.record("\(commands)")
      return
    }
    #expect(export.calls.count == 750)
    #expect(export.records.allSatisfy { $0.worker == "vm-9/w3" })
    #expect(export.records.first?.correlationID == "c-2")  // oldest first
    #expect(export.path == nil)
    #expect(export.note.contains("filter \"w:w3\""))
    type(":export all /tmp/x", into: &board)
    guard case .export(let all)? = board.handle(.enter, now: t0).first else {
      Issue.record("no export")
      return
    }
    #expect(all.calls.count == 3_000)
    #expect(all.path == "/tmp/x")
  }

  @Test func exportSaysWhatTheHistoryCouldNotKeep() {
    var board = ClientDashboard.forTests()
    board.update(stats: Self.snapshot(ended: 2_345), now: t0, wallMicroseconds: 0)
    guard case .export(let export)? = board.handle(.control("e"), now: t0).first else {
      Issue.record("no export")
      return
    }
    #expect(export.calls.count == 1_000)
    #expect(export.note.contains("1,345 ended too fast to be listed"))
    #expect(lines(&board, 120, 40).joined().contains("Completed (1,000 shown of 2,345)"))
  }

  @Test func theHelpAndFooterStayWholeAt80x24() {
    var board = board(ended: 10)
    _ = board.handle(.character("?"), now: t0)
    let screen = lines(&board, 80, 24).joined(separator: "\n")
    #expect(screen.contains("/ ^F ^E"))
    #expect(screen.contains("any key closes this help"))
    _ = board.handle(.character("x"), now: t0)
    let footer = lines(&board, 80, 24).last ?? ""
    #expect(footer.contains("Enter send") && footer.contains("? help") && footer.contains("q quit"))
  }

  @Test func theDemoHasTheSameKeys() {
    var demo = ScreenFixtures.demo()
    let keys: [Key] = [
      .character("/"), .character("w"), .character(":"), .character("w"), .character("1"), .enter,
    ]
    for key in keys {
      _ = demo.handle(key, now: t0)
    }
    #expect(demo.client.filter?.text == "w:w1")
    _ = demo.handle(.control("f"), now: t0)
    #expect(demo.client.isFrozen)
    let commands = demo.handle(.control("e"), now: t0)
    guard case .client(.export(let export))? = commands.first else {
      Issue.record("\(commands)")
      return
    }
    #expect(!export.calls.isEmpty)
    #expect(export.calls.allSatisfy { $0.call.worker?.hasSuffix("/w1") == true })
  }
}
