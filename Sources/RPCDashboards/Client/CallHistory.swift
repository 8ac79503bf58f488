import AMQPProtocol
import AMQPRPC
import DequeModule
import NIOCore

/// An ended call the history keeps: as listed, with when the screen saw it end.
package struct HistoryCall: Sendable, Hashable {
  package var call: CompletedCall
  /// When the snapshot that first listed it was taken, in microseconds since the Unix epoch.
  package var endedAtMicroseconds: Int64
  /// The reply body's size as it came, in bytes (the history keeps at most
  /// ``CallHistory/bodyLimit`` of it); 0 for a failure.
  package var bodyBytes: Int
  /// What a filter's plain words are searched in (``CallFilter/searchText(_:)``), made once.
  package var searchText: String

  package init(call: CompletedCall, endedAtMicroseconds: Int64, bodyBytes: Int) {
    self.call = call
    self.endedAtMicroseconds = endedAtMicroseconds
    self.bodyBytes = bodyBytes
    self.searchText = CallFilter.searchText(call)
  }

  /// The call as a ``CallRecord``.
  package var record: CallRecord {
    var record = CallRecord(
      correlationID: call.id, n: call.n, request: call.label, result: call.result,
      endedAtMicroseconds: endedAtMicroseconds)
    if case .success(let reply) = call.result, bodyBytes > reply.body.readableBytes {
      let head = String(decoding: reply.body.readableBytesView, as: UTF8.self)
      record.result = CallRecord.cut(head, totalBytes: bodyBytes)
    }
    return record
  }
}

/// Every ended call the client screen has seen, beyond the 1,000 a stats snapshot lists:
/// fed each snapshot (``absorb(_:atMicroseconds:)``), it appends the calls ended since the
/// previous one, found by the snapshot's ``RPCClientStats/ended`` counter, and keeps the
/// newest ``capacity``.
///
/// Calls are numbered in the order kept (``firstSequence``..<``endSequence``), so that a
/// view (a filter's matches, a frozen screen) can hold numbers rather than copies. What it
/// could not keep is counted: ``notListed`` for calls that ended between two snapshots
/// beyond the 1,000 the newer one lists (a burst faster than the screen's frames), and
/// ``evicted`` for calls dropped for ``capacity``.
///
/// Memory: a kept fib call (a 30-character correlation id, a small reply, its worker and
/// timing, the filter's search text) costs about 0.8 KB: the process grew 78 MB for the
/// default 100,000 calls (`CallHistoryTests.memoryOfAFullHistory` run alone, Linux, debug
/// build; 65 MB without the search text). A reply body is kept up to ``bodyLimit`` bytes
/// (copied, so that it never pins a larger buffer); its properties as they came, each
/// bounded by the connection's frame size.
package struct CallHistory: Sendable {
  /// The most calls kept by default.
  package static let defaultCapacity = 100_000
  /// The most bytes of a reply body kept: more than a ``CallRecord`` field shows.
  package static let bodyLimit = CallRecord.fieldLimit * 4

  /// The most calls kept; the oldest go first.
  package let capacity: Int
  /// The kept calls, oldest first; `calls[i]` is number `firstSequence + i`.
  package private(set) var calls: Deque<HistoryCall> = []
  /// The number of the oldest kept call (the calls numbered before it were evicted).
  package private(set) var firstSequence = 0
  /// Calls that ended while more than the snapshot's list ended since the previous one:
  /// counted by the client, never listed, not kept.
  package private(set) var notListed = 0
  /// Calls dropped, oldest first, to stay within ``capacity``.
  package var evicted: Int { firstSequence }
  /// The previous snapshot's ``RPCClientStats/ended``.
  private var lastEnded: Int?

  package init(capacity: Int = CallHistory.defaultCapacity) {
    self.capacity = max(1, capacity)
  }

  /// One past the newest kept call's number.
  package var endSequence: Int { firstSequence + calls.count }
  package var count: Int { calls.count }

  /// The call numbered `sequence`, when still kept.
  package subscript(sequence sequence: Int) -> HistoryCall? {
    let index = sequence - firstSequence
    return calls.indices.contains(index) ? calls[index] : nil
  }

  /// Appends the calls `stats` lists that ended since the previous snapshot absorbed
  /// (all it lists for the first), stamped `atMicroseconds`; returns their numbers.
  @discardableResult
  /// A snapshot whose ``RPCClientStats/ended`` is below the previous one's comes from
  /// another client: the history starts over from it.
  package mutating func absorb(_ stats: RPCClientStats, atMicroseconds: Int64) -> Range<Int> {
    let ended = stats.ended
    if let lastEnded, ended < lastEnded { self = CallHistory(capacity: capacity) }
    let new = max(0, ended - (lastEnded ?? 0))
    lastEnded = max(ended, lastEnded ?? 0)
    let listed = min(new, stats.recentlyEnded.count)
    notListed += new - listed
    let start = endSequence
    for ended in stats.recentlyEnded.suffix(listed) {
      calls.append(Self.kept(CompletedCall(ended), at: atMicroseconds))
    }
    let excess = calls.count - capacity
    if excess > 0 {
      calls.removeFirst(excess)
      firstSequence += excess
    }
    return max(start, firstSequence)..<endSequence
  }

  /// `call` as kept: a long body cut to ``bodyLimit`` bytes, and copied out of a buffer
  /// larger than itself (a slice of a read buffer would pin the whole of it); the request
  /// and reply as published and received (for the detail panel) likewise, and dropped when
  /// their properties take more than ``propertiesLimit`` bytes (a peer's headers may fill a
  /// frame: 100,000 of those would not fit in memory).
  static func kept(_ call: CompletedCall, at microseconds: Int64) -> HistoryCall {
    var kept = call
    kept.request = call.request.flatMap { request in
      guard request.properties.encodedSize <= propertiesLimit else { return nil }
      var request = request
      request.body = bounded(request.body)
      return request
    }
    kept.reply = call.reply.flatMap { message in
      guard message.properties.encodedSize <= propertiesLimit else { return nil }
      var message = message
      message.body = bounded(message.body)
      return message
    }
    guard case .success(var reply) = call.result else {
      return HistoryCall(call: kept, endedAtMicroseconds: microseconds, bodyBytes: 0)
    }
    let size = reply.body.readableBytes
    reply.body = bounded(reply.body)
    if reply.properties.encodedSize > propertiesLimit { reply.properties.headers = nil }
    kept.result = .success(reply)
    return HistoryCall(call: kept, endedAtMicroseconds: microseconds, bodyBytes: size)
  }

  /// The most bytes of a kept request's or reply's properties (encoded): more and the call
  /// is kept without them.
  package static let propertiesLimit = 4_096

  /// `body` cut to ``bodyLimit`` bytes, copied when its storage is larger than itself.
  private static func bounded(_ body: ByteBuffer) -> ByteBuffer {
    let size = body.readableBytes
    guard size > bodyLimit || body.storageCapacity > size + 64 else { return body }
    return ByteBuffer(bytes: body.readableBytesView.prefix(bodyLimit))
  }

  /// What the history could not keep, for titles and messages (`1,234 not kept`); `nil`
  /// when it kept everything.
  package var lossText: String? {
    let lost = notListed + evicted
    guard lost > 0 else { return nil }
    return "\(Format.count(lost)) not kept"
  }

  /// ``lossText`` in full words, for the export's message.
  package var lossDetail: String? {
    var parts: [String] = []
    if notListed > 0 {
      parts.append("\(Format.count(notListed)) ended too fast to be listed")
    }
    if evicted > 0 {
      parts.append(
        "\(Format.count(evicted)) oldest dropped (history keeps \(Format.count(capacity)))")
    }
    return parts.isEmpty ? nil : parts.joined(separator: ", ")
  }
}
