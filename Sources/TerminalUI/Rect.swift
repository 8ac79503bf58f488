/// A rectangle of the screen.
public struct Rect: Hashable, Sendable {
  public var row: Int
  public var column: Int
  public var width: Int
  public var height: Int

  public init(row: Int, column: Int, width: Int, height: Int) {
    self.row = row
    self.column = column
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var bottom: Int { row + height }
  public var right: Int { column + width }
  public var isEmpty: Bool { width == 0 || height == 0 }

  /// Splits off `count` rows from the top: (top, rest).
  public func splitTop(_ count: Int) -> (Rect, Rect) {
    let top = min(max(0, count), height)
    return (
      Rect(row: row, column: column, width: width, height: top),
      Rect(row: row + top, column: column, width: width, height: height - top)
    )
  }

  /// Splits off `count` rows from the bottom: (rest, bottom).
  public func splitBottom(_ count: Int) -> (Rect, Rect) {
    let bottom = min(max(0, count), height)
    return (
      Rect(row: row, column: column, width: width, height: height - bottom),
      Rect(row: row + height - bottom, column: column, width: width, height: bottom)
    )
  }

  /// Splits into left and right, the left `fraction` wide, with a one-column gap.
  public func splitColumns(_ fraction: Double) -> (Rect, Rect) {
    let left = Int((Double(width) * fraction).rounded(.down))
    return (
      Rect(row: row, column: column, width: left, height: height),
      Rect(row: row, column: column + left + 1, width: width - left - 1, height: height)
    )
  }
}
