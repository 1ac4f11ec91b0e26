using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Constraints.Tokens;

namespace Qwen.Onnx.Constraints;

/// <summary>
/// One request's progress through a compiled <see cref="ResponseFormat"/>: masks the logits to the tokens that keep the
/// output inside the grammar, forces the only token when there is one (the end-of-turn token once the value is
/// complete and nothing may follow), and advances by the chosen token. Allocation-free once its grammar's masks are warm.
/// </summary>
public sealed class TokenConstraint : ITokenConstraint
{
    private readonly TokenGrammar _grammar;
    private readonly float[] _scratch = new float[TokenMask.ListLimit];
    private int _state;

    internal TokenConstraint(TokenGrammar grammar)
    {
        _grammar = grammar;
        _state = grammar.Start;
    }

    /// <inheritdoc />
    public bool IsComplete => _grammar.IsAccepting(_state);

    /// <inheritdoc />
    public int Mask(Span<float> logits)
    {
        TokenMask mask = _grammar.MaskOf(_state);
        if (mask.Single >= 0)
        {
            return mask.Single;
        }

        mask.Apply(logits, _scratch);
        return -1;
    }

    /// <inheritdoc />
    public void Accept(int token)
    {
        int next = _state == TokenGrammar.Finished ? LazyDfa.Dead : _grammar.Advance(_state, token);
        if (next == LazyDfa.Dead)
        {
            throw new InvalidOperationException($"Token {token} is not allowed here by the response format; choose tokens among those Mask left.");
        }

        _state = next;
    }
}
