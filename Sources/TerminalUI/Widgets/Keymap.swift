/// The keys of a screen and what they do. The footer and the help overlay are both made
/// from it, so they cannot disagree.
package struct Keymap<Action: Hashable & Sendable>: Sendable {
  package struct Binding: Sendable {
    package var keys: [Key]
    package var action: Action
    /// A short label for the footer (`quit`), or nil to show it only in help.
    package var footer: String?
    /// The explanation in the help overlay.
    package var help: String

    package init(_ keys: [Key], _ action: Action, footer: String?, help: String) {
      self.keys = keys
      self.action = action
      self.footer = footer
      self.help = help
    }
  }

  package var bindings: [Binding]

  package init(_ bindings: [Binding]) {
    self.bindings = bindings
  }

  /// The action bound to `key`.
  package func action(for key: Key) -> Action? {
    bindings.first { $0.keys.contains(key) }?.action
  }

  /// `key label` pairs for the footer, in binding order.
  package var footerItems: [(keys: String, label: String)] {
    bindings.compactMap { binding in
      binding.footer.map { (binding.keys.map(\.label).joined(separator: "/"), $0) }
    }
  }

  /// The footer's items, in binding order (earlier is more important); `help` and `quit`
  /// are essential and shown by their one-character key (`? help`, `q quit`).
  package var footer: [Footer.Item] {
    bindings.compactMap { binding in
      binding.footer.map { label in
        Footer.Item(keys: binding.keys.map(\.label), label: label)
      }
    }
  }

  /// Lines of the help overlay: keys padded, then the explanation.
  package var helpLines: [(keys: String, help: String)] {
    bindings.map { ($0.keys.map(\.label).joined(separator: " "), $0.help) }
  }
}
