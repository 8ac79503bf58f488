import AMQPRPC
import RPCCommandLine
import RPCScreens

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `rpc-client --raw TEXT…`: each text sent as it is, at once; each reply body printed as it
/// came, in the order of the texts, so that any RPC service can be called from a shell. (On
/// a terminal, control characters a server sent are shown escaped rather than obeyed.)
struct RawCalls {
  let client: RPCClient
  /// Standard output, or standard error when it is kept for the JSON summary.
  let output: ResultOutput
  /// `--record`: told of each call.
  let recorder: CallRecorder?

  /// Returns whether every call got a reply (not an error reply).
  func run(_ texts: [String]) async -> Bool {
    let results = await withTaskGroup(of: (Int, Result<RPCReply, any Error>).self) { group in
      for (index, text) in texts.enumerated() {
        group.addTask {
          recorder?.started()
          let result = await Result.awaiting { try await client.call(text) }
          recorder?.ended(n: nil, request: text, result: result)
          return (index, result)
        }
      }
      var results: [Int: Result<RPCReply, any Error>] = [:]
      for await (index, result) in group { results[index] = result }
      return results
    }
    var allReplied = true
    for index in texts.indices {
      switch results[index] {
      case .success(let reply)?:
        let onTerminal = isatty(output.toStandardError ? 2 : 1) == 1
        output(onTerminal ? reply.value.escapingControlCharacters : reply.value)
      case .failure(let error)?:
        allReplied = false
        printToStandardError(" [!] \(texts[index].escapingControlCharacters): \(error)")
      case nil: allReplied = false
      }
    }
    return allReplied
  }
}
