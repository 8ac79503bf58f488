import AMQPProtocol
import AMQPRPC
import NIOCore
import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// Invisible format characters from a peer (a zero width space, a byte order mark, a
/// right-to-left override) in every place a screen shows peer text: shown as `�`, never
/// joined to the character before them (which trapped: "Can't form a Character from a String
/// containing more than one extended grapheme cluster"), never sent to the terminal raw.
@Suite struct InvisibleCharacterTests {
  /// U+200B, U+FEFF, U+202E, U+2066, U+200D (alone), U+E0041 (a tag), and a combining mark
  /// after a wide character and at the start of a text.
  static let invisibles = [
    "\u{200B}", "\u{FEFF}", "\u{202E}", "\u{2066}", "\u{200D}", "\u{E0041}",
  ]
  static let texts =
    invisibles.map { "id\($0)x" } + invisibles + ["漢\u{0301}", "\u{0301}a", "a\u{200B}\u{0301}"]

  /// No character of the screen starts with a format character, and no bidirectional
  /// control, zero width space or byte order mark is anywhere (a zero width joiner or a tag
  /// inside a character, as in emoji sequences, is harmless and stays).
  static func assertSafe(_ lines: [String], _ comment: Comment? = nil) {
    let text = lines.joined()
    let starts = text.compactMap(\.unicodeScalars.first).filter {
      $0.properties.generalCategory == .format && $0.value != 0xAD
    }
    let banned = text.unicodeScalars.filter {
      (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
        || [0x200B, 0x200E, 0x200F, 0x061C, 0xFEFF].contains($0.value)
    }
    #expect(starts.isEmpty && banned.isEmpty, comment)
  }

  @Test(arguments: texts)
  func theBufferWritesThemAsReplacementsAndNeverTraps(text: String) {
    for column in [0, 1, 78, 79] {
      var buffer = ScreenBuffer(width: 80, height: 2)
      buffer.write("漢", row: 0, column: max(0, column - 2))
      buffer.write(text, row: 0, column: column)
      Self.assertSafe(buffer.lines)
    }
    var buffer = ScreenBuffer(width: 10, height: 1)
    buffer.write(text, row: 0, column: 0)
    if text.unicodeScalars.first?.properties.generalCategory == .format {
      #expect(buffer.lines[0].hasPrefix("\u{FFFD}"))
    }
    #expect("id\u{202E}x".cellWidth == 4)
  }

  /// A zero width joiner inside a character (after a letter, a quote, a space) or an emoji
  /// sequence joined by it is never sent: terminals measure them differently and a row
  /// would keep stale cells.
  @Test(arguments: [
    "d\u{200D}", "\"\u{200D}", " \u{200D}x", "FAM👨‍👩‍👧END", "🏴\u{E0067}\u{E0062}\u{E007F}",
  ])
  func noJoinerOrTagReachesTheTerminal(text: String) {
    var buffer = ScreenBuffer(width: 20, height: 1)
    buffer.write(text, row: 0, column: 0)
    let shown = buffer.lines[0].unicodeScalars
    #expect(!shown.contains { $0.properties.generalCategory == .format }, "\(buffer.lines[0])")
    #expect(text.cellWidth == buffer.lines[0].trimmingSuffixSpaces.cellWidth)
  }

  @Test func theyShowInEveryListAndInTheDetailPanelOfAReply() {
    let id = "zw\u{200B}id\u{202E}X\u{FEFF}"
    var call = CallDetailFixtures.completed(id)
    call.reply = RPCReceivedMessage(
      properties: AMQPBasicProperties(
        headers: ["\u{202E}RTL": .string("x\u{200B}y"), "x-rpc-worker": .string("w\u{2066}1")],
        correlationID: id),
      body: ByteBuffer(string: "body\u{202E}X\u{200B}"), redelivered: false,
      receivedAtMicroseconds: 0)
    var discarded = RPCDiscardedReply(kind: .unknown, correlationID: id, lateBy: nil)
    discarded.message = call.reply
    var board = ClientDashboard.forTests()
    board.update(
      stats: .addingUp(
        ended: [call], inFlight: [], discarded: [discarded], latency: .empty,
        completionsPerSecond: 0),
      now: ScreenFixtures.now)
    for (width, height) in [(80, 24), (120, 40), (200, 50), (50, 16)] {
      Self.assertSafe(ScreenRendering.lines(of: &board, width: width, height: height))
    }
    // The Completed call's panel, then the discarded reply's.
    _ = board.handle(.function(4), now: ScreenFixtures.now)
    var panels: Set<CallSelection.List> = []
    for _ in 0..<2 {
      _ = board.handle(.enter, now: ScreenFixtures.now)
      #expect(board.selection.panelOpen)
      panels.insert(board.selection.list)
      for (width, height) in [(80, 24), (120, 40)] {
        Self.assertSafe(ScreenRendering.lines(of: &board, width: width, height: height))
      }
      for key in [Key.end, .home, .pageDown, .down] {
        _ = board.handle(key, now: ScreenFixtures.now)
        Self.assertSafe(ScreenRendering.lines(of: &board, width: 80, height: 24))
      }
      _ = board.handle(.escape, now: ScreenFixtures.now)
      _ = board.handle(.tab, now: ScreenFixtures.now)
    }
    #expect(panels == [.completed, .discarded])
  }

  @Test func theyShowInTheServersWorkerTableAndEvents() {
    var board = ScreenFixtures.server()
    board.apply(
      RPCServerEvent(
        worker: "w\u{200B}1", correlationID: "id\u{200B}", n: nil,
        outcome: .answered(value: "3\u{200B}"), service: .microseconds(10)))
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
      Self.assertSafe(ScreenRendering.lines(of: &board, width: width, height: height))
    }
  }
}

extension String {
  fileprivate var trimmingSuffixSpaces: String {
    var text = self
    while text.last == " " { text.removeLast() }
    return text
  }
}
