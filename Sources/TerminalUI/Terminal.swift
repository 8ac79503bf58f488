/// Where frames are drawn and keys come from. ``CursesTerminal`` is the real one; tests
/// render view models into a ``ScreenBuffer`` directly.
package protocol Terminal: AnyObject {
  /// The current size (columns, rows).
  var size: (width: Int, height: Int) { get }
  /// Whether text may be coloured (false with `NO_COLOR` or a monochrome terminal).
  var hasColor: Bool { get }
  /// Whether the terminal shows UTF-8 (block characters); otherwise use ASCII.
  var supportsUnicode: Bool { get }
  /// Draws a whole frame.
  func draw(_ buffer: ScreenBuffer)
  /// Waits up to `milliseconds` for a key; nil when none came.
  func nextKey(timeoutMilliseconds: Int) -> Key?
  /// Whether the terminal has gone away (hung up: its window closed, its tmux session
  /// killed): nothing more can be drawn or read, and waiting for a key returns at once.
  var hasHungUp: Bool { get }
  /// Restores the terminal; idempotent.
  func restore()
}
