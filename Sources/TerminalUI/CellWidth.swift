/// How many terminal cells text takes: East Asian wide characters and emoji take two,
/// combining marks none, everything else one (as `wcwidth` sees it).
extension Character {
  /// 0, 1 or 2 cells.
  package var cellWidth: Int {
    guard let first = unicodeScalars.first else { return 0 }
    if Self.isZeroWidth(first) { return 0 }
    if unicodeScalars.count > 1,
      unicodeScalars.contains(where: { $0.value == 0xFE0F || $0.value == 0x200D })
    {
      return 2  // emoji presentation selector or a ZWJ sequence
    }
    if first.properties.isEmojiPresentation { return 2 }
    return Self.isWide(first.value) ? 2 : 1
  }

  /// What the terminal is sent instead of a control character (C0, DEL, C1): line breaks and
  /// tabs become a space, every other control character `�`, so peer text can never move
  /// the cursor or start an escape sequence. A character that starts with an invisible
  /// format character (Unicode category Cf: U+200B zero width space, U+FEFF byte order mark,
  /// the bidirectional overrides U+202A…U+202E and isolates U+2066…U+2069) is `�` too:
  /// it would reorder or hide what the screen shows, and it is no mark to join to the
  /// character before it. The soft hyphen (U+00AD) stays.
  package var printable: Character {
    guard let first = unicodeScalars.first else { return self }
    switch first.value {
    case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85: return " "
    case 0x00...0x1F, 0x7F...0x9F: return "\u{FFFD}"
    case 0xAD: return self
    default:
      if first.properties.generalCategory == .format { return "\u{FFFD}" }
      if isNewline { return " " }
      return unicodeScalars.count > 1 ? withoutInnerFormatCharacters : self
    }
  }

  /// The character without the format characters inside it (a zero width joiner after a
  /// letter, tag characters), which terminals measure differently from one another; an
  /// emoji sequence joined by them becomes its first emoji, the one width every terminal
  /// agrees on (`👨‍👩‍👧` shows as `👨`).
  private var withoutInnerFormatCharacters: Character {
    let scalars = unicodeScalars
    guard scalars.dropFirst().contains(where: { $0.properties.generalCategory == .format }),
      let first = scalars.first
    else { return self }
    var kept = String.UnicodeScalarView()
    if first.properties.isEmoji {
      kept.append(first)
      if scalars.dropFirst().first?.value == 0xFE0F { kept.append("\u{FE0F}") }
    } else {
      kept.append(contentsOf: scalars.filter { $0.properties.generalCategory != .format })
    }
    let text = String(kept)
    return text.count == 1 ? text.first ?? "\u{FFFD}" : "\u{FFFD}"
  }

  private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return scalar.value != 0x00AD
    default: return scalar.value == 0x200B
    }
  }

  private static func isWide(_ value: UInt32) -> Bool {
    switch value {
    case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
      0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
      0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
      0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return true
    default:
      return false
    }
  }
}

extension StringProtocol {
  /// The cells the text takes on a terminal.
  package var cellWidth: Int {
    // Printable ASCII, one cell a byte: most text on these screens (ids, numbers), measured
    // over every listed row each frame, so it skips grapheme breaking.
    if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return utf8.count }
    return reduce(0) { $0 + $1.printable.cellWidth }
  }

  /// The longest prefix that fits in `cells` cells (a wide character that would straddle
  /// the edge is left out).
  package func prefix(cells: Int) -> String {
    var used = 0
    var result = ""
    for character in self {
      let width = character.printable.cellWidth
      if used + width > cells { break }
      used += width
      result.append(character)
    }
    return result
  }

  /// The text cut to `cells` cells with `…` when it does not fit.
  package func clipped(toCells cells: Int) -> String {
    guard cellWidth > cells else { return String(self) }
    guard cells > 0 else { return "" }
    return prefix(cells: cells - 1) + "…"
  }
}
