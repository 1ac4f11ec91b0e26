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
        if (_state == TokenGrammar.Finished)
        {
            throw new InvalidOperationException("The constrained answer has ended (its end-of-turn token was accepted); nothing may follow.");
        }

        TokenMask mask = _grammar.MaskOf(_state);
        if (mask.Single >= 0)
        {
            return mask.Single;
        }

        mask.Apply(logits, stackalloc float[TokenMask.ListLimit]);
        return -1;
    }

    /// <inheritdoc />
    public void Accept(int token)
    {
        if (!TryAccept(token))
        {
            throw new InvalidOperationException($"Token {token} is not allowed here by the response format; choose tokens among those Mask left.");
        }
    }

    /// <summary>Advances past <paramref name="token"/> if the grammar allows it (for following tokens another engine chose).</summary>
    /// <param name="token">The token.</param>
    /// <returns>Whether the token was allowed; if not, the state is unchanged.</returns>
    public bool TryAccept(int token)
    {
        int next = _grammar.Advance(_state, token);
        if (next == LazyDfa.Dead)
        {
            return false;
        }

        _state = next;
        return true;
    }
}
