import Foundation

/// The frame loop every screen runs: draw a frame, wait for keys (briefly while something
/// moves, up to a second when idle), hand them over, repeat.
public enum TerminalLoop {
  /// Runs on the calling thread until `handle` returns false or `shouldStop` turns true.
  /// - Parameters:
  ///   - render: draws the frame into the buffer; returns whether anything is moving.
  ///   - handle: takes one key; false ends the loop.
  public static func run(
    terminal: any Terminal, render: (inout ScreenBuffer) -> Bool, handle: (Key) -> Bool,
    shouldStop: () -> Bool
  ) {
    while !shouldStop() {
      let size = terminal.size
      var buffer = ScreenBuffer(width: size.width, height: size.height)
      let animating = render(&buffer)
      terminal.draw(buffer)
      // ~10 frames a second while something moves; otherwise wake once a second.
      var key = terminal.nextKey(timeoutMilliseconds: animating ? 100 : 1_000)
      var handled = 0
      while let pressed = key, handled < 256 {
        if !handle(pressed) { return }
        handled += 1
        key = terminal.nextKey(timeoutMilliseconds: 0)
      }
    }
  }

  /// Runs `body` on a thread of its own (curses blocks while waiting for keys, which must
  /// not happen on the concurrency pool) and returns when it ends.
  public static func onDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
      let thread = Thread {
        body()
        done.resume()
      }
      thread.name = name
      thread.start()
    }
  }
}
