@preconcurrency import Dispatch

#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into an async value, so commands can shut down
/// gracefully. SIGHUP is the terminal going away (its window closed, its tmux session
/// killed): a screen then has nothing to draw on and must end as on `q`, not run on.
package final class SignalWatcher: Sendable {
  private let sources: [any DispatchSourceSignal]
  private let received: AsyncStream<Int32>

  /// Installs the handlers and returns once they are registered: from then on a signal is
  /// delivered here instead of ending the process.
  package static func install() async -> SignalWatcher {
    let queue = DispatchQueue(label: "rpc.signals")
    let (received, continuation) = AsyncStream.makeStream(of: Int32.self)
    var sources: [any DispatchSourceSignal] = []
    for number in Self.handled {
      #if canImport(Darwin)
        // kqueue delivers signals below signal(); ignore the default action there.
        signal(number, SIG_IGN)
      #endif
      let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
      source.setEventHandler { continuation.yield(number) }
      await withCheckedContinuation { registered in
        source.setRegistrationHandler { registered.resume() }
        source.resume()
      }
      sources.append(source)
    }
    return SignalWatcher(sources: sources, received: received)
  }

  /// The signals that ask for a graceful stop.
  package static let handled = [SIGINT, SIGTERM, SIGHUP]

  private init(sources: [any DispatchSourceSignal], received: AsyncStream<Int32>) {
    self.sources = sources
    self.received = received
  }

  /// The next SIGINT, SIGTERM or SIGHUP.
  package func next() async -> Int32? {
    var iterator = received.makeAsyncIterator()
    return await iterator.next()
  }
}

/// Makes standard output line-buffered, so line-mode output reaches pipes and files as it
/// happens (a pipe is otherwise block-buffered).
package func lineBufferStandardOutput() {
  setvbuf(stdout, nil, _IOLBF, 0)
}
