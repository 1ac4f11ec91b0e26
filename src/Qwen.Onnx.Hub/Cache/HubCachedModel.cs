namespace Qwen.Onnx.Hub;

/// <summary>A model repository in the local cache (downloaded by Qwen.Onnx or by Python's huggingface_hub).</summary>
/// <param name="RepoId">The repository, <c>org/name</c>.</param>
/// <param name="Path">Its cache folder (<c>models--org--name</c>).</param>
/// <param name="SizeBytes">The bytes of its complete blobs.</param>
/// <param name="Refs">Each cached revision (branch or tag) and its commit.</param>
/// <param name="Variants">What its snapshots hold: onnx-community graph variants (<c>fp32</c>, <c>q4</c>, ...) and <c>genai</c> exports (with their folder).</param>
public sealed record HubCachedModel(string RepoId, string Path, long SizeBytes, IReadOnlyDictionary<string, string> Refs, IReadOnlyList<string> Variants);
