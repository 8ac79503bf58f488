import NIOCore
import TerminalUI

/// What a dashboard shows for a while on top of its numbers, the same for every screen: a
/// flash message until it expires, and the help overlay until a key closes it.
package struct TransientState: Sendable {
  /// A message shown until a moment.
  package struct Flash: Sendable, Equatable {
    package var text: String
    package var style: StyleRole
    package var until: NIODeadline
  }

  package private(set) var flash: Flash?
  package private(set) var showsHelp = false

  package init() {}

  /// Shows `text` from `now` for `seconds`, in place of any message before it.
  package mutating func say(_ text: String, style: StyleRole, now: NIODeadline, for seconds: Int64)
  {
    flash = Flash(text: text, style: style, until: now + .seconds(seconds))
  }

  /// Takes the message away at once.
  package mutating func clearMessage() { flash = nil }

  /// Forgets the message once its time is up.
  package mutating func expire(now: NIODeadline) {
    if let flash, flash.until <= now { self.flash = nil }
  }

  /// The message shown at `now`: `nil` once expired, whether or not ``expire(now:)`` ran.
  package func message(at now: NIODeadline) -> (text: String, style: StyleRole)? {
    guard let flash, flash.until > now else { return nil }
    return (flash.text, flash.style)
  }

  /// Whether a message is shown at `now` (so the screen redraws until it goes).
  package func showsMessage(at now: NIODeadline) -> Bool { message(at: now) != nil }

  /// Opens the help overlay.
  package mutating func openHelp() { showsHelp = true }

  /// Whether the open help overlay takes `key`: any key but a resize closes it, and does
  /// nothing else. False when the help is not shown.
  package mutating func helpTakes(_ key: Key) -> Bool {
    guard showsHelp else { return false }
    if key != .resize { showsHelp = false }
    return true
  }
}
