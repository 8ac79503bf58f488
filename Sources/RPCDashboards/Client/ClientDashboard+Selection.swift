import AMQPRPC
import NIOCore
import TerminalUI

/// F4 "select": the focus moves from the input line into the call lists. ↑/↓ move the
/// selection, PgUp/PgDn page, Home/End go to the first/last row, Tab to the next list (In
/// flight → Completed → Discarded), Enter opens or closes the detail panel (↑/↓ PgUp/PgDn
/// then scroll it), Esc closes the panel, a second Esc (or F4) leaves.
extension ClientDashboard {
  /// The correlation ids a list shows, in its order (the rows' order on screen).
  func selectableIDs(_ list: CallSelection.List) -> [String] {
    switch list {
    case .inFlight: shownInFlight.map(\.correlationID)
    case .completed: completed.map(\.id)
    case .discarded: shownDiscarded.map(\.id)
    }
  }

  /// Whether keys go to the selection rather than the input line.
  package var isSelecting: Bool { selection.active }

  /// The selected call's correlation id, while the lists highlight it.
  package var highlightedCorrelationID: String? {
    selection.highlights ? selection.id : nil
  }

  /// Handles a key of the selection: `nil` when the key is not one of its keys (the
  /// dashboard handles it as usual).
  mutating func handleSelectionKey(_ key: Key, now: NIODeadline) -> [Command]? {
    guard selection.active else {
      guard key == .function(4) else { return nil }
      enterSelection()
      return []
    }
    switch key {
    case .function(4):
      selection = CallSelection()
    case .escape:
      if selection.panelOpen {
        selection.panelOpen = false
      } else {
        selection = CallSelection()
      }
    case .enter:
      guard selection.id != nil else { return [] }
      selection.panelOpen.toggle()
      selection.panelScroll = 0
    case .up: move(by: -1)
    case .down: move(by: 1)
    case .pageUp: move(by: -Self.selectionPage)
    case .pageDown: move(by: Self.selectionPage)
    case .home: move(to: 0)
    case .end: move(to: Int.max)
    case .tab: nextList()
    case .character("q"), .control("c"): return [.quit]
    // Help, and the demos' keys, as usual; no text goes to the input line meanwhile.
    case .character("?"): return input.text.isEmpty ? nil : []
    case .function, .resize: return nil
    default: break
    }
    return []
  }

  /// F4's line in the help.
  static let selectHelp =
    "select a call: ↑↓ Tab move, Enter details, Esc back"

  /// The footer while selecting: the selection's keys in place of the input line's.
  static let selectionKeymap = Keymap<Action>([
    .init([.up, .down], .select, footer: "move", help: "move the selection"),
    .init([.tab], .select, footer: "list", help: "next list"),
    .init([.enter], .select, footer: "details", help: "open the detail panel"),
    .init([.escape, .function(4)], .select, footer: "back", help: "back to the input line"),
    .init([.function(1)], .help, footer: "help", help: "help"),
    .init([.character("q")], .quit, footer: "quit", help: "quit"),
  ])

  /// The footer while the detail panel is open.
  static let panelKeymap = Keymap<Action>([
    .init([.up, .down], .select, footer: "scroll", help: "scroll the panel"),
    .init([.pageUp, .pageDown], .select, footer: "page", help: "page the panel"),
    .init([.enter, .escape], .select, footer: "close", help: "close the panel"),
    .init([.function(1)], .help, footer: "help", help: "help"),
    .init([.character("q")], .quit, footer: "quit", help: "quit"),
  ])

  /// The footer's items now: the selection's or the panel's while they take the keys.
  var footerItems: [Footer.Item] {
    guard selection.active else { return keymap.footer }
    return selection.panelOpen ? Self.panelKeymap.footer : Self.selectionKeymap.footer
  }

  /// Rows PgUp/PgDn move the selection (or scroll the panel) by.
  static let selectionPage = 10

  private mutating func enterSelection() {
    selection.active = true
    let lists = CallSelection.List.allCases
    let list = lists.first { !selectableIDs($0).isEmpty } ?? .inFlight
    select(list, index: 0)
  }

  private mutating func select(_ list: CallSelection.List, index: Int) {
    let ids = selectableIDs(list)
    selection.list = list
    selection.index = max(0, min(index, ids.count - 1))
    selection.id = ids.isEmpty ? nil : ids[selection.index]
    selection.gone = false
  }

  private mutating func move(by rows: Int) {
    if selection.panelOpen {
      selection.panelScroll = max(0, min(selection.panelScroll + rows, lastPanelScroll))
      return
    }
    move(to: selection.index.addingReportingOverflow(rows).partialValue)
  }

  private mutating func move(to index: Int) {
    if selection.panelOpen {
      selection.panelScroll = index == 0 ? 0 : lastPanelScroll
      return
    }
    select(selection.list, index: index)
  }

  /// Tab: the next list that has rows (the same list when no other has).
  private mutating func nextList() {
    guard !selection.panelOpen else { return }
    let lists = CallSelection.List.allCases
    for step in 1...lists.count {
      let list = lists[(selection.list.rawValue + step) % lists.count]
      if !selectableIDs(list).isEmpty {
        select(list, index: 0)
        return
      }
    }
  }

  /// After a new snapshot: finds the selected call again by its id (a call that ended moves
  /// from In flight to Completed), or says once that it has left the kept lists.
  mutating func followSelection(now: NIODeadline) {
    guard selection.active || selection.panelOpen else { return }
    guard let id = selection.id else {
      select(selection.list, index: 0)
      if selection.id == nil,
        let list = CallSelection.List.allCases.first(where: {
          !selectableIDs($0).isEmpty
        })
      {
        select(list, index: 0)
      }
      return
    }
    let order = [selection.list] + CallSelection.List.allCases.filter { $0 != selection.list }
    for list in order {
      let ids = selectableIDs(list)
      // Of several rows with the id (a duplicate reply), the one nearest the last position.
      let matches = ids.indices.filter { ids[$0] == id }
      if let nearest = matches.min(by: {
        abs($0 - selection.index) < abs($1 - selection.index)
      }) {
        selection.list = list
        selection.index = nearest
        selection.gone = false
        return
      }
    }
    if !selection.gone {
      selection.gone = true
      say(
        "\(DetailText.safe(id, limit: 40)) has left the kept lists (the newest \(Format.count(Self.historyLimit)) are kept)",
        style: .warning, now: now)
    }
  }

  /// The rows of a list's table styled for the selection (the selected row, the same id in
  /// the other lists), with its offset moved so that the selected row shows in `height`
  /// rows.
  func highlighted(_ table: Table, list: CallSelection.List, height: Int) -> Table {
    guard selection.highlights, let id = selection.id,
      let column = table.columns.firstIndex(where: { $0.heading == "correlation id" })
    else { return table }
    var table = table
    var selectedRow: Int?
    for index in table.rows.indices
    where table.rows[index].cells.indices.contains(column)
      && table.rows[index].cells[column] == id
    {
      if list == selection.list, selectedRow == nil || index == selection.index {
        selectedRow = index
      }
      table.rows[index].style = .accent
    }
    if let selectedRow {
      table.rows[selectedRow].style = .selected
      let visible = Table.visibleRows(height: height)
      if selectedRow < table.offset {
        table.offset = selectedRow
      } else if visible > 0, selectedRow >= table.offset + visible {
        table.offset = selectedRow - visible + 1
      }
    }
    return table
  }

  /// What the selected call is, from the latest snapshot.
  func selectedCallDetail(workers: [RPCWorkerStats]?) -> CallDetailPanel? {
    guard let id = selection.id else { return nil }
    var panel = CallDetailPanel(id: id, asciiOnly: asciiOnly)
    panel.list = selection.gone ? nil : selection.list
    panel.inFlight = stats?.oldestInFlight.first { $0.correlationID == id }
    // The snapshot's call as it came, else the kept history's (bounded, see
    // CallHistory.kept), which reaches further back.
    panel.ended =
      stats?.recentlyEnded.last { $0.correlationID == id }
      ?? completed.first { $0.id == id }?.ended
    if selection.list == .discarded {
      let replies = stats?.recentlyDiscarded.filter { $0.correlationID == id } ?? []
      // The list is newest first; the snapshot's oldest first.
      let position = shownDiscarded.prefix(selection.index + 1).filter { $0.id == id }.count
      panel.discarded =
        replies.count >= position && position > 0
        ? replies[replies.count - position] : replies.last
    }
    panel.workers = workers
    return panel
  }

  /// The scroll offset that shows the panel's last line at the bottom (the last line alone
  /// before the panel was drawn).
  private var lastPanelScroll: Int {
    let lines = selectedCallDetail(workers: nil)?.lines().count ?? 0
    return max(0, lines - max(1, selection.panelRows))
  }

  /// Draws the detail panel of the selected call over `area` (the lists), with the workers'
  /// holdings when the screen knows them (rpc-demo), else `nil`.
  func renderDetailPanel(
    into buffer: inout ScreenBuffer, in area: Rect, now: NIODeadline,
    workers: [RPCWorkerStats]?
  ) {
    guard let panel = selectedCallDetail(workers: workers) else { return }
    // (The rows it has are known to the keys from ``CallSelection/panelRows``.)
    panel.render(into: &buffer, in: area, scroll: selection.panelScroll, now: now)
  }
}
