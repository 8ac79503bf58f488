/// The server's workload.
public enum RPCWorkMode: String, Sendable, Hashable, CaseIterable {
  /// The classic doubly recursive fib, so service time grows with n (the tutorial's).
  case recursive
  /// An iterative fib, exact up to n = 92 (the largest that fits in Int64).
  case iterative

  /// The largest n this mode can answer exactly.
  public var exactLimit: Int { 92 }
}

/// fib(n) computed as the work mode says. `n` must be in 0...92.
public func fibonacci(_ n: Int, mode: RPCWorkMode) -> Int64 {
  precondition((0...92).contains(n), "fibonacci(\(n)) is outside 0...92")
  switch mode {
  case .recursive: return recursiveFibonacci(n)
  case .iterative: return iterativeFibonacci(n)
  }
}

private func recursiveFibonacci(_ n: Int) -> Int64 {
  n < 2 ? Int64(n) : recursiveFibonacci(n - 1) + recursiveFibonacci(n - 2)
}

private func iterativeFibonacci(_ n: Int) -> Int64 {
  var (a, b): (Int64, Int64) = (0, 1)
  for _ in 0..<n { (a, b) = (b, a &+ b) }
  return a
}
