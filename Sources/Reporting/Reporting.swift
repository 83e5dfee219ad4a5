/// The reporting of DESIGN section 5 as values: what the reporting service knows of agents
/// and queues, the live figures it publishes, and the interval accounting it stores.
public enum Reporting {}
