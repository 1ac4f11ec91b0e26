namespace Qwen.Onnx.Hub;

/// <summary>A Hub download or cache lookup failed; the message says what was wrong and what to do.</summary>
public class HubException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository concerned.</param>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public HubException(string repoId, string message, Exception? inner = null)
        : base($"Hub repository '{repoId}': {message}", inner)
    {
        RepoId = repoId;
    }

    /// <summary>The repository concerned (<c>org/name</c>).</summary>
    public string RepoId { get; }
}

/// <summary>The Hub refused access (401/403): the repository is gated or private, or the token lacks access.</summary>
public sealed class HubAuthorizationException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="statusCode">401 or 403.</param>
    /// <param name="tokenSent">Whether a token was sent.</param>
    public HubAuthorizationException(string repoId, int statusCode, bool tokenSent)
        : base(repoId, tokenSent
            ? $"access refused ({statusCode}) with the token given. Accept the model's terms on its Hub page and use a token with read access to it (HF_TOKEN or --token)."
            : $"access refused ({statusCode}): the repository is gated or private. Accept its terms on the Hub, then set HF_TOKEN (or pass --token) to a read token.")
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the Hub answered.</summary>
    public int StatusCode { get; }
}

/// <summary>The repository does not exist on the Hub (or is private and no token with access was sent).</summary>
public sealed class HubRepositoryNotFoundException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="endpoint">The Hub asked.</param>
    public HubRepositoryNotFoundException(string repoId, Uri endpoint)
        : base(repoId, $"the repository was not found on {endpoint}. Check the spelling (org/name); for a private repository set HF_TOKEN (or pass --token).")
    {
    }
}

/// <summary>The repository exists but the revision (branch, tag or commit) does not.</summary>
public sealed class HubRevisionNotFoundException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="revision">The revision asked for.</param>
    public HubRevisionNotFoundException(string repoId, string revision)
        : base(repoId, $"the repository has no revision '{revision}'. Use an existing branch, tag or commit, or leave out '@{revision}' for main.")
    {
        Revision = revision;
    }

    /// <summary>The revision asked for.</summary>
    public string Revision { get; }
}

/// <summary>The repository does not hold what the SDK needs: no Qwen ONNX export, a missing variant, an ambiguous subfolder.</summary>
public sealed class HubModelSelectionException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="message">What is missing and which choices exist.</param>
    /// <param name="choices">The variants or subfolders the repository has.</param>
    public HubModelSelectionException(string repoId, string message, IReadOnlyList<string> choices)
        : base(repoId, message)
    {
        Choices = choices;
    }

    /// <summary>The variants or subfolders the repository has, to choose from.</summary>
    public IReadOnlyList<string> Choices { get; }
}

/// <summary>A downloaded file failed its size or sha256 check; the partial file was deleted.</summary>
public sealed class HubFileCorruptException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="filePath">The file's path in the repository.</param>
    /// <param name="expected">The size or hash the Hub announced.</param>
    /// <param name="actual">What was received.</param>
    public HubFileCorruptException(string repoId, string filePath, string expected, string actual)
        : base(repoId, $"'{filePath}' arrived corrupt (expected {expected}, got {actual}); the partial download was deleted. Pull again; if it repeats, the mirror or proxy serves bad data.")
    {
        FilePath = filePath;
    }

    /// <summary>The file's path in the repository.</summary>
    public string FilePath { get; }
}

/// <summary>The cache's disk has too little free space for the files still to download.</summary>
public sealed class HubDiskFullException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="cacheDirectory">The cache folder.</param>
    /// <param name="neededBytes">Bytes still to download.</param>
    /// <param name="freeBytes">Bytes free on its disk.</param>
    public HubDiskFullException(string repoId, string cacheDirectory, long neededBytes, long freeBytes)
        : base(repoId, $"{neededBytes:N0} bytes are still to download but the disk of {cacheDirectory} has {freeBytes:N0} free. Free space, or choose another cache with --cache-dir or HF_HUB_CACHE.")
    {
        NeededBytes = neededBytes;
        FreeBytes = freeBytes;
    }

    /// <summary>Bytes still to download.</summary>
    public long NeededBytes { get; }

    /// <summary>Bytes free on the cache's disk.</summary>
    public long FreeBytes { get; }
}

/// <summary>Offline mode (<c>HF_HUB_OFFLINE=1</c>) is on and the cache does not hold the model.</summary>
public sealed class HubOfflineException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repoId">The repository.</param>
    /// <param name="cacheDirectory">The cache folder looked in.</param>
    /// <param name="reason">Why the cached copy does not do.</param>
    public HubOfflineException(string repoId, string cacheDirectory, string reason)
        : base(repoId, $"offline mode is on (HF_HUB_OFFLINE) and the cache {cacheDirectory} cannot serve it: {reason} Pull it once while online, or unset HF_HUB_OFFLINE.")
    {
    }
}
