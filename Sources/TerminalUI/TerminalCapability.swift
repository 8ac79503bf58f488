import CNcurses

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the terminal can do, asked of terminfo before a screen starts.
package enum TerminalCapability {
  /// Why the terminal named by `TERM` cannot show a screen — it cannot move the cursor
  /// (`TERM=dumb`, or no `cup` capability), as `less`, `git` and `cargo` check — or `nil` when
  /// it can. An unknown `TERM` is left to the screen's own clear error.
  package static func screenProblem() -> String? {
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    if term.isEmpty { return "TERM is not set" }
    if cn_terminal_addresses_cursor() == 0 {
      return "TERM=\(term) cannot move the cursor"
    }
    return nil
  }
}
