namespace Qwen.Onnx.Hub;

/// <summary>The options with every unset value taken from the environment, as huggingface_hub reads it.</summary>
internal sealed record HubSettings(Uri Endpoint, string? Token, string CacheDirectory, bool Offline, HubPullOptions Options)
{
    private static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    public static HubSettings From(HubPullOptions? options)
    {
        options ??= new HubPullOptions();
        Uri endpoint = options.Endpoint ?? (Env("HF_ENDPOINT") is string e ? new Uri(e.TrimEnd('/')) : DefaultEndpoint);
        string? token = options.Token ?? Env("HF_TOKEN") ?? StoredToken();
        return new HubSettings(endpoint, string.IsNullOrWhiteSpace(token) ? null : token.Trim(), ResolveCacheDirectory(options.CacheDirectory), options.Offline ?? IsTrue(Env("HF_HUB_OFFLINE")), options);
    }

    /// <summary>The cache folder: the given one, else HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache, then huggingface/hub.</summary>
    public static string ResolveCacheDirectory(string? given) =>
        Path.GetFullPath(given ?? Env("HF_HUB_CACHE") ?? Path.Combine(HfHome(), "hub"));

    private static string HfHome() =>
        Env("HF_HOME") ?? Path.Combine(Env("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");

    /// <summary>The token <c>huggingface-cli login</c> saved (HF_TOKEN_PATH, else HF_HOME/token).</summary>
    private static string? StoredToken()
    {
        string path = Env("HF_TOKEN_PATH") ?? Path.Combine(HfHome(), "token");
        return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
    }

    private static bool IsTrue(string? value) =>
        value is not null && new[] { "1", "true", "yes", "on" }.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
