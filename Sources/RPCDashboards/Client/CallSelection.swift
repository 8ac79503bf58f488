/// Which call the lists select (F4), and whether its detail panel is open: kept by
/// correlation id, so that it follows the call when the lists move (from In flight to
/// Completed) and says so when the call has left the kept lists.
package struct CallSelection: Sendable, Hashable {
  /// The lists a call can be selected in, in Tab order.
  package enum List: Int, CaseIterable, Sendable, Hashable {
    case inFlight, completed, discarded

    var name: String {
      switch self {
      case .inFlight: "In flight"
      case .completed: "Completed"
      case .discarded: "Discarded"
      }
    }
  }

  /// Whether the keys move the selection (F4) instead of editing the input line.
  package var active = false
  /// The list the selection is in.
  package var list: List = .inFlight
  /// The selected call's correlation id; `nil` until a list has a row.
  package var id: String?
  /// Its row in ``list`` when last seen (where a neighbour is taken when it has gone).
  var index = 0
  /// Whether the detail panel is open.
  package var panelOpen = false
  /// The panel's first line shown.
  package var panelScroll = 0
  /// Lines the panel showed at its last draw (0 before): scrolling stops where the last
  /// line shows.
  package var panelRows = 0
  /// The selected call is in none of the kept lists any more.
  package var gone = false

  /// Whether rows with the selected id are highlighted.
  var highlights: Bool { (active || panelOpen) && id != nil }
}
