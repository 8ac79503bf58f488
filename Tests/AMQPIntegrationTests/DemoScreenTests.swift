import AMQPClient
import Foundation
import Testing

extension BrokerTests {
  /// rpc-demo in a real terminal (tmux) against the real broker.
  @Suite struct DemoScreen {
    @Test func burstSpreadsOverTheWorkersAndTheTourRunsToItsEnd() async throws {
      let queue = Broker.uniqueName("demo")
      let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rpc-demo").path
      let demo = try TmuxSession(
        [binary, "--queue", queue, "--workers", "3", "--tour-pace", "0.2"], width: 130, height: 40)
      defer { demo.kill() }
      try await demo.waitFor("Workers (3)")

      try demo.type("25x40")
      // A capture can catch curses mid-redraw, so wait for a screen whose client line and
      // worker rows both show the whole burst.
      let done: @Sendable (String) -> [Int] = { screen in
        ["w1", "w2", "w3"].map { ServerScreen.done($0, in: screen) ?? 0 }
      }
      let screen = try await demo.waitFor("the burst to complete on both sides") {
        $0.contains("ok 40 ") && done($0).reduce(0, +) == 40
      }
      #expect(done(screen).allSatisfy { $0 > 0 }, "\(screen)")

      try demo.sendKeys("F8")
      try await demo.waitFor("TOUR (F8 stops)")
      try await demo.waitFor("Tour 5/5", seconds: 60)
      let finished = try await demo.waitFor("Tour finished", seconds: 60)
      #expect(!finished.contains("Tour failed"))
      #expect(finished.contains("late 1 "))
      #expect(finished.contains("unknown 1 "))

      try demo.sendKeys("q")
      let after = try await demo.waitFor("EXIT=0")
      #expect(after.contains("rpc-demo: "))
      let connection = try await Broker.connect()
      try await connection.openChannel().queueDelete(queue)
      try await connection.close()
    }
  }
}
