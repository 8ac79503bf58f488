import TerminalUI

/// The servers behind the worker names of a list (`vm-17118/w2`), for a list too narrow to
/// show them whole: each worker gets a short label and a legend names the servers, so that
/// a reply can still be mapped to the server window whose header shows that name.
/// - One server: labels `w2`, legend `w on vm-17118`.
/// - Several: labels `a:w2`, `b:w1`, legend `a vm-17118 · b vm-2231`, in the order the
///   servers first appear in the list.
struct WorkerLegend: Sendable, Equatable {
  /// The servers named by the list, in order of first appearance.
  let servers: [String]

  init(_ workers: [String?]) {
    var servers: [String] = []
    for worker in workers.compactMap({ $0 }) {
      let server = Self.split(worker).server
      if let server, !servers.contains(server) { servers.append(server) }
    }
    self.servers = servers
  }

  /// `w2`, or `b:w2` when the list has workers of several servers; `-` for no worker.
  func label(_ worker: String?) -> String {
    guard let worker else { return "-" }
    let (server, short) = Self.split(worker)
    guard servers.count > 1, let server, let index = servers.firstIndex(of: server) else {
      return short
    }
    return "\(Self.tag(index)):\(short)"
  }

  /// The legend in at most `width` cells, each name shortened in its middle (keeping the
  /// pid at its end) when needed; `nil` when there is no server to name or no room for a
  /// name of at least ``shortestName`` cells.
  func text(width: Int) -> String? {
    guard !servers.isEmpty else { return nil }
    let prefixes =
      servers.count == 1 ? ["w on "] : servers.indices.map { "\(Self.tag($0)) " }
    let separators = Self.separator.cellWidth * (servers.count - 1)
    let room = width - separators - prefixes.map(\.cellWidth).reduce(0, +)
    let longest = servers.map(\.cellWidth).max() ?? 0
    // The same room for each name; a name that fits stays whole.
    var each = room / servers.count
    if each >= longest { each = longest }
    guard each >= min(longest, Self.shortestName) else { return nil }
    return zip(prefixes, servers).map { $0 + Self.abbreviated($1, toCells: each) }
      .joined(separator: Self.separator)
  }

  /// Whether `text` (from ``text(width:)``) names every server whole.
  func isWhole(_ text: String) -> Bool { servers.allSatisfy { text.contains($0) } }

  static let separator = " · "
  /// The shortest a server name is shortened to (`vm-…3349`, its pid kept): less would not
  /// tell servers apart; three servers at 80 columns need this little.
  static let shortestName = 8

  /// `build-agen…-48213`: the start and the end of `name`, `…` between, in `cells` cells.
  static func abbreviated(_ name: String, toCells cells: Int) -> String {
    guard name.cellWidth > cells else { return name }
    let tailCells = (cells - 1) / 2
    let head = name.prefix(cells: cells - 1 - tailCells)
    var tail = ""
    for character in name.reversed() {
      guard (String(character) + tail).cellWidth <= tailCells else { break }
      tail = String(character) + tail
    }
    return head + "…" + tail
  }

  /// `a`, `b`, … for the first 26 servers, then `?`.
  static func tag(_ index: Int) -> String {
    guard (0..<26).contains(index) else { return "?" }
    return String(Character(Unicode.Scalar(UInt8(97 + index))))
  }

  /// (`vm-17118`, `w2`) from `vm-17118/w2`; a name without a server is its own label.
  static func split(_ worker: String) -> (server: String?, short: String) {
    guard let slash = worker.lastIndex(of: "/") else { return (nil, worker) }
    return (String(worker[..<slash]), String(worker[worker.index(after: slash)...]))
  }
}
