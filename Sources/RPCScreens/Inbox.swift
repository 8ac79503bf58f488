import NIOConcurrencyHelpers

/// A locked list that producers append to and the screen drains once per frame.
struct Inbox<Element: Sendable>: Sendable {
  private let items = NIOLockedValueBox<[Element]>([])

  func append(_ element: Element) { items.withLockedValue { $0.append(element) } }

  func drain() -> [Element] {
    items.withLockedValue { items in
      defer { items = [] }
      return items
    }
  }
}
