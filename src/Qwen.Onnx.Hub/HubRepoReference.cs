using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Qwen.Onnx.Hub;

/// <summary>A model repository on the Hub and a revision: <c>org/name</c> or <c>org/name@revision</c>.</summary>
public sealed partial record HubRepoReference
{
    private HubRepoReference(string repoId, string revision)
    {
        RepoId = repoId;
        Revision = revision;
    }

    /// <summary>The repository, <c>org/name</c>.</summary>
    public string RepoId { get; }

    /// <summary>The branch, tag or commit; <c>main</c> when none was given.</summary>
    public string Revision { get; }

    /// <summary>Whether <see cref="Revision"/> is a full commit hash (40 hex digits).</summary>
    public bool IsCommit => CommitHash().IsMatch(Revision);

    /// <summary>Reads <c>org/name[@revision]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="reference">The repository and revision.</param>
    /// <returns>Whether the text is a repository id (a local path such as <c>./x</c> or <c>/x/y</c> is not).</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out HubRepoReference? reference)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        string id = at < 0 ? text : text[..at];
        string revision = at < 0 ? "main" : text[(at + 1)..];
        if (!RepoIdPattern().IsMatch(id) || id.Contains("--", StringComparison.Ordinal) || id.Contains("..", StringComparison.Ordinal)
            || revision.Length == 0 || revision.Any(char.IsWhiteSpace))
        {
            return false;
        }

        reference = new HubRepoReference(id, revision);
        return true;
    }

    /// <summary>Reads <c>org/name[@revision]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="ArgumentException">The text is not a repository id.</exception>
    public static HubRepoReference Parse(string text) =>
        TryParse(text, out HubRepoReference? reference)
            ? reference
            : throw new ArgumentException($"'{text}' is not a Hub repository id: write org/name or org/name@revision (letters, digits, '-', '_', '.').", nameof(text));

    /// <inheritdoc />
    public override string ToString() => Revision == "main" ? RepoId : $"{RepoId}@{Revision}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9_.-]{1,96}$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
