/// An AMQP field table: string keys to ``AMQPFieldValue``s, kept in insertion order so that
/// encoding is deterministic.
public struct AMQPFieldTable: Sendable, Hashable {
  /// The entries in the order they were added or decoded.
  public private(set) var entries: [(key: String, value: AMQPFieldValue)]

  /// Creates an empty table.
  public init() { entries = [] }

  /// Creates a table from key/value pairs; a later duplicate key replaces an earlier one.
  public init(_ pairs: [(String, AMQPFieldValue)]) {
    entries = []
    for (key, value) in pairs { self[key] = value }
  }

  /// Whether the table has no entries.
  public var isEmpty: Bool { entries.isEmpty }

  /// The number of entries.
  public var count: Int { entries.count }

  /// The value for `key`; setting `nil` removes it.
  public subscript(key: String) -> AMQPFieldValue? {
    get { entries.first { $0.key == key }?.value }
    set {
      if let index = entries.firstIndex(where: { $0.key == key }) {
        if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
      } else if let newValue {
        entries.append((key, newValue))
      }
    }
  }

  public static func == (lhs: AMQPFieldTable, rhs: AMQPFieldTable) -> Bool {
    lhs.entries.count == rhs.entries.count
      && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }

  public func hash(into hasher: inout Hasher) {
    for entry in entries {
      hasher.combine(entry.key)
      hasher.combine(entry.value)
    }
  }
}

extension AMQPFieldTable: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
    self.init(elements)
  }
}
