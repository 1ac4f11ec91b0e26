using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Constraints.Languages;
using Qwen.Onnx.Constraints.Patterns;
using Qwen.Onnx.Constraints.Schemas;
using Qwen.Onnx.Constraints.Tokens;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints;

/// <summary>
/// Compiles <see cref="ResponseFormat"/>s for one tokenizer's vocabulary and hands out a <see cref="TokenConstraint"/>
/// per request. A compiled format (its automaton and its cache of token masks per state) is kept and shared by every
/// later request with an equal format, so masks computed once are reused. Thread-safe; one per loaded model.
/// </summary>
public sealed class ConstraintCompiler
{
    private readonly QwenTokenizer _tokenizer;
    private readonly Lazy<Vocabulary> _vocabulary;
    private readonly ConcurrentDictionary<ResponseFormat, Lazy<TokenGrammar>> _compiled = new();

    /// <summary>Creates a compiler for a vocabulary.</summary>
    /// <param name="tokenizer">The model's tokenizer: its token byte strings and end-of-turn tokens.</param>
    public ConstraintCompiler(QwenTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.EndOfTurnTokenIds.Count == 0)
        {
            throw new ArgumentException("The tokenizer has no end-of-turn token, so a constrained answer could never end.", nameof(tokenizer));
        }

        _tokenizer = tokenizer;
        _vocabulary = new Lazy<Vocabulary>(() => Settled(Warmed(new Vocabulary(tokenizer))));
    }

    /// <summary>
    /// Time the last <see cref="Create"/> that compiled a new format spent compiling it: schema to automaton, and, once
    /// the vocabulary is indexed (<see cref="Prepare"/>), the token masks of the states every answer starts with.
    /// </summary>
    public TimeSpan LastCompileTime { get; private set; }

    /// <summary>
    /// Indexes the vocabulary now (its token trie and its tokens by character class, a few hundred milliseconds for
    /// Qwen's 151k tokens, once per compiler) instead of on the first constrained request.
    /// </summary>
    public void Prepare() => _ = _vocabulary.Value;

    /// <summary>
    /// Runs <see cref="Prepare"/> on the thread pool and logs how long it took, so that a model indexes its vocabulary
    /// right after loading while it already serves (a constrained request arriving meanwhile waits for the index).
    /// </summary>
    /// <param name="logger">Receives the time, or the error if indexing failed (the first constrained request then throws it).</param>
    public void PrepareInBackground(ILogger? logger) => _ = Task.Run(() =>
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            Prepare();
            logger?.VocabularyIndexed(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
#pragma warning disable CA1031 // A background task must not fault unobserved; the cached error reaches the first request.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger?.VocabularyIndexFailed(e);
        }
    });

    /// <summary>
    /// Checks that a format can be honoured, without binding it to a vocabulary: throws what <see cref="Create"/> would.
    /// </summary>
    /// <param name="format">The format.</param>
    /// <exception cref="NotSupportedException">A JSON Schema keyword or regular-expression feature is outside the supported subset; the message names it (and its JSON pointer).</exception>
    /// <exception cref="ArgumentException">The schema or pattern is malformed, or admits no value.</exception>
    public static void Validate(ResponseFormat format) => _ = ToLanguage(format);

    /// <summary>A fresh constraint for one request, or <see langword="null"/> for <see cref="ResponseFormat.Text"/>.</summary>
    /// <param name="format">The format.</param>
    /// <exception cref="NotSupportedException">A JSON Schema keyword or regular-expression feature is outside the supported subset; the message names it (and its JSON pointer).</exception>
    /// <exception cref="ArgumentException">The schema or pattern is malformed, or admits no value.</exception>
    public TokenConstraint? Create(ResponseFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format.IsText)
        {
            return null;
        }

        Lazy<TokenGrammar> grammar = _compiled.GetOrAdd(format, f => new Lazy<TokenGrammar>(() => Compile(f)));
        try
        {
            return new TokenConstraint(grammar.Value);
        }
        catch
        {
            _compiled.TryRemove(format, out _);
            throw;
        }
    }

    internal static Language ToLanguage(ResponseFormat format) => format switch
    {
        JsonObjectResponseFormat => JsonText.AnyObject(),
        JsonSchemaResponseFormat schema => JsonSchemaCompiler.Compile(schema.Schema),
        RegexResponseFormat regex => NonEmpty(RegexParser.Parse(regex.Pattern), regex.Pattern),
        ToolCallResponseFormat tools => ToolCallGrammar.Compile(tools.Tools),
        TextOrToolCallResponseFormat tools => ToolCallGrammar.CompileTextOrCalls(tools.Tools),
        _ => throw new NotSupportedException($"The response format {format.GetType().Name} is not supported."),
    };

    private static Language NonEmpty(Language language, string pattern) =>
        language.IsNothing ? throw new ArgumentException($"The regular expression '{pattern}' matches nothing.", nameof(pattern)) : language;

    private TokenGrammar Compile(ResponseFormat format)
    {
        long started = Stopwatch.GetTimestamp();
        TokenGrammar grammar = Bind(Nfa.Build(ToLanguage(format)), _vocabulary);
        if (_vocabulary.IsValueCreated)
        {
            // Not before the index exists: building it here would turn a compile into a model's one-time indexing.
            grammar.MaskForcedStart();
        }

        LastCompileTime = Stopwatch.GetElapsedTime(started);
        return grammar;
    }

    private TokenGrammar Bind(Nfa nfa, Lazy<Vocabulary> vocabulary) =>
        new(nfa, vocabulary, _tokenizer.VocabularySize, _tokenizer.EndOfTurnTokenIds, id => _tokenizer.GetTokenBytes(id).ToArray());

    /// <summary>
    /// Runs a short constrained answer over the fresh index (an object around a string, up to its forced end of turn),
    /// so that the mask code is compiled by the JIT here, with the index, and not inside the first request's token
    /// steps: the brace by a walk of the trie, the string by the class bitsets, and the masks come as a bitset, a list
    /// and a single token.
    /// </summary>
    private Vocabulary Warmed(Vocabulary vocabulary)
    {
        Language answer = Language.Sequence(Language.Literal("{"), JsonText.String(0, 2), Language.Literal("}"));
        var constraint = new TokenConstraint(Bind(Nfa.Build(answer), new Lazy<Vocabulary>(vocabulary)));
        float[] logits = new float[_tokenizer.VocabularySize];
        foreach (int token in _tokenizer.Encode("{\"ab\"}"))
        {
            _ = constraint.Mask(logits);
            if (!constraint.TryAccept(token))
            {
                // A tokenizer that splits the answer unusually only warms less: the warm-up must never fail the index.
                return vocabulary;
            }
        }

        _ = constraint.Mask(logits);
        return vocabulary;
    }

    /// <summary>
    /// Collects the young generations once the index is built: it leaves tens of megabytes of temporary token byte
    /// strings and young index arrays, and the collection that would promote the index otherwise came inside the first
    /// request's token steps (20–45 ms for one token in the bench), not here with the index. The old generation, which
    /// a server's other state lives in, is left alone.
    /// </summary>
    private static Vocabulary Settled(Vocabulary vocabulary)
    {
        GC.Collect(1);
        return vocabulary;
    }
}
