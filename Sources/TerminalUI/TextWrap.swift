/// Word wrapping in terminal cells.
package enum TextWrap {
  /// `text` broken into lines of at most `width` cells at spaces; a word longer than a line
  /// is broken where the line ends. Never more than `maximumLines` lines (the last one then
  /// ends with `…`).
  package static func lines(_ text: String, width: Int, maximumLines: Int = .max) -> [String] {
    guard width > 0, maximumLines > 0 else { return [] }
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      var word = String(word)
      let joined = current.isEmpty ? word : current + " " + word
      if joined.cellWidth <= width {
        current = joined
        continue
      }
      if !current.isEmpty { lines.append(current) }
      while word.cellWidth > width {
        let head = word.prefix(cells: width)
        lines.append(head)
        word = String(word.dropFirst(head.count))
      }
      current = word
    }
    if !current.isEmpty { lines.append(current) }
    guard lines.count > maximumLines else { return lines }
    var kept = Array(lines.prefix(maximumLines))
    let last = kept[maximumLines - 1]
    kept[maximumLines - 1] = (last + " " + lines[maximumLines]).clipped(toCells: width)
    return kept
  }
}
