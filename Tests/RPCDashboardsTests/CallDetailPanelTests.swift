import AMQPProtocol
import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// F4 selects a call, Enter opens its detail panel: the properties, headers, bodies and the
/// timeline; the selection follows the call by id; hostile replies render bounded.
@Suite struct CallDetailPanelTests {
  let now = ScreenFixtures.now

  /// F4 then `keys`, on `board`.
  func press(_ keys: [Key], on board: inout ClientDashboard) {
    for key in keys { _ = board.handle(key, now: now) }
  }

  @Test func f4SelectsTheOldestCallInFlightAndEnterOpensItsPanel() {
    var board = CallDetailFixtures.client()
    press([.function(4)], on: &board)
    #expect(board.isSelecting)
    #expect(board.selection.list == .inFlight)
    #expect(board.selection.id == "4ac5f75d-3")
    press([.enter], on: &board)
    #expect(board.selection.panelOpen)
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(text.contains("Call 4ac5f75d-3 · in flight 120 ms"))
    #expect(text.contains("sent, no reply yet (queued or at a worker)"))
    #expect(text.contains("published          12:03:04.000000"))
    #expect(text.contains("x-rpc-deadline-us"))
  }

  @Test func enterOnACompletedCallShowsItsPropertiesHeadersBodiesAndTimeline() {
    var board = CallDetailFixtures.client()
    // Tab: In flight → Completed (newest first: -2, then -1).
    press([.function(4), .tab, .down, .enter], on: &board)
    #expect(board.selection.id == "4ac5f75d-1")
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    for expected in [
      "Call 4ac5f75d-1 · completed: ok",
      "correlation_id     4ac5f75d-1",
      "reply_to           amq.gen-Xk2vQ9dLr0bYqW3nF7sT1g",
      "expiration         30000 (ms)",
      "x-rpc-deadline-us  1764504214000000 = 12:03:34.000000, +30.00 s",
      "x-rpc-worker       \"vm-17118/w2\"",
      "delivered          12:03:04.001200  +1.20 ms queue wait",
      "replied            12:03:04.041410  +40.2 ms service",
      "matched            12:03:04.041720  +0.31 ms return trip",
      "0000  33 35",
      "0000  39 32 32 37 34 36 35",
    ] {
      #expect(text.contains(expected), "missing \(expected)")
    }
  }

  @Test func theSelectedRowAndItsIdElsewhereAreHighlighted() {
    var board = CallDetailFixtures.client()
    press([.function(4)], on: &board)
    let buffer = ScreenRendering.buffer(of: &board, width: 120, height: 40)
    // In flight's row (the first) is selected; nothing else is.
    let selected = (0..<buffer.height).filter { row in
      (0..<buffer.width).contains { buffer[row, $0].style == .selected }
    }
    #expect(selected.count == 1)
    #expect(selected.first.map { buffer.lines[$0].contains("4ac5f75d-3") } == true)
  }

  @Test func theSelectionFollowsACallFromInFlightToCompleted() {
    var board = CallDetailFixtures.client()
    press([.function(4)], on: &board)
    #expect(board.selection.list == .inFlight)
    board.update(
      stats: CallDetailFixtures.stats(
        inFlight: [], completed: ["4ac5f75d-1", "4ac5f75d-2", "4ac5f75d-3"]),
      now: now + .seconds(1))
    #expect(board.selection.id == "4ac5f75d-3")
    #expect(board.selection.list == .completed)
    #expect(!board.selection.gone)
    press([.enter], on: &board)
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(text.contains("Call 4ac5f75d-3 · completed: ok"))
  }

  @Test func aCallThatLeavesTheKeptListsIsSaidToHaveLeft() {
    var board = CallDetailFixtures.client()
    press([.function(4)], on: &board)
    board.update(
      stats: CallDetailFixtures.stats(inFlight: [], completed: ["4ac5f75d-9"]),
      now: now + .seconds(1))
    #expect(board.selection.gone)
    #expect(board.selection.id == "4ac5f75d-3")
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(text.contains("4ac5f75d-3 has left the kept lists"))
  }

  @Test func escClosesThePanelThenLeavesSelection() {
    var board = CallDetailFixtures.client()
    press([.function(4), .enter], on: &board)
    #expect(board.selection.panelOpen)
    press([.escape], on: &board)
    #expect(!board.selection.panelOpen)
    #expect(board.isSelecting)
    press([.escape], on: &board)
    #expect(!board.isSelecting)
    // Typing goes to the input line again.
    press([.character("3")], on: &board)
    #expect(board.input.text == "3")
  }

  @Test func keysInSelectionDoNotTypeIntoTheInputLine() {
    var board = CallDetailFixtures.client()
    press([.function(4), .character("5"), .character("x")], on: &board)
    #expect(board.input.text.isEmpty)
    #expect(board.handle(.character("q"), now: now) == [.quit])
  }

  @Test func theDiscardedReplyShowsItsPropertiesAndRedelivered() {
    var board = CallDetailFixtures.client()
    press([.function(4), .tab, .tab, .enter], on: &board)
    #expect(board.selection.list == .discarded)
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(text.contains("Reply foreign-1a2b3c4d · discarded: unknown"))
    #expect(text.contains("redelivered yes"))
    #expect(text.contains("correlation_id     foreign-1a2b3c4d"))
  }

  @Test func aLateReplysPanelShowsTheCallItCameTooLateFor() {
    var board = ClientDashboard.forTests()
    var timedOut = RPCEndedCall(
      correlationID: "4ac5f75d-7", n: 27,
      result: .failure(
        RPCError(code: .timedOut, message: "no reply within 1.00 ms", correlationID: "4ac5f75d-7")))
    timedOut.request = CallDetailFixtures.request("4ac5f75d-7", n: 27)
    timedOut.endedAtMicroseconds = CallDetailFixtures.published + 1_000
    let late = RPCDiscardedReply(
      kind: .late, correlationID: "4ac5f75d-7", lateBy: .milliseconds(38),
      message: CallDetailFixtures.replyMessage("4ac5f75d-7"))
    board.update(
      stats: .addingUp(
        ended: [timedOut], discarded: [late], latency: .empty, completionsPerSecond: 0),
      now: now)
    press([.function(4), .tab, .enter], on: &board)
    #expect(board.selection.list == .discarded)
    let text = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(text.contains("Reply 4ac5f75d-7 · discarded: late by 38.0 ms"))
    #expect(text.contains("error              timed out: no reply within 1.00 ms"))
    #expect(text.contains("Request → rpc_queue · sent 1×"))
    #expect(text.contains("Reply (discarded) · redelivered no"))
    #expect(text.contains("received           12:03:04.041720  +0.31 ms return trip"))
  }

  @Test func thePanelScrollsWithTheArrowsWhileOpen() {
    var board = CallDetailFixtures.client()
    press([.function(4), .tab, .enter], on: &board)
    let before = ScreenRendering.lines(of: &board, width: 80, height: 24)
    press([.pageDown], on: &board)
    #expect(board.selection.panelScroll == ClientDashboard.selectionPage)
    let after = ScreenRendering.lines(of: &board, width: 80, height: 24)
    #expect(before != after)
    // Never past the page that shows the last line, so ↑ moves at once from there.
    for _ in 0..<50 { press([.pageDown], on: &board) }
    let lines = board.selectedCallDetail(workers: nil)?.lines().count ?? 0
    let rows = board.selection.panelRows
    #expect(rows == 17)
    #expect(board.selection.panelScroll == lines - rows)
    let last = ScreenRendering.lines(of: &board, width: 80, height: 24)
    press([.up], on: &board)
    #expect(ScreenRendering.lines(of: &board, width: 80, height: 24) != last)
    press([.home], on: &board)
    #expect(board.selection.panelScroll == 0)
  }

  @Test func theClientGraphsTheQueuesReadyCountFrom120x40() {
    var board = CallDetailFixtures.client()
    for (second, ready) in [3, 9, 4].enumerated() {
      board.queueReady = ready
      _ = ScreenRendering.lines(
        of: &board, width: 120, height: 40, now: now + .seconds(Int64(second)))
    }
    #expect(board.readyPath.ready == [3, 9, 4])
    let wide = ScreenRendering.lines(of: &board, width: 120, height: 40, now: now + .seconds(2))
    #expect(wide.contains { $0.contains("queue ready 4 0–9 ") })
    let small = ScreenRendering.lines(of: &board, width: 80, height: 24)
    #expect(!small.contains { $0.contains("queue ready") })
  }

  // MARK: - Hostile replies

  static func hostileReply(_ id: String) -> RPCEndedCall {
    var call = CallDetailFixtures.completed(id)
    let huge = String(repeating: "A", count: 100_000)
    let nested: AMQPFieldValue = .array(
      (0..<50).map { _ in .table(["deep": .array([.array([.array([.int8(1)])])])]) })
    call.reply = RPCReceivedMessage(
      properties: AMQPBasicProperties(
        contentType: "text/\u{1B}[31mred",
        headers: AMQPFieldTable(
          [
            ("x-huge", .string(huge)), ("x-esc\u{1B}]0;title\u{07}", .string("a\nb\r\u{1B}[2J")),
            ("x-nested", nested), ("x-bytes", .bytes(Array(repeating: 0xFF, count: 70_000))),
            ("x-decimal", .decimal(scale: 2, value: 12345)), ("x-void", .void),
            ("x-float", .double(.nan)), ("x-rpc-replied-us", .int64(.max)),
            // One character carrying ten thousand combining marks.
            ("x-zalgo", .string("a" + String(repeating: "\u{301}", count: 10_000))),
            ("x-rpc-received-us", .int64(.min)),
          ] + (0..<200).map { ("x-many-\($0)", AMQPFieldValue.int32(Int32($0))) }),
        correlationID: id, replyTo: String(repeating: "r", count: 300), messageID: huge),
      body: ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 * 7) }),
      redelivered: true, receivedAtMicroseconds: 0)
    return call
  }

  @Test func hostileRepliesRenderBounded() {
    var board = ClientDashboard.forTests()
    board.update(
      stats: .addingUp(
        ended: [Self.hostileReply("4ac5f75d-1")], latency: .empty, completionsPerSecond: 0),
      now: now)
    press([.function(4), .enter], on: &board)
    guard let lines = board.selectedCallDetail(workers: nil)?.lines() else {
      Issue.record("no panel")
      return
    }
    #expect(lines.count < 120)
    #expect(lines.allSatisfy { $0.text.unicodeScalars.count <= 400 })
    let text = lines.map(\.text).joined(separator: "\n")
    #expect(text.contains("… 99,840 more bytes"))
    #expect(text.contains("… 1,048,448 more bytes"))
    #expect(text.contains("… 170 more headers"))
    #expect(text.contains("\\u{1B}"))
    #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    #expect(text.contains("(70,000 bytes)"))
    // Timestamps far outside the call are numbers, not times on the timeline.
    #expect(text.contains("delivered          -9223372036854775808 µs: out of range"), "\(text)")
    #expect(text.contains("replied            9223372036854775807 µs: out of range"))
    #expect(text.contains("… 19,682 more bytes"))  // the marks beyond the first 159
    // Every size draws, to the edge, without trapping.
    for (width, height) in [(80, 24), (120, 40), (200, 50), (50, 16)] {
      let rows = ScreenRendering.lines(of: &board, width: width, height: height)
      #expect(rows.count == height)
    }
  }

  /// A peer's many headers before ours do not push ours past the panel's limit.
  @Test func ourHeadersComeFirstWhateverThePeerSends() {
    var call = CallDetailFixtures.completed("4ac5f75d-1")
    let many = (0..<100).map { ("x-h\($0)", AMQPFieldValue.int32(1)) }
    call.reply = RPCReceivedMessage(
      properties: AMQPBasicProperties(
        headers: AMQPFieldTable(
          many + [("x-rpc-worker", .string("vm-1/w3")), ("traceparent", .string("00-ab-cd-01"))]),
        correlationID: "4ac5f75d-1"),
      body: ByteBuffer(string: "1"), redelivered: false, receivedAtMicroseconds: 0)
    var board = ClientDashboard.forTests()
    board.update(
      stats: .addingUp(ended: [call], latency: .empty, completionsPerSecond: 0), now: now)
    press([.function(4), .enter], on: &board)
    let text = board.selectedCallDetail(workers: nil)?.lines().map(\.text).joined() ?? ""
    #expect(text.contains("vm-1/w3"))
    #expect(text.contains("00-ab-cd-01"))
    #expect(text.contains("… 62 more headers"))
  }

  // MARK: - Goldens

  @Test(arguments: ["80x24", "120x40"])
  func completedCallPanelMatchesItsGolden(size: String) throws {
    var board = CallDetailFixtures.client()
    press([.function(4), .tab, .enter], on: &board)
    let (width, height) = ScreenRendering.dimensions(size)
    try GoldenFile.check(
      ScreenRendering.lines(of: &board, width: width, height: height),
      against: "client-details-\(size).txt")
  }

  @Test(arguments: ["80x24", "120x40"])
  func selectedRowsMatchTheirGolden(size: String) throws {
    var board = ScreenFixtures.client()
    press([.function(4), .tab, .down], on: &board)
    let (width, height) = ScreenRendering.dimensions(size)
    try GoldenFile.check(
      ScreenRendering.lines(of: &board, width: width, height: height),
      against: "client-selected-\(size).txt")
  }
}
