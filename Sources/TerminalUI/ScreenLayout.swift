/// The frame every screen shares: a header row, the panels, a footer row — or, below the
/// screen's minimum size, a message saying what it needs.
package enum ScreenLayout {
  /// The panels' rectangle between header and footer, or nil after drawing the "terminal
  /// too small" message when the buffer is smaller than `minimum`.
  package static func panels(
    of buffer: inout ScreenBuffer, minimum: (width: Int, height: Int), quitHint: String
  ) -> (panels: Rect, footerRow: Int)? {
    guard buffer.width >= minimum.width, buffer.height >= minimum.height else {
      buffer.write(
        "terminal too small: need \(minimum.width)×\(minimum.height),", row: 0, column: 0,
        style: .warning)
      buffer.write("have \(buffer.width)×\(buffer.height). \(quitHint)", row: 1, column: 0)
      return nil
    }
    let screen = Rect(row: 0, column: 0, width: buffer.width, height: buffer.height)
    let (_, belowHeader) = screen.splitTop(1)
    let (panels, footer) = belowHeader.splitBottom(1)
    return (panels, footer.row)
  }
}
