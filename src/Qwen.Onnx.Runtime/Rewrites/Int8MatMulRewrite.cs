using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Onnx;

namespace Qwen.Onnx.Runtime.Rewrites;

/// <summary>
/// Sets <c>accuracy_level</c> 4 on every <c>com.microsoft</c> MatMulNBits node of a graph, so ONNX Runtime quantises
/// the activations to int8 and multiplies with int8 dot products (AVX-VNNI / AVX512-VNNI on x64, SDOT on arm64)
/// instead of dequantising the 4-bit weights to fp32. Exports made by onnxruntime's 4-bit quantizer leave the level
/// at 0, the fp32 path. The rewritten graph is written once beside the original, named after the original's size and
/// time stamp, so the next load opens it directly and any external weight file is still found by its relative path.
/// A graph with nothing to rewrite gets an empty marker of the same name instead, so later loads do not parse it again
/// (an fp32 graph with inline weights is gigabytes).
/// </summary>
internal static class Int8MatMulRewrite
{
    private const int Int8Compute = 4;

    /// <summary>The graph to open: the rewritten copy, or the original when it has no MatMulNBits to change or the folder is read-only.</summary>
    public static string Apply(string graphPath, ILogger? logger)
    {
        string stem = RewrittenStem(graphPath);
        string target = stem + ".onnx", unchanged = stem + ".unchanged";
        if (File.Exists(target))
        {
            return target;
        }

        if (File.Exists(unchanged))
        {
            return graphPath;
        }

        ModelProto model;
        using (FileStream file = File.OpenRead(graphPath))
        {
            model = ModelProto.Parser.ParseFrom(file);
        }

        int changed = Rewrite(model.Graph);
        try
        {
            RemoveStale(graphPath);
            if (changed == 0)
            {
                File.WriteAllBytes(unchanged, []);
                return graphPath;
            }

            Save(model, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (changed > 0)
            {
                logger?.RewriteNotSaved(Path.GetFileName(graphPath), e.Message);
            }

            return graphPath;
        }

        logger?.Rewrote(Path.GetFileName(graphPath), changed, Path.GetFileName(target));
        return target;
    }

    /// <summary>Sets the level on the graph's MatMulNBits nodes and those of its subgraphs (the branches of a merged decoder's If).</summary>
    private static int Rewrite(GraphProto graph)
    {
        int changed = 0;
        foreach (NodeProto node in graph.Node)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                changed += attribute.G is { } subgraph ? Rewrite(subgraph) : 0;
                foreach (GraphProto branch in attribute.Graphs)
                {
                    changed += Rewrite(branch);
                }
            }

            if (node.OpType == "MatMulNBits" && node.Domain == "com.microsoft" && SetLevel(node))
            {
                changed++;
            }
        }

        return changed;
    }

    private static bool SetLevel(NodeProto node)
    {
        AttributeProto? level = node.Attribute.FirstOrDefault(a => a.Name == "accuracy_level");
        if (level is { I: Int8Compute })
        {
            return false;
        }

        if (level is null)
        {
            level = new AttributeProto { Name = "accuracy_level", Type = AttributeProto.Types.AttributeType.Int };
            node.Attribute.Add(level);
        }

        level.I = Int8Compute;
        return true;
    }

    /// <summary>Deletes copies and markers made for earlier versions of the graph.</summary>
    private static void RemoveStale(string graphPath)
    {
        string name = Path.GetFileNameWithoutExtension(graphPath) + ".int8-*";
        foreach (string stale in Directory.EnumerateFiles(Path.GetDirectoryName(Path.GetFullPath(graphPath))!, name).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) || f.EndsWith(".unchanged", StringComparison.Ordinal)))
        {
            File.Delete(stale);
        }
    }

    /// <summary>Writes through a temporary file and moves it in whole, so a concurrent load never opens half a graph.</summary>
    private static void Save(ModelProto model, string target)
    {
        string staging = target + ".tmp-" + Guid.NewGuid().ToString("N");
        using (FileStream file = File.Create(staging))
        {
            model.WriteTo(file);
        }

        File.Move(staging, target, overwrite: true);
    }

    /// <summary><c>name.int8-&lt;stamp&gt;</c> beside the original (then <c>.onnx</c> or <c>.unchanged</c>); the stamp changes when the original does.</summary>
    private static string RewrittenStem(string graphPath)
    {
        var info = new FileInfo(graphPath);
        byte[] stamp = SHA256.HashData(Encoding.UTF8.GetBytes($"{info.Length}|{info.LastWriteTimeUtc.Ticks}"));
        return Path.Combine(info.DirectoryName!, $"{Path.GetFileNameWithoutExtension(graphPath)}.int8-{Convert.ToHexStringLower(stamp)[..12]}");
    }
}
