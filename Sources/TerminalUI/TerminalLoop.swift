import Foundation

/// The frame loop every screen runs: draw a frame, wait for keys (briefly while something
/// moves, up to a second when idle), hand them over, repeat.
package enum TerminalLoop {
  /// Runs on the calling thread until `handle` returns false or `shouldStop` turns true.
  ///
  /// When the terminal hangs up, `hungUp` is called once (the screen starts stopping as on
  /// `q`) and the loop stops drawing and reading: it only checks `shouldStop` every
  /// ``hungUpPoll`` until the screen has stopped, instead of spinning on reads that fail
  /// at once.
  /// - Parameters:
  ///   - render: draws the frame into the buffer; returns whether anything is moving.
  ///   - handle: takes one key; false ends the loop.
  package static func run(
    terminal: any Terminal, render: (inout ScreenBuffer) -> Bool, handle: (Key) -> Bool,
    hungUp: () -> Void = {}, shouldStop: () -> Bool
  ) {
    while !shouldStop() {
      if terminal.hasHungUp {
        hungUp()
        while !shouldStop() { Thread.sleep(forTimeInterval: hungUpPoll) }
        return
      }
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

  /// How often a loop whose terminal hung up checks whether the screen has stopped.
  package static let hungUpPoll: TimeInterval = 0.05

  /// Runs `body` on a thread of its own (curses blocks while waiting for keys, which must
  /// not happen on the concurrency pool) and returns when it ends.
  package static func onDedicatedThread(name: String, _ body: @escaping @Sendable () -> Void) async
  {
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
