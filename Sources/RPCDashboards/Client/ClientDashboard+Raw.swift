import NIOCore
import TerminalUI

/// Raw mode (`rpc-client --raw` on a terminal), for any RPC service on RabbitMQ, in any
/// language: each line typed is one call with the line as its body (UTF-8 text, no number
/// parsing; an empty line sends nothing), and the lists show the request and the reply as
/// text. `q` and `?` are text here like any character: F1 opens the help and Ctrl-C quits.
extension ClientDashboard {
  /// The longest line raw mode takes, in characters.
  package static let rawInputLimit = 4_000
  /// How much of a request's text the client keeps to list it, in characters: more than any
  /// column shows.
  package static let requestLabelLength = 200

  /// The text listed for a request of raw mode.
  package static func requestLabel(_ text: String) -> String {
    String(text.prefix(requestLabelLength))
  }

  /// The most cells Completed gives a request's text, so that the reply keeps the rest.
  static let completedRequestCells = 24

  /// The keys of the screen in the mode it is in.
  var keymap: Keymap<Action> { rawMode ? Self.rawKeymap : Self.keymap }

  /// The keys in raw mode: those of ``keymap`` with help and quit on keys that are not text.
  package static let rawKeymap = Keymap<Action>([
    .init([.enter], .submit, footer: "send", help: "send the line as it is (UTF-8 text)"),
    .init([.escape, .control("u")], .clearLine, footer: nil, help: "clear the line"),
    .init([.up, .down], .history, footer: "history", help: "previous / next input"),
    .init(
      [.pageUp, .pageDown], .scroll, footer: "scroll", help: "scroll all kept completed calls"),
    .init(
      [.control("f"), .control("e")], .lists, footer: nil,
      help: "freeze the screen / go live · export the calls shown to .jsonl + .csv"),
    .init(
      [.function(2)], .injectUnknown, footer: "unknown reply",
      help: "inject a reply with a foreign correlation id"),
    .init(
      [.function(3)], .sendLate, footer: "late reply",
      help: "send the last line again with a 1 ms timeout: its reply comes late"),
    .init([.function(4)], .select, footer: "select", help: selectHelp),
    .init([.function(1)], .help, footer: "help", help: "this help"),
    .init([.control("c")], .quit, footer: "quit", help: "quit"),
  ])

  /// The input line's prompt: the mode and the queue the lines go to (a long queue name cut
  /// to a third of the width).
  func rawPrompt(width: Int) -> String {
    "raw \(queue.clipped(toCells: max(8, width / 3)))> "
  }

  /// Under the input line when there is nothing else to say.
  var rawHint: String {
    "raw mode: each line goes to \(queue) as it is — F1 help — ^C quits"
  }

  /// The help overlay's introduction in raw mode.
  var rawHelpIntro: [String] {
    [
      "Raw mode: each line typed is one call to \(queue), sent as it is (UTF-8 text,",
      "content_type text/plain) with reply_to = \(callbackQueue) and a unique correlation id;",
      "an empty line sends nothing. In flight and Completed show the request's text, and",
      "Completed the reply's body as text, cut to fit; an error reply shows the server's",
      "error kind and message.",
      "q and ? are text here: F1 opens this help, Ctrl-C quits.",
      "Late (after the timeout), unknown and duplicate replies are discarded.",
      "\(asciiOnly ? "=" : "✓") beside sent: sent = ok + error + timeout + unroutable",
      "+ lost + cancelled + in flight.",
    ]
  }

  /// Sends the line as it is; nothing for an empty line, and the line is refused (nothing
  /// sent, what fitted kept to be edited) when part of what was typed did not fit.
  mutating func submitRaw(now: NIODeadline) -> [Command] {
    let dropped = input.dropped
    let maximum = input.maximumLength
    guard dropped == 0 else {
      // The line keeps what fitted, to be edited (refused again if sent unchanged).
      say(
        "input longer than \(maximum) characters (\(dropped) more did not fit) — nothing sent",
        style: .error, now: now)
      return []
    }
    let text = input.submit()
    guard !text.isEmpty else {
      clearMessage()  // an empty line answers nothing: an old refusal goes
      return []
    }
    lastRawText = text
    return [.sendText(text)]
  }

  /// F3 in raw mode: the last line again, late; a word when nothing was sent yet.
  mutating func sendLateRaw(now: NIODeadline) -> [Command] {
    guard let text = lastRawText else {
      say("F3 sends the last line again with a 1 ms timeout: send a line first", now: now)
      return []
    }
    return [.sendLateText(text)]
  }

  /// A request's text as listed: its label, cut to `cells` (never inside a character);
  /// `-` for a call without one.
  static func requestText(_ label: String?, cells: Int = .max) -> String {
    guard let label else { return "-" }
    return label.clipped(toCells: cells)
  }
}
