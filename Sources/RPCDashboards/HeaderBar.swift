import TerminalUI

/// A screen's one-line header: parts separated by `│`, fitted to the width by shortening,
/// then dropping, the least important parts first, so that what matters most (the
/// connection state, the callback queue) is never cut. Essential parts take their shorter
/// forms last (`reply_to amq.gen-…` becomes the bare queue name); what still cannot fit
/// ends in `…`. The parts keep their order.
struct HeaderBar {
  struct Part {
    var text: String
    /// Higher is kept longer; ``HeaderBar/essential`` is never dropped.
    var priority: Int
    var style: StyleRole = .bar
    /// Shorter forms, tried in order before the part is dropped.
    var shorter: [String] = []
    /// A part whose long forms are transient (`recovered after 2.31 s`): the other parts
    /// are fitted as if it had its shortest form, then it takes the longest form that
    /// fits beside them, so that it never pushes another part out.
    var transient = false
  }

  static let essential = Int.max

  /// The TLS session (`TLSv1.3 TLS_AES_128_GCM_SHA256`): dropped early when space is short,
  /// except that an unverified peer (`verify_none`) is always said, at worst as
  /// `UNVERIFIED TLS`.
  static func tlsPart(_ text: String) -> Part {
    text.hasSuffix("UNVERIFIED")
      ? Part(text: text, priority: essential - 1, style: .bar, shorter: ["UNVERIFIED TLS"])
      : Part(text: text, priority: 1)
  }
  static let separator = " │ "

  var parts: [Part]

  /// The parts that fit in `width` columns (with a leading space).
  func fitted(width: Int) -> [Part] {
    func length(_ parts: [Part]) -> Int {
      1 + parts.map(\.text.count).reduce(0, +) + Self.separator.count * max(0, parts.count - 1)
    }
    // Transient parts at their shortest while the others are fitted.
    var kept = parts.map { part in
      guard part.transient, let shortest = part.shorter.last else { return part }
      var short = part
      (short.text, short.shorter) = (shortest, [])
      return short
    }
    var origins = Array(parts.indices)
    while length(kept) > width {
      // The least important, and of equals the rightmost.
      guard
        let least = kept.indices.filter({ kept[$0].priority != Self.essential }).min(by: {
          (kept[$0].priority, -$0) < (kept[$1].priority, -$1)
        })
      else {
        // Only essential parts left: their shorter forms, the rightmost first.
        guard let essential = kept.indices.last(where: { !kept[$0].shorter.isEmpty }) else {
          break
        }
        kept[essential].text = kept[essential].shorter.removeFirst()
        continue
      }
      if kept[least].shorter.isEmpty {
        kept.remove(at: least)
        origins.remove(at: least)
      } else {
        kept[least].text = kept[least].shorter.removeFirst()
      }
    }
    // Then each transient part in its longest form that still fits.
    for index in kept.indices where parts[origins[index]].transient {
      let original = parts[origins[index]]
      for form in [original.text] + original.shorter {
        var trial = kept
        trial[index].text = form
        if length(trial) <= width {
          kept = trial
          break
        }
      }
    }
    return kept
  }

  /// Draws the bar on `row`.
  func render(into buffer: inout ScreenBuffer, row: Int) {
    buffer.fill(row: row, style: .bar)
    var column = buffer.write(" ", row: row, column: 0, style: .bar)
    for (index, part) in fitted(width: buffer.width).enumerated() {
      if index > 0 { column = buffer.write(Self.separator, row: row, column: column, style: .bar) }
      // What cannot fit even so is cut with a mark, never silently.
      let room = buffer.width - column
      column = buffer.write(
        part.text.clipped(toCells: max(0, room)), row: row, column: column, style: part.style)
    }
  }
}

/// `127.0.0.1:5672` from `amqp://guest:***@127.0.0.1:5672/%2F`: where the broker is, for a
/// header short of room.
func hostAndPort(of url: String) -> String {
  var rest = Substring(url)
  if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
  if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
  if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
  return String(rest)
}
