import NIOCore
import TerminalUI
import Testing

@testable import RPCDashboards

/// The prefetch keys, `[` and `]`, around 0 (unlimited), 1 and the `UInt16` limit.
extension ServerDashboardTests {
  @Test func prefetchZeroIsShownAsUnlimited() {
    var board = dashboard()
    board.prefetch = 0
    let lines = render(&board)
    #expect(lines[1].contains("prefetch (new) unlimited"), "\(lines[1])")
  }

  @Test func raisingAnUnlimitedPrefetchKeepsItUnlimited() {
    var board = dashboard()
    board.prefetch = 0
    #expect(board.handle(.character("]"), now: t0) == [])
    #expect(board.prefetch == 0)
    #expect(board.visibleMessage?.text == "prefetch stays unlimited, the highest")
  }

  @Test func loweringAnUnlimitedPrefetchStepsToTheHighestCount() {
    var board = dashboard()
    board.prefetch = 0
    #expect(board.handle(.character("["), now: t0) == [.setPrefetch(1_000)])
    #expect(board.visibleMessage?.text == "new workers get prefetch 1000")
    #expect(board.handle(.character("]"), now: t0) == [.setPrefetch(0)])
    #expect(board.visibleMessage?.text == "new workers get prefetch unlimited")
  }

  @Test func theLargestPrefetchRaisesToUnlimitedAndLowersByOne() {
    var board = dashboard()
    board.prefetch = .max
    #expect(board.handle(.character("]"), now: t0) == [.setPrefetch(0)])
    board.prefetch = .max
    #expect(board.handle(.character("["), now: t0) == [.setPrefetch(65_534)])
  }

  @Test func prefetchOneCannotBeLoweredToUnlimited() {
    var board = dashboard()
    #expect(board.handle(.character("["), now: t0) == [])
    #expect(board.prefetch == 1)
    #expect(board.visibleMessage?.text == "prefetch stays 1, the lowest")
  }

  @Test func everyPrefetchStepsWithinTheSixteenBitRange() {
    for value in UInt16.min...UInt16.max {
      let raised = Prefetch.raised(value)
      let lowered = Prefetch.lowered(value)
      switch value {
      case 0:
        #expect(raised == 0 && lowered == Prefetch.highestStep)
      case 1:
        #expect(raised == 2 && lowered == 1)
      case Prefetch.highestStep...:
        #expect(raised == 0 && lowered == value - 1, "\(value)")
      default:
        #expect(raised == value + 1 && lowered == value - 1, "\(value)")
      }
    }
  }
}

/// The footer names the prefetch keys that work now, at 80 columns as at wider ones.
extension ServerDashboardTests {
  @Test(arguments: [(UInt16(3), "[ ] prefetch"), (1, "] prefetch"), (0, "[ prefetch")])
  func footerShowsThePrefetchKeysThatWork(prefetch: UInt16, expected: String) {
    for width in [80, 120] {
      var board = dashboard()
      board.prefetch = prefetch
      let footer = render(&board, width: width, height: 24).last ?? ""
      #expect(footer.contains(expected), "\(width): \(footer)")
      if prefetch != 3 {
        #expect(!footer.contains("[ ]"), "\(width): \(footer)")
      }
    }
  }
}
