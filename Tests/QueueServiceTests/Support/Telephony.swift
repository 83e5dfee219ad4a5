import Foundation
import MQTT
import Messages
import TestLiterals
import TestSupport

/// A telephony platform for the tests: it answers every route after `answerAfter`, ends
/// the call after `talkFor`, and records what it saw — in particular any route for an agent
/// who is still on another call (a double booking).
actor Telephony {
    private let bus: Bus
    private let answerAfter: Duration
    private let talkFor: Duration
    /// Agent → the call it is ringing for or talking on, until the platform ends it.
    private var busy: [AgentID: CallID] = [:]
    /// Routes for an agent busy with another call.
    private(set) var doubleBookings: [String] = []
    /// Calls answered, in order.
    private(set) var answered: [CallID] = []
    private var task: Task<Void, Never>?

    init(bus: Bus, answerAfter: Duration = .milliseconds(20), talkFor: Duration = .milliseconds(30)) {
        self.bus = bus
        self.answerAfter = answerAfter
        self.talkFor = talkFor
    }

    /// Starts obeying `call/+/route`.
    func start() async throws {
        let routes = Inbox(try await bus.client.subscribe(to: [Topic.Filter.callRoute]))
        task = Task {
            while !Task.isCancelled {
                guard let message = try? await routes.next(timeout: .seconds(3600)),
                    let route = try? bus.codec.decode(CallRoute.self, from: message.payload)
                else { continue }
                await self.obey(route)
            }
        }
    }

    func stop() { task?.cancel() }

    private func obey(_ route: CallRoute) {
        if let other = busy[route.agentId], other != route.callId {
            doubleBookings.append("\(route.agentId) routed \(route.callId) while on \(other)")
        }
        if answered.contains(route.callId) { return }  // a repeated route of a call already answered
        busy[route.agentId] = route.callId
        answered.append(route.callId)
        let (bus, answerAfter, talkFor) = (bus, answerAfter, talkFor)
        Task {
            try await Task.sleep(for: answerAfter)
            try await bus.report(route.callId.value, .answered, agent: route.agentId.value, queue: route.queueId.value, offer: route.offerId)
            try await Task.sleep(for: talkFor)
            await self.hangUp(route.agentId)
            try await bus.report(route.callId.value, .ended, agent: route.agentId.value, queue: route.queueId.value)
        }
    }

    private func hangUp(_ agentId: AgentID) { busy[agentId] = nil }
}
