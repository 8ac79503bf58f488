import ArgumentParser

extension Option {
  /// An option that takes a number in `range`, with a default.
  ///
  /// The help gets the range and the default appended. The value is read unconditionally,
  /// so `--timeout -1` is refused for its range rather than taken for an option named `-1`.
  package init(
    wrappedValue: Value, name: NameSpecification = .long, help: String,
    range: OptionRange<Value>
  ) where Value: Sendable {
    self.init(
      wrappedValue: wrappedValue, name: name, parsing: .unconditional,
      help: ArgumentHelp(range.help(abstract: help, defaultValue: range.describe(wrappedValue))),
      transform: { text in try range.parse(text) })
  }

  /// An option that takes a number in `range`, or is absent (`nil`).
  package init<Number>(name: NameSpecification = .long, help: String, range: OptionRange<Number>)
  where Value == Number? {
    self.init(
      name: name, parsing: .unconditional,
      help: ArgumentHelp(range.help(abstract: help, defaultValue: nil)),
      transform: { text in try range.parse(text) })
  }
}

extension OptionRange {
  /// `abstract`, then the range, the note and the default: `Seconds to wait for each reply:
  /// a number of seconds from 0.001 to 86400 (default 30).`
  func help(abstract: String, defaultValue: String?) -> String {
    var text = abstract
    if text.hasSuffix(".") { text.removeLast() }
    text += ": \(description)"
    if !note.isEmpty { text += "; \(note)" }
    if let defaultValue { text += " (default \(defaultValue))" }
    return text + "."
  }
}
