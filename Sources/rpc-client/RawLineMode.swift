import AMQPRPC
import RPCCommandLine
import RPCScreens

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `rpc-client --raw --no-tui` (or `--raw` off a terminal): each line of standard input sent
/// as it is, all in flight at once as they are read (an empty line sends nothing); each
/// reply body printed on its own line in the order of the lines, so that output lines follow
/// input lines; error replies and failures on standard error. (On a terminal, control
/// characters a server sent are shown escaped rather than obeyed.)
struct RawLineMode {
  let client: RPCClient
  let output: ResultOutput
  /// `--record`: told of each call.
  let recorder: CallRecorder?

  /// Returns whether every call got a reply (not an error reply).
  func run() async -> Bool {
    let printer = InOrderPrinter(output: output, escaping: isatty(1) == 1)
    await withTaskGroup(of: Void.self) { group in
      var index = 0
      while let line = readLine(strippingNewline: true) {
        guard !line.isEmpty else { continue }
        let position = index
        index += 1
        group.addTask {
          recorder?.started()
          let result = await Result.awaiting { try await client.call(line) }
          recorder?.ended(n: nil, request: line, result: result)
          await printer.deliver(result, text: line, at: position)
        }
      }
    }
    return await printer.allReplied
  }
}

/// Prints results in the order of their positions, each as soon as those before it are
/// printed.
private actor InOrderPrinter {
  private let output: ResultOutput
  private let escaping: Bool
  private var next = 0
  private var waiting: [Int: (result: Result<RPCReply, any Error>, text: String)] = [:]
  private(set) var allReplied = true

  init(output: ResultOutput, escaping: Bool) {
    self.output = output
    self.escaping = escaping
  }

  func deliver(_ result: Result<RPCReply, any Error>, text: String, at position: Int) {
    waiting[position] = (result, text)
    while let ready = waiting.removeValue(forKey: next) {
      next += 1
      switch ready.result {
      case .success(let reply):
        output(escaping ? reply.value.escapingControlCharacters : reply.value)
      case .failure(let error):
        allReplied = false
        printToStandardError(" [!] \(ready.text.escapingControlCharacters): \(error)")
      }
    }
  }
}
