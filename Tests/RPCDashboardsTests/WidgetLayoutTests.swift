import Testing

@testable import RPCDashboards
@testable import TerminalUI

/// Widgets in terminal cells: wide characters, control characters, the footer's essentials,
/// the help overlay at 80×24, labelled sparklines, columns dropped by priority.
@Suite struct WidgetLayoutTests {
  @Test func wideCharactersTakeTwoCellsAndCombiningMarksNone() {
    #expect("漢字".cellWidth == 4)
    #expect("🚀".cellWidth == 2)
    #expect("e\u{301}".cellWidth == 1)
    var buffer = ScreenBuffer(width: 6, height: 1)
    let end = buffer.write("漢字ab", row: 0, column: 0)
    #expect(end == 6)
    #expect(buffer.lines == ["漢字ab"])
    #expect(buffer[0, 1].isContinuation)
    // A wide character that would straddle the limit is left out, not cut in half.
    var narrow = ScreenBuffer(width: 3, height: 1)
    narrow.write("a漢字", row: 0, column: 0)
    #expect(narrow.lines == ["a漢"])
    narrow.write("x", row: 0, column: 2)  // overwrites the right half: the left half goes too
    #expect(narrow.lines == ["a x"])
  }

  @Test func controlCharactersFromPeersAreShownAsAReplacement() {
    var buffer = ScreenBuffer(width: 12, height: 1)
    buffer.write("a\u{1B}[2Jb\u{7F}c\u{9B}d\te", row: 0, column: 0)
    #expect(buffer.lines == ["a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d e"])
    #expect(!buffer.cells.contains { $0.character.unicodeScalars.first?.value == 0x1B })
  }

  @Test func tableClipsAndPadsInCells() {
    var buffer = ScreenBuffer(width: 12, height: 4)
    Table(
      title: "T", columns: [.init("name", width: 5), .init("n", width: 3, alignment: .right)],
      rows: [Table.Row(["漢字漢字", "7"]), Table.Row(["漢字", "8"])]
    ).render(into: &buffer, in: Rect(row: 0, column: 0, width: 12, height: 4))
    #expect(buffer.trimmedLines == ["T", "name     n", "漢字…    7", "漢字     8"])
  }

  @Test func tableDropsPaddingThenColumnsByPriorityNeverCuttingANumber() {
    let table = Table(
      title: "T",
      columns: [
        .init("id", .fit), .init("handled", .fit, alignment: .right),
        .init("trend", .fixed(6), dropOrder: 1), .init("split", .fit, dropOrder: 2),
      ],
      rows: [Table.Row(["w1", "211", "▁▂▃▄▅▆", "1 / 2 / 3"])])
    #expect(table.layout(for: 40) == Table.Layout(widths: [2, 7, 6, 9], spacing: 2))
    #expect(table.layout(for: 27) == Table.Layout(widths: [2, 7, 6, 9], spacing: 1))
    #expect(table.layout(for: 20) == Table.Layout(widths: [2, 7, 0, 9], spacing: 1))
    #expect(table.layout(for: 12) == Table.Layout(widths: [2, 7, 0, 0], spacing: 1))
  }

  @Test(arguments: [50, 60, 70, 80, 120])
  func footerAlwaysKeepsHelpAndQuit(width: Int) {
    var buffer = ScreenBuffer(width: width, height: 1)
    Footer(DemoDashboard.keymap.footer + ClientDashboard.keymap.footer).render(
      into: &buffer, in: Rect(row: 0, column: 0, width: width, height: 1))
    let footer = buffer.trimmedLines[0]
    #expect(footer.contains("? help") && footer.contains("q quit"), "\(footer)")
    #expect(footer.cellWidth <= width)
  }

  @Test func footerAbbreviatesTheLeastImportantBeforeDroppingIt() {
    let footer = Footer(ClientDashboard.keymap.footer)
    let labels = footer.fitted(width: 80).map(\.label)
    #expect(labels.contains("late"))  // `late reply`, abbreviated
    #expect(footer.fitted(width: 40).map(\.label).suffix(2) == ["help", "quit"])
  }

  @Test func helpOverlayFitsAt80x24AndSaysHowToCloseIt() {
    var board = ScreenFixtures.demo()
    _ = board.handle(.character("?"), now: ScreenFixtures.now)
    var buffer = ScreenBuffer(width: 80, height: 24)
    board.render(into: &buffer, now: ScreenFixtures.now)
    let screen = buffer.trimmedLines.joined(separator: "\n")
    #expect(screen.contains("rpc-demo help"))
    #expect(screen.contains("any key closes this help"))
    for line in DemoDashboard.keymap.helpLines + ClientDashboard.keymap.helpLines {
      #expect(screen.contains(line.keys), "\(line.help)")
    }
    // The intro is wrapped, not cut: its last words are on screen.
    #expect(screen.contains("F8 runs a guided tour."))
  }

  @Test func sparklineSaysWhatItPlotsAndItsScale() {
    var buffer = ScreenBuffer(width: 40, height: 1)
    Sparkline(label: "round trip", values: [3, 6, 12, 0, 12], scale: { "\(Int($0)) ms" })
      .render(into: &buffer, in: Rect(row: 0, column: 0, width: 40, height: 1))
    #expect(buffer.trimmedLines == ["round trip 0–12 ms ▃▅█ █"])
  }

  @Test func itemLineDropsWholeItemsNeverCuttingANumber() {
    let line = ItemLine([
      .init("work", "recursive fib, n ≤ 40", priority: 1), .init("handled", "211"),
      .init("rate", "21.0/s", priority: 2),
    ])
    var buffer = ScreenBuffer(width: 24, height: 1)
    line.render(into: &buffer, in: Rect(row: 0, column: 0, width: 24, height: 1))
    #expect(buffer.trimmedLines == ["handled 211  rate 21.0/s"])
  }
}
