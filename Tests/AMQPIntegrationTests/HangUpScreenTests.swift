import AMQPClient
import AMQPProtocol
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

extension BrokerTests {
  /// A screen whose terminal goes away (its tmux server killed, as when a window is closed)
  /// ends as on `q` instead of running on, spinning on reads that fail at once.
  @Suite struct HangUpScreen {
    static let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// `ignoringHangUp`: SIGHUP ignored (inherited), so that only the dead terminal itself,
    /// its reads failing at once, can tell the screen.
    @Test(arguments: [
      ("rpc-client", false), ("rpc-server", false), ("rpc-demo", false), ("rpc-client", true),
    ])
    func screenEndsWhenItsTerminalIsKilled(program: String, ignoringHangUp: Bool) async throws {
      let queue = Broker.uniqueName("hangup")
      let pidFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("hangup-\(UUID().uuidString).pid").path
      defer { try? FileManager.default.removeItem(atPath: pidFile) }
      // The shell writes its pid, then becomes the program: that pid is the program's.
      let session = try TmuxSession(
        [
          "/bin/sh", "-c",
          (ignoringHangUp ? "trap '' HUP; " : "") + "echo $$ > \"$0\"; exec \"$@\"",
          pidFile,
          Self.bin.appendingPathComponent(program).path, "--queue", queue,
        ], width: 80, height: 24)
      defer { session.kill() }
      try await session.waitFor(program == "rpc-client" ? "In flight (0)" : "Workers (")
      let text = try String(contentsOfFile: pidFile, encoding: .utf8)
      let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
      #expect(Self.isRunning(pid))
      let connection = try await Broker.connect()
      let channel = try await connection.openChannel()
      var replyTo: String?
      if program == "rpc-server" {
        // A request its worker holds when the terminal goes: fib(41), recursive in a debug
        // build, takes about three seconds.
        let replyQueue = try await channel.queueDeclare(exclusive: true, autoDelete: true).name
        try await channel.publish(
          ByteBuffer(string: "41"), routingKey: queue,
          properties: AMQPBasicProperties(correlationID: "held-1", replyTo: replyQueue))
        replyTo = replyQueue
        try await session.waitFor("busy fib(41)")
      }

      session.kill()
      let exited = await Self.waitForExit(pid, seconds: 20)
      if !exited { Glibc.kill(pid, SIGKILL) }
      #expect(exited, "\(program) still runs 20 s after its terminal went away")

      if let replyTo {
        // It drained as on `q`: the held request was answered, not given back.
        let reply = try await channel.get(queue: replyTo, noAck: true)
        #expect(reply?.properties.correlationID == "held-1")
        let left = try await channel.queueDeclare(queue, passive: true)
        #expect(left.messageCount == 0 && left.consumerCount == 0)
      }
      _ = try? await channel.queueDelete(queue)
      try await connection.close()
    }

    /// Whether `pid` is a live process (not gone, not a zombie waiting to be reaped).
    static func isRunning(_ pid: pid_t) -> Bool {
      guard Glibc.kill(pid, 0) == 0 else { return false }
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
      // `pid (name) S …`: the state follows the name's closing parenthesis.
      guard let close = stat.lastIndex(of: ")") else { return false }
      return !stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Polls every 50 ms, for at most `seconds`, until `pid` is no longer running.
    static func waitForExit(_ pid: pid_t, seconds: Int) async -> Bool {
      let deadline = ContinuousClock.now + .seconds(seconds)
      while ContinuousClock.now < deadline {
        if !isRunning(pid) { return true }
        try? await Task.sleep(for: .milliseconds(50))
      }
      return !isRunning(pid)
    }
  }
}
