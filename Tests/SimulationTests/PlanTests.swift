import Messages
import Simulation
import TestLiterals
import Testing

/// The simulation's plan as values: the same seed plays the same centre.
@Suite("Simulation plan")
struct PlanTests {
    @Test("the same seed gives the same agents, queues, calls, offers and shifts; another seed another plan")
    func repeatable() {
        var settings = SimulationSettings()
        settings.seed = 42
        let one = SimulationPlan(settings: settings)
        let two = SimulationPlan(settings: settings)
        #expect(one.agents == two.agents)
        #expect(one.queues == two.queues)
        #expect((1...50).map(one.call) == (1...50).map(two.call))
        #expect((1...50).map(one.arrivalGapMs) == (1...50).map(two.arrivalGapMs))
        #expect((1...20).map { one.offer(ofCall: $0, attempt: 1) } == (1...20).map { two.offer(ofCall: $0, attempt: 1) })
        #expect((0..<5).map { one.shift(ofAgent: $0) } == (0..<5).map { two.shift(ofAgent: $0) })
        settings.seed = 43
        let other = SimulationPlan(settings: settings)
        #expect((1...50).map(one.call) != (1...50).map(other.call))
    }

    @Test("every agent serves at least one queue; queues are named, with the settings' timers")
    func centre() {
        var settings = SimulationSettings()
        settings.agents = 30
        settings.queues = 6
        settings.ringTimeoutMs = 12_000
        let plan = SimulationPlan(settings: settings)
        #expect(plan.agents.count == 30)
        #expect(plan.agents.first == "agent-01")
        #expect(plan.queues.map(\.queueId.value) == ["sales", "support", "billing", "retention", "queue-5", "queue-6"])
        let served = Set(plan.queues.flatMap { $0.members.map(\.agentId) })
        #expect(served == Set(plan.agents))
        #expect(plan.queues.allSatisfy { $0.ringTimeoutMs == 12_000 })
        #expect(plan.queues.first?.overflowTarget == .queue("support"))
        #expect(plan.queues.dropFirst().allSatisfy { $0.overflowTarget == .external("voicemail") })
    }

    @Test("arrivals are a Poisson process at the rate asked; offers follow the decline and no-answer rates")
    func rates() {
        var settings = SimulationSettings()
        settings.callsPerMinute = 60
        settings.declineRate = 0.1
        settings.noAnswerRate = 0.2
        let plan = SimulationPlan(settings: settings)
        let gaps = (1...20_000).map(plan.arrivalGapMs)
        let mean = Double(gaps.reduce(0, +)) / Double(gaps.count)
        #expect(abs(mean - 1000) < 30, "mean gap \(mean) ms at 60 calls/min")
        let outcomes = (1...20_000).map { plan.offer(ofCall: $0, attempt: 1) }
        let declined = Double(outcomes.filter { if case .decline = $0 { true } else { false } }.count) / 20_000
        let unanswered = Double(outcomes.filter { $0 == .noAnswer }.count) / 20_000
        #expect(abs(declined - 0.1) < 0.01)
        #expect(abs(unanswered - 0.2) < 0.01)
        for outcome in outcomes {
            if case .answer(let delay) = outcome { #expect(delay < settings.ringTimeoutMs) }
        }
    }

    @Test("a shift's withdrawals use the catalogue's agent reasons and fill the shift")
    func shifts() {
        let plan = SimulationPlan(settings: SimulationSettings())
        let shift = plan.shift(ofAgent: 3, lengthMs: 3_600_000)
        #expect(shift.loginAfterMs < plan.settings.loginSpreadMs)
        #expect(!shift.breaks.isEmpty)
        #expect(Set(shift.breaks.map(\.reason.value)).isSubset(of: ["break", "lunch", "training", "meeting"]))
        let covered = shift.loginAfterMs + shift.breaks.map { $0.readyForMs + $0.forMs }.reduce(0, +)
        #expect(covered >= 3_600_000)
    }
}
