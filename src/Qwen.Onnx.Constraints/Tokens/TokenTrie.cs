using System.Runtime.CompilerServices;
using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// Byte strings of tokens (every ordinary token of a vocabulary, or the parts of some tokens) as a trie flattened in
/// depth-first order: node i holds one byte at a depth, the index just past its subtree, and the tokens that end there.
/// Walking it against an automaton is a linear scan that skips a whole subtree as soon as its prefix is rejected, so
/// the tokens sharing a rejected prefix cost one step together. Special tokens (end of turn, vision pads, ...) are left
/// out: they are not text.
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

    /// <summary>The ordinary tokens of a vocabulary with their byte strings: the entries of its trie.</summary>
    public static List<(byte[] Bytes, int Id)> EntriesOf(QwenTokenizer tokenizer)
    {
        var entries = new List<(byte[] Bytes, int Id)>();
        for (int id = 0; id < tokenizer.VocabularySize; id++)
        {
            if (!tokenizer.IsSpecial(id) && tokenizer.GetTokenBytes(id).Length > 0)
            {
                entries.Add((tokenizer.GetTokenBytes(id).ToArray(), id));
            }
        }

        return entries;
    }

    /// <summary>The trie of some byte strings (non-empty), each standing for a token of a vocabulary of <paramref name="vocabularySize"/>.</summary>
    public static TokenTrie Of(List<(byte[] Bytes, int Id)> entries, int vocabularySize)
    {
        List<(byte[] Bytes, int Id)> sorted = [.. entries];
        sorted.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        return Build(sorted, vocabularySize);
    }

    /// <summary>
    /// Sets the bit of every token whose whole byte string <paramref name="dfa"/> reads from <paramref name="state"/>
    /// without dying: a linear scan that skips a rejected prefix's subtree. Fully optimised from its first call, since
    /// a fresh process's first masks are walked before tiering would promote it.
    /// </summary>
    public void Walk(LazyDfa dfa, int state, ulong[] bits) => Walk(dfa, state, bits, 0, Bytes.Length);

    /// <summary>As <see cref="Walk(LazyDfa, int, ulong[])"/>, over the top-level subtrees from node <paramref name="start"/> to before <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Walk(LazyDfa dfa, int state, ulong[] bits, int start, int end)
    {
        Span<int> states = MaxDepth < 1024 ? stackalloc int[MaxDepth + 1] : new int[MaxDepth + 1];
        states[0] = state;
        byte[] nodeBytes = Bytes;
        int[] depths = Depths, ends = SubtreeEnds, starts = TokenStarts, tokens = Tokens;
        for (int i = start; i < end;)
        {
            int depth = depths[i];
            int next = dfa.Next(states[depth - 1], nodeBytes[i]);
            if (next == LazyDfa.Dead)
            {
                i = ends[i];
                continue;
            }

            states[depth] = next;
            for (int t = starts[i]; t < starts[i + 1]; t++)
            {
                bits[tokens[t] >> 6] |= 1UL << (tokens[t] & 63);
            }

            i++;
        }
    }

    private static TokenTrie Build(List<(byte[] Bytes, int Id)> sorted, int vocabularySize)
    {
        var bytes = new List<byte>();
        var depths = new List<int>();
        var ends = new List<int>();
        var starts = new List<int>();
        var tokens = new List<int>();
        var path = new List<int>();
        byte[] previous = [];
        foreach ((byte[] current, int id) in sorted)
        {
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
