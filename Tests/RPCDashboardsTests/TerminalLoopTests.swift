import Testing

@testable import TerminalUI

/// The frame loop when its terminal goes away: it stops drawing and reading, says so once,
/// and ends when the screen has stopped.
@Suite struct TerminalLoopTests {
  /// A terminal that hangs up after `framesBeforeHangUp` frames, and fails every read at
  /// once from then on, as a dead one does.
  final class VanishingTerminal: Terminal {
    let size = (width: 80, height: 24)
    let hasColor = false
    let supportsUnicode = true
    let framesBeforeHangUp: Int
    private(set) var frames = 0
    private(set) var reads = 0

    init(framesBeforeHangUp: Int) { self.framesBeforeHangUp = framesBeforeHangUp }

    var hasHungUp: Bool { frames >= framesBeforeHangUp }
    func draw(_ buffer: ScreenBuffer) { frames += 1 }
    func nextKey(timeoutMilliseconds: Int) -> Key? {
      reads += 1
      return nil
    }
    func restore() {}
  }

  @Test func aHungUpTerminalStopsTheScreenOnceAndIsNeitherDrawnNorRead() {
    let terminal = VanishingTerminal(framesBeforeHangUp: 3)
    var hangUps = 0
    var checksAfterHangUp = 0
    TerminalLoop.run(
      terminal: terminal, render: { _ in true }, handle: { _ in true },
      hungUp: { hangUps += 1 },
      shouldStop: {
        // The screen takes a few checks to drain, as on `q`.
        if hangUps > 0 { checksAfterHangUp += 1 }
        return checksAfterHangUp > 3
      })
    #expect(hangUps == 1)
    #expect(terminal.frames == 3)
    #expect(terminal.reads == 3)
    #expect(checksAfterHangUp == 4)
  }

  @Test func aLiveTerminalIsNeverTakenForAHungUpOne() {
    let terminal = VanishingTerminal(framesBeforeHangUp: .max)
    var checks = 0
    var hangUps = 0
    TerminalLoop.run(
      terminal: terminal, render: { _ in false }, handle: { _ in true },
      hungUp: { hangUps += 1 },
      shouldStop: {
        checks += 1
        return checks > 5
      })
    #expect(hangUps == 0)
    #expect(terminal.frames == 5)
  }
}
