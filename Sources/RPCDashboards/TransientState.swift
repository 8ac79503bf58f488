import NIOCore
import TerminalUI

/// What a dashboard shows for a while on top of its numbers, the same for every screen: a
/// flash message until it expires, and the help overlay until a key closes it.
public struct TransientState: Sendable {
  /// A message shown until a moment.
  public struct Flash: Sendable, Equatable {
    public var text: String
    public var style: StyleRole
    public var until: NIODeadline
  }

  public private(set) var flash: Flash?
  public private(set) var showsHelp = false

  public init() {}

  /// Shows `text` from `now` for `seconds`, in place of any message before it.
  public mutating func say(_ text: String, style: StyleRole, now: NIODeadline, for seconds: Int64) {
    flash = Flash(text: text, style: style, until: now + .seconds(seconds))
  }

  /// Takes the message away at once.
  public mutating func clearMessage() { flash = nil }

  /// Forgets the message once its time is up.
  public mutating func expire(now: NIODeadline) {
    if let flash, flash.until <= now { self.flash = nil }
  }

  /// The message shown at `now`: `nil` once expired, whether or not ``expire(now:)`` ran.
  public func message(at now: NIODeadline) -> (text: String, style: StyleRole)? {
    guard let flash, flash.until > now else { return nil }
    return (flash.text, flash.style)
  }

  /// Whether a message is shown at `now` (so the screen redraws until it goes).
  public func showsMessage(at now: NIODeadline) -> Bool { message(at: now) != nil }

  /// Opens the help overlay.
  public mutating func openHelp() { showsHelp = true }

  /// Whether the open help overlay takes `key`: any key but a resize closes it, and does
  /// nothing else. False when the help is not shown.
  public mutating func helpTakes(_ key: Key) -> Bool {
    guard showsHelp else { return false }
    if key != .resize { showsHelp = false }
    return true
  }
}
