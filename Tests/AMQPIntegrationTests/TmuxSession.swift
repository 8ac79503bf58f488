import Foundation

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// A real terminal for end-to-end UI tests: tmux runs a command in a detached session; the
/// test types with `send-keys` and reads the screen with `capture-pane`. Each session has a
/// tmux server of its own (`-L`): on a shared server, a session started just as the last
/// one ended met a server on its way out ("server exited unexpectedly").
final class TmuxSession: Sendable {
  let name: String

  /// Starts `command` in a new session; when it exits the pane prints `EXIT=<status>`.
  init(_ command: [String], width: Int = 100, height: Int = 30) throws {
    name = "test-\(UUID().uuidString.prefix(8))"
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
      .joined(separator: " ")
    try tmux(
      "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
      "env LANG=C.UTF-8 TERM=screen-256color \(quoted); echo EXIT=$?; sleep 120")
  }

  func sendKeys(_ keys: String...) throws {
    try tmux(["send-keys", "-t", name] + keys)
  }

  /// Types `text` literally, then Enter.
  func type(_ text: String) throws {
    try tmux("send-keys", "-t", name, "-l", text)
    try tmux("send-keys", "-t", name, "Enter")
  }

  func resize(width: Int, height: Int) throws {
    try tmux("resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)")
  }

  func capture() throws -> String {
    try tmux("capture-pane", "-t", name, "-p")
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
    _ = try? tmux("kill-server")
  }

  /// Runs a tmux command on this session's own server.
  @discardableResult
  private func tmux(_ arguments: String...) throws -> String {
    try Self.run(["-L", name] + arguments)
  }

  @discardableResult
  private func tmux(_ arguments: [String]) throws -> String {
    try Self.run(["-L", name] + arguments)
  }

  @discardableResult
  private static func run(_ arguments: [String]) throws -> String {
    // Not Foundation's Process: the tmux server that `new-session` starts would inherit the
    // descriptor Process watches for the child's exit, and the wait would never end. Spawn
    // directly with every descriptor above stderr closed, output to a file, and waitpid.
    let outputPath = FileManager.default.temporaryDirectory
      .appendingPathComponent("tmux-\(UUID().uuidString).out").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // bash (dash cannot name descriptors above 9) closes every other inherited descriptor,
    // then becomes tmux.
    let script = """
      for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
      exec tmux "$@"
      """
    let argv = (["/bin/bash", "-c", script, "bash"] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    // The calling thread is one of the concurrency pool's, which blocks nearly every
    // signal; a child inherits that mask, and so would the tmux server and the programs in
    // its panes: `kill-server` (a SIGTERM to itself) then did nothing, and SIGHUP never
    // reached a program. Spawn with no signal blocked and the usual ones at their default.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for number in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE] { sigaddset(&defaults, number) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, environ) == 0 else {
      throw TimedOut(what: "tmux could not be started")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    // WIFEXITED and WEXITSTATUS, which Swift does not import.
    guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
      throw TimedOut(what: "tmux \(arguments.joined(separator: " ")) failed: \(text)")
    }
    return text
  }
}
