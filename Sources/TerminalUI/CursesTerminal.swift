import CNcurses

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one type that talks to ncurses. Use it from a single thread.
package final class CursesTerminal: Terminal {
  package let hasColor: Bool
  package let supportsUnicode: Bool
  private var restored = false
  /// See ``Terminal/hasHungUp``: found by a read that failed long before its timeout.
  package private(set) var hasHungUp = false
  /// Reads in a row that failed well before their timeout.
  private var earlyFailures = 0
  /// Early failures in a row taken as a hang-up even when the descriptor does not say so: a
  /// live terminal waits for the timeout, so only a dead one fails this often.
  static let earlyFailureLimit = 20

  /// Switches the terminal to the UI (raw keys, no echo, alternate screen) and installs a
  /// handler that restores it if the process dies of a crash signal.
  package init(environment: [String: String]) {
    setlocale(LC_ALL, "")
    supportsUnicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
    setenv("ESCDELAY", "25", 0)
    initscr()
    raw()
    noecho()
    nonl()
    keypad(cn_stdscr(), true)
    cn_install_crash_restore()
    let wantsColor = environment["NO_COLOR"].map(\.isEmpty) ?? true
    hasColor = wantsColor && has_colors()
    if hasColor {
      start_color()
      use_default_colors()
      for (role, colors) in Self.palette { init_pair(Int16(role.rawValue + 1), colors.0, colors.1) }
    }
  }

  deinit { restore() }

  /// The terminal's current size in cells.
  package var size: (width: Int, height: Int) { (Int(cn_cols()), Int(cn_lines())) }

  /// Puts `buffer` on the screen (curses sends only what changed).
  package func draw(_ buffer: ScreenBuffer) {
    let window = cn_stdscr()
    werase(window)
    for row in 0..<buffer.height {
      var column = 0
      while column < buffer.width {
        let style = buffer[row, column].style
        var run = ""
        let start = column
        while column < buffer.width, buffer[row, column].style == style {
          let cell = buffer[row, column]
          // A wide character's right half: curses advances past it by itself; the ASCII
          // fallback is one cell wide, so a space keeps the columns.
          if cell.isContinuation {
            if !supportsUnicode { run.append(" ") }
          } else {
            run.append(supportsUnicode ? cell.character : Self.asciiFallback(cell.character))
          }
          column += 1
        }
        cn_set_attr(window, attributes(for: style))
        _ = mvwaddstr(window, Int32(row), Int32(start), run)
      }
    }
    cn_set_attr(window, cn_attr_normal())
    if let cursor = buffer.cursor {
      curs_set(1)
      wmove(window, Int32(cursor.row), Int32(cursor.column))
    } else {
      curs_set(0)
    }
    wnoutrefresh(window)
    doupdate()
  }

  /// The next key pressed, or `nil` when none comes within the timeout (at once, once the
  /// terminal has hung up).
  package func nextKey(timeoutMilliseconds: Int) -> Key? {
    guard !hasHungUp else { return nil }
    let window = cn_stdscr()
    wtimeout(window, Int32(timeoutMilliseconds))
    let started = ContinuousClock.now
    var character: wint_t = 0
    let result = wget_wch(window, &character)
    guard result == OK || result == KEY_CODE_YES else {
      noteFailedRead(since: started, timeoutMilliseconds: timeoutMilliseconds)
      return nil
    }
    earlyFailures = 0
    if result == KEY_CODE_YES { return Self.functionKey(Int32(character)) }
    switch character {
    case 10, 13: return .enter
    case 127, 8: return .backspace
    case 9: return .tab
    case 27: return .escape
    case 1...26: return .control(Character(Unicode.Scalar(UInt8(character) + 96)))
    default:
      guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
      return .character(Character(scalar))
    }
  }

  /// A read that returned no key: when it came back well before its timeout, the terminal
  /// may be gone (a hung-up terminal fails every read at once, end of file or an error):
  /// ask the descriptor, and count.
  private func noteFailedRead(since started: ContinuousClock.Instant, timeoutMilliseconds: Int) {
    guard timeoutMilliseconds > 0 else { return }  // a poll for more keys: none is normal
    guard ContinuousClock.now - started < .milliseconds(timeoutMilliseconds / 2) else {
      earlyFailures = 0
      return
    }
    earlyFailures += 1
    if Self.inputHasHungUp() || earlyFailures >= Self.earlyFailureLimit { hasHungUp = true }
  }

  /// Whether standard input (where curses reads keys) reports a hang-up or an error, or is
  /// no longer a terminal (a hung-up terminal answers its ioctl with an error).
  static func inputHasHungUp() -> Bool {
    var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
    let ready = poll(&descriptor, 1, 0)
    if ready < 0 { return errno != EINTR }
    if ready > 0, Int32(descriptor.revents) & (POLLHUP | POLLERR | POLLNVAL) != 0 { return true }
    return isatty(STDIN_FILENO) == 0
  }

  /// Gives the terminal back as it was; safe to call more than once.
  package func restore() {
    guard !restored else { return }
    restored = true
    curs_set(1)
    endwin()
  }

  private static func functionKey(_ code: Int32) -> Key? {
    switch code {
    case KEY_UP: .up
    case KEY_DOWN: .down
    case KEY_LEFT: .left
    case KEY_RIGHT: .right
    case KEY_HOME: .home
    case KEY_END: .end
    case KEY_PPAGE: .pageUp
    case KEY_NPAGE: .pageDown
    case KEY_BACKSPACE: .backspace
    case KEY_DC: .delete
    case KEY_ENTER: .enter
    case KEY_RESIZE: .resize
    case cn_key_f(1)...cn_key_f(12): .function(Int(code - cn_key_f(0)))
    default: nil
    }
  }

  /// What to show for a character a non-UTF-8 terminal cannot.
  static func asciiFallback(_ character: Character) -> Character {
    guard !character.isASCII else { return character }
    switch character {
    case "│", "┃": return "|"
    case "—", "–", "─": return "-"
    case "·", "•": return "."
    case "↑": return "^"
    case "↓": return "v"
    case "←": return "<"
    case "→": return ">"
    case "…": return "~"
    case "×": return "x"
    case "≤": return "<"
    case "█", "▇", "▆": return "#"
    case "▅", "▄": return "="
    case "▃", "▂": return "-"
    case "▁": return "_"
    default: return "?"
    }
  }

  /// Foreground and background per role (-1 is the terminal's default).
  private static let palette: [(StyleRole, (Int16, Int16))] = [
    (.normal, (-1, -1)), (.bar, (Int16(COLOR_BLACK), Int16(COLOR_CYAN))),
    (.title, (Int16(COLOR_YELLOW), -1)), (.heading, (Int16(COLOR_CYAN), -1)),
    (.dim, (Int16(COLOR_BLUE), -1)), (.accent, (Int16(COLOR_MAGENTA), -1)),
    (.ok, (Int16(COLOR_GREEN), -1)), (.warning, (Int16(COLOR_YELLOW), -1)),
    (.error, (Int16(COLOR_RED), -1)), (.selected, (Int16(COLOR_BLACK), Int16(COLOR_WHITE))),
    (.key, (Int16(COLOR_WHITE), Int16(COLOR_BLUE))),
  ]

  private func attributes(for role: StyleRole) -> Int32 {
    if hasColor {
      let pair = cn_color_pair(Int32(role.rawValue + 1))
      switch role {
      case .title, .error, .key, .accent: return pair | cn_attr_bold()
      default: return pair
      }
    }
    // Monochrome: attributes only.
    switch role {
    case .normal, .ok: return cn_attr_normal()
    case .bar, .selected: return cn_attr_reverse()
    case .title, .accent, .error, .warning: return cn_attr_bold()
    case .heading: return cn_attr_underline()
    case .dim: return cn_attr_dim()
    case .key: return cn_attr_reverse() | cn_attr_bold()
    }
  }
}
