/// A key press, as the UIs see it (terminal-independent).
package enum Key: Hashable, Sendable {
  case character(Character)
  case enter
  case backspace
  case delete
  case tab
  case escape
  case up
  case down
  case left
  case right
  case home
  case end
  case pageUp
  case pageDown
  case function(Int)
  /// Ctrl plus a letter (`control("c")` is Ctrl-C).
  case control(Character)
  /// The terminal changed size.
  case resize

  /// How the key is written in footers and help: `Enter`, `F2`, `^C`, `q`.
  package var label: String {
    switch self {
    case .character(" "): "Space"
    case .character(let character): String(character)
    case .enter: "Enter"
    case .backspace: "Bksp"
    case .delete: "Del"
    case .tab: "Tab"
    case .escape: "Esc"
    case .up: "↑"
    case .down: "↓"
    case .left: "←"
    case .right: "→"
    case .home: "Home"
    case .end: "End"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .function(let number): "F\(number)"
    case .control(let character): "^\(character.uppercased())"
    case .resize: "resize"
    }
  }
}
