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
/// </summary>
internal static class Int8MatMulRewrite
{
    private const int Int8Compute = 4;

    /// <summary>The graph to open: the rewritten copy, or the original when it has no MatMulNBits to change or the folder is read-only.</summary>
    public static string Apply(string graphPath, ILogger? logger)
    {
        string target = RewrittenPath(graphPath);
        if (File.Exists(target))
        {
            return target;
        }

        ModelProto model;
        using (FileStream file = File.OpenRead(graphPath))
        {
            model = ModelProto.Parser.ParseFrom(file);
        }

        int changed = Rewrite(model.Graph);
        if (changed == 0)
        {
            return graphPath;
        }

        try
        {
            Save(model, graphPath, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger?.RewriteNotSaved(Path.GetFileName(graphPath), e.Message);
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

    /// <summary>Writes through a temporary file and moves it in whole, so a concurrent load never opens half a graph.</summary>
    private static void Save(ModelProto model, string graphPath, string target)
    {
        foreach (string stale in Directory.EnumerateFiles(Path.GetDirectoryName(target)!, Path.GetFileNameWithoutExtension(graphPath) + ".int8-*.onnx"))
        {
            File.Delete(stale);
        }

        string staging = target + ".tmp-" + Guid.NewGuid().ToString("N");
        using (FileStream file = File.Create(staging))
        {
            model.WriteTo(file);
        }

        File.Move(staging, target, overwrite: true);
    }

    /// <summary><c>name.int8-&lt;stamp&gt;.onnx</c> beside the original; the stamp changes when the original does.</summary>
    internal static string RewrittenPath(string graphPath)
    {
        var info = new FileInfo(graphPath);
        byte[] stamp = SHA256.HashData(Encoding.UTF8.GetBytes($"{info.Length}|{info.LastWriteTimeUtc.Ticks}"));
        return Path.Combine(info.DirectoryName!, $"{Path.GetFileNameWithoutExtension(graphPath)}.int8-{Convert.ToHexStringLower(stamp)[..12]}.onnx");
    }
}
