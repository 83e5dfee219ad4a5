/// What an agent's phone is doing, set by the system from call progress (DESIGN section 2).
public enum Activity: String, MessageEnum {
    case idle
    case ringing
    case onCall = "on-call"
    case wrapUp = "wrap-up"
}
