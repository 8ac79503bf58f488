import Testing

@testable import TerminalUI

@Suite struct WidgetTests {
  @Test func sparklineUsesEightLevelsOrASCII() {
    #expect(Sparkline.render([1, 2, 4, 8], width: 4) == "▂▃▅█")
    #expect(Sparkline.render([0, 8], width: 2) == " █")
    #expect(Sparkline.render([1, 2, 4, 8], width: 4, asciiOnly: true) == ".-=#")
    #expect(Sparkline.render([1, 2, 3], width: 2) == "▆█")  // newest values win
  }

  @Test func gaugeFillsItsShare() {
    #expect(Gauge.render(0.5, width: 10) == "█████·····")
    #expect(Gauge.render(2, width: 4, asciiOnly: true) == "####")
    #expect(Gauge.render(.nan, width: 3) == "···")
  }

  @Test func tableClipsLongCellsWithAnEllipsisAndAlignsRight() {
    var buffer = ScreenBuffer(width: 20, height: 4)
    Table(
      title: "T", columns: [.init("name", width: 6), .init("n", width: 4, alignment: .right)],
      rows: [Table.Row(["abcdefghij", "7"])]
    ).render(into: &buffer, in: Rect(row: 0, column: 0, width: 20, height: 4))
    #expect(buffer.trimmedLines == ["T", "name       n", "abcde…     7", ""])
  }

  @Test func bufferClipsAtItsEdgesAndKeepsStyles() {
    var buffer = ScreenBuffer(width: 5, height: 2)
    buffer.write("hello world", row: 0, column: 2, style: .error)
    buffer.write("x", row: 5, column: 0)
    #expect(buffer.lines == ["  hel", "     "])
    #expect(buffer[0, 2].style == .error)
  }

  @Test func inputLineEditsAtTheCursor() {
    var line = InputLine()
    for character in "135" { line.insert(character) }
    line.moveLeft()
    line.moveLeft()
    line.insert("2")
    line.moveEnd()
    line.backspace()
    #expect(line.text == "123")
    line.moveHome()
    line.deleteForward()
    #expect(line.text == "23" && line.cursor == 0)
  }

  @Test func footerDropsWhatDoesNotFit() {
    var buffer = ScreenBuffer(width: 20, height: 1)
    renderFooter([("a", "alpha"), ("b", "beta"), ("c", "gamma")], into: &buffer, row: 0)
    #expect(buffer.trimmedLines == ["a alpha  b beta"])
    #expect(buffer[0, 0].style == .key)
  }
}
