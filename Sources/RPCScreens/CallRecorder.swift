import AMQPRPC
import NIOConcurrencyHelpers
import RPCCommandLine
import RPCDashboards

/// `rpc-client --record FILE`: one JSON line (``CallRecord/jsonLine``) per call as it ends,
/// written at once with `write(2)`, so that every call ended is in the file even when the
/// process is killed next.
///
/// It is told by the code that makes each call (``started()`` before, ``ended(n:request:result:)``
/// after), not by the client's event stream: that stream keeps only the newest 10,000
/// unread events and has one reader, the screen, so a burst could drop lines silently.
/// Waiting for the calls started to end (``waitForEnds(within:)``) before exit makes the
/// line count equal the calls ended. A failed write (a full disk) stops the recording; the
/// lines not written are counted (``summary``).
package final class CallRecorder: Sendable {
  /// The file and the counts, under one lock.
  private struct State {
    var file: LineFile?
    var started = 0
    var ended = 0
    var written = 0
    var failure: LineFile.Failure?
  }

  // `LineFile` is a class with a descriptor: every use is under this lock, so the state is
  // only ever touched by one thread at a time.
  private final class Box: @unchecked Sendable {
    let lock = NIOLock()
    var state = State()
  }

  private let box = Box()
  /// The file's path (`-`: standard output).
  package let path: String

  /// Opens `path` for recording: a new file (an existing one is refused, unless `append`),
  /// or standard output for `-`.
  package init(path: String, append: Bool) throws(LineFile.Failure) {
    self.path = path
    box.state.file = try LineFile(path: path, mode: append ? .append : .create)
  }

  /// A call is about to be made.
  package func started() {
    box.lock.withLock { box.state.started += 1 }
  }

  /// A call ended with `result`: writes its line. `request` is a raw call's text.
  package func ended(n: Int?, request: String?, result: Result<RPCReply, any Error>) {
    let now = CallRecord.nowMicroseconds()
    let record: CallRecord
    switch result {
    case .success(let reply):
      record = CallRecord(
        correlationID: reply.correlationID, n: n, request: request, result: .success(reply),
        endedAtMicroseconds: now)
    case .failure(let error as RPCError):
      record = CallRecord(
        correlationID: error.correlationID, n: n, request: request, result: .failure(error),
        endedAtMicroseconds: now)
    case .failure(let error):
      record = CallRecord(
        correlationID: "", n: n, request: request, outcome: .cancelled, result: nil,
        error: "\(error)", errorKind: "\(type(of: error))", roundTripMicroseconds: nil,
        queueWaitMicroseconds: nil, serviceMicroseconds: nil, returnTripMicroseconds: nil,
        worker: nil, endedAtMicroseconds: now)
    }
    let line = record.jsonLine
    box.lock.withLock {
      box.state.ended += 1
      guard box.state.failure == nil, let file = box.state.file else { return }
      do throws(LineFile.Failure) {
        try file.write(line: line)
        box.state.written += 1
      } catch {
        box.state.failure = error
      }
    }
  }

  /// Waits until every call started has ended (and is written), at most `within`.
  package func waitForEnds(within: Duration = .seconds(10)) async {
    let clock = ContinuousClock()
    let deadline = clock.now + within
    while clock.now < deadline {
      let done = box.lock.withLock { box.state.ended >= box.state.started }
      if done { return }
      try? await Task.sleep(for: .milliseconds(5))
    }
  }

  /// Closes the file and says how it went: `recorded 500 calls to calls.jsonl`, with the
  /// calls not recorded and why.
  package func finish() -> (text: String, complete: Bool) {
    box.lock.withLock {
      var state = box.state
      if let file = state.file {
        do throws(LineFile.Failure) { try file.close() } catch {
          state.failure = state.failure ?? error
        }
      }
      state.file = nil
      box.state = state
      let missing = state.ended - state.written
      var text =
        "recorded \(state.written) call\(state.written == 1 ? "" : "s") to \(path == "-" ? "standard output" : path)"
      if let failure = state.failure { text += "; \(missing) not recorded: \(failure)" }
      let waiting = state.started - state.ended
      if waiting > 0 { text += "; \(waiting) still waiting for their end at exit" }
      return (text, state.failure == nil && waiting == 0)
    }
  }
}

extension Result where Failure == any Error {
  /// What `body` returned or threw.
  package static func awaiting(_ body: () async throws -> Success) async -> Self {
    do { return .success(try await body()) } catch { return .failure(error) }
  }
}
