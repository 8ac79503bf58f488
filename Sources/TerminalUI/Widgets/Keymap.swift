/// The keys of a screen and what they do. The footer and the help overlay are both made
/// from it, so they cannot disagree.
public struct Keymap<Action: Hashable & Sendable>: Sendable {
  public struct Binding: Sendable {
    public var keys: [Key]
    public var action: Action
    /// A short label for the footer (`quit`), or nil to show it only in help.
    public var footer: String?
    /// The explanation in the help overlay.
    public var help: String

    public init(_ keys: [Key], _ action: Action, footer: String?, help: String) {
      self.keys = keys
      self.action = action
      self.footer = footer
      self.help = help
    }
  }

  public var bindings: [Binding]

  public init(_ bindings: [Binding]) {
    self.bindings = bindings
  }

  /// The action bound to `key`.
  public func action(for key: Key) -> Action? {
    bindings.first { $0.keys.contains(key) }?.action
  }

  /// `key label` pairs for the footer, in binding order.
  public var footerItems: [(keys: String, label: String)] {
    bindings.compactMap { binding in
      binding.footer.map { (binding.keys.map(\.label).joined(separator: "/"), $0) }
    }
  }

  /// Lines of the help overlay: keys padded, then the explanation.
  public var helpLines: [(keys: String, help: String)] {
    bindings.map { ($0.keys.map(\.label).joined(separator: " "), $0.help) }
  }
}

/// Draws a keymap's footer on one row: key names in the key style, labels after them,
/// dropping items that do not fit.
public func renderFooter(
  _ items: [(keys: String, label: String)], into buffer: inout ScreenBuffer, row: Int
) {
  buffer.fill(row: row, style: .bar)
  var column = 0
  for item in items {
    let needed = item.keys.count + 1 + item.label.count + 2
    guard column + needed <= buffer.width else { break }
    column = buffer.write(item.keys, row: row, column: column, style: .key)
    column = buffer.write(" " + item.label + "  ", row: row, column: column, style: .bar)
  }
}

/// Draws a centred help box listing every binding, with extra lines of text above.
public func renderHelpOverlay(
  title: String, intro: [String], lines: [(keys: String, help: String)],
  into buffer: inout ScreenBuffer
) {
  let keyWidth = min(16, (lines.map(\.keys.count).max() ?? 0) + 2)
  let contentWidth = max(
    title.count, intro.map(\.count).max() ?? 0, keyWidth + (lines.map(\.help.count).max() ?? 0))
  let width = min(buffer.width - 2, contentWidth + 4)
  let height = min(buffer.height - 2, lines.count + intro.count + 5)
  guard width > 10, height > 4 else { return }
  let top = (buffer.height - height) / 2
  let left = (buffer.width - width) / 2
  for row in top..<(top + height) { buffer.fill(row: row, from: left, width: width, style: .bar) }
  buffer.write(" \(title) ", row: top, column: left + 2, style: .title, width: width - 4)
  var row = top + 2
  for line in intro where row < top + height - 1 {
    buffer.write(line, row: row, column: left + 2, style: .bar, width: width - 4)
    row += 1
  }
  if !intro.isEmpty { row += 1 }
  for line in lines where row < top + height - 1 {
    buffer.write(line.keys, row: row, column: left + 2, style: .key, width: keyWidth)
    buffer.write(
      line.help, row: row, column: left + 2 + keyWidth, style: .bar, width: width - 4 - keyWidth)
    row += 1
  }
}
