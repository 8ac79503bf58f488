import Testing

@testable import AMQPRPC

@Suite struct ChildTasksTests {
  @Test func closeCancelsTheRunningChildrenAndWaitsForThem() async {
    let children = ChildTasks()
    let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
    let (ended, endedContinuation) = AsyncStream.makeStream(of: Bool.self)
    children.spawn {
      startedContinuation.yield()
      // Sleeps for an hour unless cancelled.
      let cancelled = (try? await Task.sleep(for: .seconds(3_600))) == nil
      endedContinuation.yield(cancelled)
      endedContinuation.finish()
    }
    for await _ in started { break }
    await children.close()
    // close() returned only after the child ended, cancelled.
    var iterator = ended.makeAsyncIterator()
    #expect(await iterator.next() == true)
  }

  @Test func nothingRunsOnceClosed() async {
    let children = ChildTasks()
    await children.close()
    let ran = children.spawn { Issue.record("a job ran after close") }
    #expect(!ran)
  }
}
