import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// The client screen in raw mode (`rpc-client --raw`): each line typed is sent as it is, the
/// lists show the request and the reply as text, cut to fit and never inside a character,
/// and `q` and `?` are text (F1 helps, Ctrl-C quits).
@Suite struct ClientDashboardRawTests {
  let now = ScreenFixtures.now

  func dashboard() -> ClientDashboard {
    var board = ClientDashboard.forTests()
    board.rawMode = true
    return board
  }

  func type(_ text: String, into board: inout ClientDashboard) {
    for character in text { _ = board.handle(.character(character), now: now) }
  }

  @Test func eachLineIsSentAsItIsWithoutNumberParsingOrCommands() {
    var board = dashboard()
    for line in ["30x5", "  two  spaces  ", ":timeout 2", "q", "?", "héllo 👩‍💻"] {
      type(line, into: &board)
      #expect(board.handle(.enter, now: now) == [.sendText(line)], "\(line)")
      #expect(board.input.text.isEmpty)
    }
    // An empty line sends nothing.
    #expect(board.handle(.enter, now: now).isEmpty)
  }

  @Test func f3SendsTheLastLineAgainLateOrSaysToSendOneFirst() {
    var board = dashboard()
    #expect(board.handle(.function(3), now: now).isEmpty)
    let lines = ScreenRendering.lines(of: &board)
    #expect(lines[2] == " F3 sends the last line again with a 1 ms timeout: send a line first")
    type("ping", into: &board)
    _ = board.handle(.enter, now: now)
    #expect(board.handle(.function(3), now: now) == [.sendLateText("ping")])
  }

  @Test func f1HelpsCtrlCQuitsAndTheHelpExplainsRawMode() {
    var board = dashboard()
    #expect(board.handle(.function(1), now: now).isEmpty)
    let help = ScreenRendering.lines(of: &board, width: 120, height: 40).joined(separator: "\n")
    #expect(help.contains("Raw mode: each line typed is one call to rpc_queue"), "\(help)")
    #expect(help.contains("q and ? are text here"), "\(help)")
    _ = board.handle(.escape, now: now)  // closes the help
    #expect(board.handle(.control("c"), now: now) == [.quit])
  }

  @Test func aLineLongerThanTheInputTakesIsRefusedNotCut() {
    var board = dashboard()
    type(String(repeating: "x", count: ClientDashboard.rawInputLimit + 3), into: &board)
    #expect(board.handle(.enter, now: now).isEmpty)
    #expect(
      ScreenRendering.lines(of: &board, width: 120, height: 40)[2]
        == " input longer than 4000 characters (3 more did not fit) — nothing sent")
  }

  @Test func theScreenSaysRawModeAndTheQueueAndListsTextsAt80x24() {
    var board = ScreenFixtures.rawClient()
    let lines = ScreenRendering.lines(of: &board, width: 80, height: 24)
    let screen = lines.joined(separator: "\n")
    #expect(lines[1] == " raw upper>")
    #expect(lines[2].hasPrefix(" raw mode: each line goes to upper as it is"), "\(lines[2])")
    #expect(lines[23].hasSuffix("F1 help  ^C quit"), "\(lines[23])")
    // In flight lists the request's text, a long one cut with `…`.
    #expect(screen.contains("4ac5f75d-100010  slow: sleep 5"), "\(screen)")
    #expect(screen.contains("4ac5f75d-100011  payload payload"), "\(screen)")
    #expect(lines.contains { $0.hasPrefix("4ac5f75d-100011") && $0.contains("…") }, "\(screen)")
    // Completed: the request and the reply as text; the reply of the wide text whole, its
    // two-cell characters never split; a tab shown as a space, an escape as `�`.
    #expect(screen.contains("hello world"), "\(screen)")
    #expect(screen.contains("HELLO WORLD"), "\(screen)")
    #expect(screen.contains(#"{"A": 1, "B": 2}"#), "\(screen)")
    // An emoji sequence joined by U+200D shows as its first emoji, whose width every
    // terminal agrees on.
    #expect(screen.contains("東京 👩 CAFÉ"), "\(screen)")
    #expect(screen.contains("tab here�[2J"), "\(screen)")
    // An error reply short of room: the server's message whole, its kind left out.
    #expect(screen.contains("  escape sequences are refused"), "\(screen)")
    #expect(screen.contains("timed out: no reply within 30.00 s"), "\(screen)")
    #expect(!screen.contains("\u{1B}"))
  }

  @Test(arguments: [40, 24, 13, 12, 3])
  func aRequestCutToACellWidthNeverSplitsACharacter(cells: Int) {
    let cut = ClientDashboard.requestText("東京 👩‍💻 café résumé", cells: cells)
    #expect(cut.cellWidth <= cells)
    #expect("東京 👩‍💻 café résumé".hasPrefix(cut.dropLast(cut.hasSuffix("…") ? 1 : 0)))
  }

  @Test func numberModeIsUnchanged() {
    var board = ClientDashboard.forTests()
    type("q", into: &board)
    #expect(board.input.text.isEmpty)
    type("35", into: &board)
    #expect(board.handle(.enter, now: now) == [.send([35])])
    #expect(ScreenRendering.lines(of: &board)[1] == " fib(n)>")
  }
}
