using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// The byte strings of every ordinary token of a vocabulary as a trie flattened in depth-first order: node i holds one
/// byte at a depth, the index just past its subtree, and the tokens that end there. Walking it against an automaton is
/// a linear scan that skips a whole subtree as soon as its prefix is rejected, so the tokens sharing a rejected prefix
/// cost one step together. Special tokens (end of turn, vision pads, ...) are left out: they are not text.
/// </summary>
internal sealed class TokenTrie
{
    private TokenTrie(byte[] bytes, int[] depths, int[] subtreeEnds, int[] tokenStarts, int[] tokens, int maxDepth, int vocabularySize)
    {
        Bytes = bytes;
        Depths = depths;
        SubtreeEnds = subtreeEnds;
        TokenStarts = tokenStarts;
        Tokens = tokens;
        MaxDepth = maxDepth;
        VocabularySize = vocabularySize;
    }

    public byte[] Bytes { get; }

    public int[] Depths { get; }

    public int[] SubtreeEnds { get; }

    /// <summary>Tokens ending at node i are <c>Tokens[TokenStarts[i]..TokenStarts[i + 1]]</c>.</summary>
    public int[] TokenStarts { get; }

    public int[] Tokens { get; }

    public int MaxDepth { get; }

    /// <summary>One more than the largest token id of the tokenizer.</summary>
    public int VocabularySize { get; }

    public static TokenTrie FromTokenizer(QwenTokenizer tokenizer)
    {
        var ids = new List<int>();
        for (int id = 0; id < tokenizer.VocabularySize; id++)
        {
            if (!tokenizer.IsSpecial(id) && tokenizer.GetTokenBytes(id).Length > 0)
            {
                ids.Add(id);
            }
        }

        byte[][] strings = new byte[tokenizer.VocabularySize][];
        foreach (int id in ids)
        {
            strings[id] = tokenizer.GetTokenBytes(id).ToArray();
        }

        ids.Sort((a, b) => strings[a].AsSpan().SequenceCompareTo(strings[b]));
        return Build(ids, strings, tokenizer.VocabularySize);
    }

    private static TokenTrie Build(List<int> sortedIds, byte[][] strings, int vocabularySize)
    {
        var bytes = new List<byte>();
        var depths = new List<int>();
        var ends = new List<int>();
        var starts = new List<int>();
        var tokens = new List<int>();
        var path = new List<int>();
        byte[] previous = [];
        foreach (int id in sortedIds)
        {
            byte[] current = strings[id];
            int common = 0;
            while (common < previous.Length && common < current.Length && previous[common] == current[common])
            {
                common++;
            }

            // Nodes deeper than the shared prefix are finished: their subtrees end here.
            while (path.Count > common)
            {
                ends[path[^1]] = bytes.Count;
                path.RemoveAt(path.Count - 1);
            }

            for (int p = common; p < current.Length; p++)
            {
                path.Add(bytes.Count);
                bytes.Add(current[p]);
                depths.Add(p + 1);
                ends.Add(0);
                starts.Add(tokens.Count);
            }

            tokens.Add(id);
            previous = current;
        }

        foreach (int node in path)
        {
            ends[node] = bytes.Count;
        }

        starts.Add(tokens.Count);
        return new TokenTrie([.. bytes], [.. depths], [.. ends], [.. starts], [.. tokens], depths.DefaultIfEmpty(0).Max(), vocabularySize);
    }
}
