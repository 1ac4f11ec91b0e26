namespace Qwen.Onnx.Hub;

/// <summary>What to download and where; every unset value comes from the huggingface_hub environment variables.</summary>
public sealed record HubPullOptions
{
    /// <summary>The graph variant of onnx-community repositories. Default <see cref="OnnxGraphVariant.Auto"/>: the one loading would pick among those the repository has.</summary>
    public OnnxGraphVariant Variant { get; init; } = OnnxGraphVariant.Auto;

    /// <summary>The folder of a repository that holds several exports (e.g. one <c>genai_config.json</c> per device); <see langword="null"/> when there is one.</summary>
    public string? Subfolder { get; init; }

    /// <summary>Extra files to download, as globs over the repository's paths (<c>*.md</c>, <c>onnx/*_q4*</c>).</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>The cache folder; default <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The access token for gated or private repositories; default <c>HF_TOKEN</c>, else the token file huggingface-cli login wrote; an empty string sends none.</summary>
    public string? Token { get; init; }

    /// <summary>The Hub or mirror; default <c>HF_ENDPOINT</c>, else https://huggingface.co.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Forbids network calls; default <see langword="true"/> when <c>HF_HUB_OFFLINE</c> is 1/true/yes/on.</summary>
    public bool? Offline { get; init; }

    /// <summary>Files downloaded at the same time. Default 4.</summary>
    public int MaxParallelDownloads { get; init; } = 4;

    /// <summary>Retries of a file after a transient failure (dropped connection, 5xx, 429); each resumes where the last stopped. Default 5.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>The first retry's delay, doubled each time with jitter; a 429's <c>Retry-After</c> wins. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a download may receive nothing before it counts as dropped (and is retried). Default 60 s.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
