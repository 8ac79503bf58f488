import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The client screen's input line: big bursts wait for a second Enter, every refusal gives
/// the real reason and leaves the line to be edited, Ctrl-U and Esc clear it, and n follows
/// the server's bound when the screen knows it.
@Suite struct ClientDashboardInputTests {
  let now = NIODeadline.uptimeNanoseconds(50_000_000_000)

  func dashboard() -> ClientDashboard { .forTests() }

  func type(_ text: String, into board: inout ClientDashboard) {
    for character in text { _ = board.handle(.character(character), now: now) }
  }

  /// The line under the input, as rendered.
  func messageLine(_ board: inout ClientDashboard) -> String {
    var buffer = ScreenBuffer(width: 120, height: 30)
    board.render(into: &buffer, now: now)
    return buffer.trimmedLines[2]
  }

  @Test func aBurstAboveTheThresholdIsSentOnlyOnASecondEnter() {
    var board = dashboard()
    type("30x100000", into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(board.input.text == "30x100000")
    #expect(
      messageLine(&board)
        == " 100,000 requests, 30.00 s timeout each — Enter again sends, Esc clears")
    #expect(board.handle(.enter, now: now) == [.send(Array(repeating: 30, count: 100_000))])
    #expect(board.input.text.isEmpty)
    #expect(messageLine(&board) == " sending 100,000 requests")
  }

  @Test func editingTheLineWithdrawsTheQuestion() {
    var board = dashboard()
    type("30x6000", into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    _ = board.handle(.backspace, now: now)
    #expect(board.input.text == "30x600")
    #expect(!messageLine(&board).contains("Enter again"))
    type("0", into: &board)
    // The same line typed again is asked about again, not sent.
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(messageLine(&board).contains("6,000 requests"))
  }

  @Test func aBurstAtTheThresholdIsSentAtOnce() {
    var board = dashboard()
    type("1x\(ClientDashboard.confirmationThreshold)", into: &board)
    #expect(
      board.handle(.enter, now: now)
        == [.send(Array(repeating: 1, count: ClientDashboard.confirmationThreshold))])
  }

  @Test func aRefusedLineStaysToBeEditedAndGivesTheRealReason() {
    var board = dashboard()
    type("1..1000", into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(board.input.text == "1..1000")
    #expect(board.input.cursor == 7)
    #expect(
      messageLine(&board)
        == " \"1..1000\" asks for n = 1000, above 92, the largest n accepted — nothing sent")
    for _ in 0..<2 { _ = board.handle(.backspace, now: now) }
    #expect(board.handle(.enter, now: now) == [.send(Array(1...10))])
    #expect(board.input.text.isEmpty)
    #expect(board.input.history == ["1..10"])
  }

  @Test func aRefusedCommandStaysToo() {
    var board = dashboard()
    type(":timeout abc", into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(board.input.text == ":timeout abc")
  }

  @Test(arguments: [Key.escape, .control("u")])
  func escapeAndControlUClearTheLine(key: Key) {
    var board = dashboard()
    type("30 31", into: &board)
    _ = board.handle(.left, now: now)
    #expect(board.handle(key, now: now).isEmpty)
    #expect(board.input.text.isEmpty)
    #expect(board.input.cursor == 0)
    // An empty line takes q as quit again.
    #expect(board.handle(.character("q"), now: now) == [.quit])
  }

  @Test func theAcceptedNFollowsTheServersBound() {
    var board = dashboard()
    board.maximumN = 40
    type("41", into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(
      messageLine(&board)
        == " \"41\" asks for n = 41, above 40, the largest n accepted — nothing sent")
    _ = board.handle(.escape, now: now)
    type("1..40", into: &board)
    #expect(board.handle(.enter, now: now) == [.send(Array(1...40))])
  }

  @Test func clearingIsInTheHelpButNotTheFooter() {
    let binding = ClientDashboard.keymap.bindings.first { $0.action == .clearLine }
    #expect(binding?.keys == [.escape, .control("u")])
    #expect(binding?.footer == nil)
  }
}
