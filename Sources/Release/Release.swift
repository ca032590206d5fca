/// The release number both binaries print (`bleagent --version`, `bleagent-server --version`), the
/// daemon reports in `status` and the registration client sends as its User-Agent. One constant:
/// raise it here for a release, nowhere else.
public enum Release {
    public static let version = "0.9.0"
}
