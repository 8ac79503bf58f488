/// A rectangle of the screen.
package struct Rect: Hashable, Sendable {
  package var row: Int
  package var column: Int
  package var width: Int
  package var height: Int

  package init(row: Int, column: Int, width: Int, height: Int) {
    self.row = row
    self.column = column
    self.width = max(0, width)
    self.height = max(0, height)
  }

  package var bottom: Int { row + height }
  package var right: Int { column + width }
  package var isEmpty: Bool { width == 0 || height == 0 }

  /// Splits off `count` rows from the top: (top, rest).
  package func splitTop(_ count: Int) -> (Rect, Rect) {
    let top = min(max(0, count), height)
    return (
      Rect(row: row, column: column, width: width, height: top),
      Rect(row: row + top, column: column, width: width, height: height - top)
    )
  }

  /// Splits off `count` rows from the bottom: (rest, bottom).
  package func splitBottom(_ count: Int) -> (Rect, Rect) {
    let bottom = min(max(0, count), height)
    return (
      Rect(row: row, column: column, width: width, height: height - bottom),
      Rect(row: row + height - bottom, column: column, width: width, height: bottom)
    )
  }

  /// Splits into left and right, the left `fraction` wide, with a one-column gap.
  package func splitColumns(_ fraction: Double) -> (Rect, Rect) {
    let left = Int((Double(width) * fraction).rounded(.down))
    return (
      Rect(row: row, column: column, width: left, height: height),
      Rect(row: row, column: column + left + 1, width: width - left - 1, height: height)
    )
  }
}
