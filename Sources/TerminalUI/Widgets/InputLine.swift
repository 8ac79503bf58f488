/// The state of a one-line text input with a cursor and history.
package struct InputLine: Sendable, Equatable {
  package private(set) var text = ""
  /// Cursor position in characters.
  package private(set) var cursor = 0
  package private(set) var history: [String] = []
  private var historyIndex: Int?
  /// The longest input kept; characters typed or pasted beyond it are counted in
  /// ``dropped`` so that the line is refused, never sent cut.
  package var maximumLength = 200
  /// Characters that did not fit since the line was last cleared or shortened: a line
  /// refused for them stays as it is until edited, and is refused again if sent unchanged.
  package private(set) var dropped = 0

  package init() {}

  package mutating func insert(_ character: Character) {
    guard text.count < maximumLength else {
      dropped += 1
      return
    }
    let index = text.index(text.startIndex, offsetBy: cursor)
    text.insert(character, at: index)
    cursor += 1
    historyIndex = nil
  }

  package mutating func backspace() {
    guard cursor > 0 else { return }
    let index = text.index(text.startIndex, offsetBy: cursor - 1)
    text.remove(at: index)
    cursor -= 1
    dropped = 0
  }

  package mutating func deleteForward() {
    guard cursor < text.count else { return }
    text.remove(at: text.index(text.startIndex, offsetBy: cursor))
    dropped = 0
  }

  package mutating func moveLeft() { cursor = max(0, cursor - 1) }
  package mutating func moveRight() { cursor = min(text.count, cursor + 1) }
  package mutating func moveHome() { cursor = 0 }
  package mutating func moveEnd() { cursor = text.count }

  /// Applies an editing key (Backspace, Delete, ←, →, Home, End); `false` for any other key.
  package mutating func edit(_ key: Key) -> Bool {
    switch key {
    case .backspace: backspace()
    case .delete: deleteForward()
    case .left: moveLeft()
    case .right: moveRight()
    case .home: moveHome()
    case .end: moveEnd()
    default: return false
    }
    return true
  }

  /// Takes the text for submission, remembers it in history and clears the line.
  package mutating func submit() -> String {
    let submitted = text
    if !submitted.isEmpty, history.last != submitted {
      history.append(submitted)
      if history.count > 500 { history.removeFirst() }
    }
    text = ""
    cursor = 0
    historyIndex = nil
    dropped = 0
    return submitted
  }

  /// Empties the line (Ctrl-U, Esc), leaving history as it is.
  package mutating func clear() {
    setText("")
    historyIndex = nil
  }

  /// Steps back in history (↑).
  package mutating func previous() {
    guard !history.isEmpty else { return }
    let index = max(0, (historyIndex ?? history.count) - 1)
    historyIndex = index
    setText(history[index])
  }

  /// Steps forward in history (↓); past the newest entry the line is empty.
  package mutating func next() {
    guard let index = historyIndex else { return }
    if index + 1 < history.count {
      historyIndex = index + 1
      setText(history[index + 1])
    } else {
      historyIndex = nil
      setText("")
    }
  }

  private mutating func setText(_ value: String) {
    text = value
    cursor = value.count
    dropped = 0
  }
}
