import Testing

@testable import RPCScreens

/// The tour's step sizes from a measured service time: whatever the speed, each step keeps
/// the workers busy for about the step length.
@Suite struct TourPlanTests {
  /// Seconds a batch keeps `workers` busy.
  private func busySeconds(_ batch: TourPlan.Batch, _ model: ServiceModel, workers: Int) -> Double {
    Double(batch.count) * model.seconds(for: batch.n) / Double(workers)
  }

  @Test(arguments: [
    0.0014,  // fib(25) in a release build
    0.014,  // ten times slower: a debug build
    0.14,  // a hundred times slower
  ])
  func everyStepKeepsTheWorkersBusyForOneToTwoSeconds(fib25: Double) {
    let model = ServiceModel(n: 25, seconds: fib25, growth: ServiceModel.goldenRatio)
    let plan = TourPlan(model: model, workers: 3, nRange: 10...45, stepLength: .seconds(1.5))
    #expect((1.0...2.0).contains(model.seconds(for: plan.single)), "\(plan)")
    #expect((0.5...1.5).contains(model.seconds(for: plan.late)), "\(plan)")
    for (batch, workers) in [(plan.burst, 3), (plan.paused, 2), (plan.resumed, 3)] {
      #expect((1.0...2.0).contains(busySeconds(batch, model, workers: workers)), "\(plan)")
      #expect(batch.count >= 2 * workers, "\(plan)")
      // Each call long enough to see a worker busy with it.
      #expect(model.seconds(for: batch.n) >= 0.1, "\(plan)")
    }
  }

  @Test func workersSharingTheCoresGetBatchesSizedForTheirSlowerCalls() {
    let alone = ServiceModel(n: 25, seconds: 0.0014, growth: ServiceModel.goldenRatio)
    let plan = TourPlan(
      model: alone, slowdown: 3, workers: 3, nRange: 10...45, stepLength: .seconds(1.5))
    let together = alone.slowed(by: 3)
    #expect((1.0...2.0).contains(busySeconds(plan.burst, together, workers: 3)), "\(plan)")
    #expect(plan.burst.count >= 6, "\(plan)")
    // The single request runs alone: sized without the slowdown.
    #expect((1.0...2.0).contains(alone.seconds(for: plan.single)), "\(plan)")
  }

  @Test func aLowBoundOnNIsMadeUpForWithMoreRequests() {
    let model = ServiceModel(n: 25, seconds: 0.0014, growth: ServiceModel.goldenRatio)
    let plan = TourPlan(model: model, workers: 3, nRange: 10...30, stepLength: .seconds(1.5))
    #expect(plan.single == 30)
    #expect(plan.burst.n == 30)
    #expect((1.0...2.0).contains(busySeconds(plan.burst, model, workers: 3)), "\(plan)")
  }

  @Test func flatServiceTimeIsSizedByCountUpToTheCap() {
    let model = ServiceModel(n: 92, seconds: 0.0005, growth: 1)
    let plan = TourPlan(
      model: model, workers: 3, nRange: 10...92, stepLength: .seconds(1.5), maximumCount: 2_000)
    #expect(plan.burst == TourPlan.Batch(n: 92, count: 2_000))
    let slower = TourPlan(
      model: ServiceModel(n: 92, seconds: 0.01, growth: 1), workers: 3, nRange: 10...92,
      stepLength: .seconds(1.5))
    #expect(slower.burst.count == 450)
  }
}
