import Foundation

/// A real terminal for end-to-end UI tests: tmux runs a command in a detached session; the
/// test types with `send-keys` and reads the screen with `capture-pane`.
final class TmuxSession: Sendable {
  let name: String

  /// Starts `command` in a new session; when it exits the pane prints `EXIT=<status>`.
  init(_ command: [String], width: Int = 100, height: Int = 30) throws {
    name = "test-\(UUID().uuidString.prefix(8))"
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
      .joined(separator: " ")
    try Self.tmux(
      "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
      "env LANG=C.UTF-8 TERM=screen-256color \(quoted); echo EXIT=$?; sleep 120")
  }

  func sendKeys(_ keys: String...) throws {
    try Self.tmux(["send-keys", "-t", name] + keys)
  }

  /// Types `text` literally, then Enter.
  func type(_ text: String) throws {
    try Self.tmux("send-keys", "-t", name, "-l", text)
    try Self.tmux("send-keys", "-t", name, "Enter")
  }

  func resize(width: Int, height: Int) throws {
    try Self.tmux("resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)")
  }

  func capture() throws -> String {
    try Self.tmux("capture-pane", "-t", name, "-p")
  }

  /// Polls the screen until `condition` holds. A terminal gives no event to wait on, so
  /// this is a bounded poll, every 50 ms for at most `seconds`.
  @discardableResult
  func waitFor(
    _ what: String, seconds: Double = 15, _ condition: @escaping @Sendable (String) -> Bool
  ) async throws -> String {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    var screen = ""
    while ContinuousClock.now < deadline {
      screen = try capture()
      if condition(screen) { return screen }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(what: "\(what); the screen was:\n\(screen)")
  }

  /// Waits until the screen contains `text`.
  @discardableResult
  func waitFor(_ text: String, seconds: Double = 15) async throws -> String {
    try await waitFor("\"\(text)\"", seconds: seconds) { $0.contains(text) }
  }

  func kill() {
    _ = try? Self.tmux("kill-session", "-t", name)
  }

  @discardableResult
  static func tmux(_ arguments: String...) throws -> String {
    try tmux(arguments)
  }

  @discardableResult
  static func tmux(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["tmux"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
      throw TimedOut(what: "tmux \(arguments.joined(separator: " ")) failed: \(text)")
    }
    return text
  }
}
