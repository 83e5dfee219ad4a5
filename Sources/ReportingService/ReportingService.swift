/// The reporting service (DESIGN section 5).
public enum ReportingServicePlaceholder {}
