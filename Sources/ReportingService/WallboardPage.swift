/// The wall-board page (placeholder until the page lands).
public enum WallboardPage {
    public static let html = "<!doctype html><title>Contact centre</title>"
}
