using System.Diagnostics;
using System.Runtime.CompilerServices;
using Qwen.Onnx.Constraints;

namespace Qwen.Onnx.Multimodal.Sampling;

/// <summary>
/// The one path from a step's logits to the next token: first the constraint (a <see cref="ResponseFormat"/>'s
/// <see cref="TokenConstraint"/> or your own <see cref="ITokenConstraint"/>) masks the tokens that would break it, and a
/// token it forces is emitted without sampling; then the repetition penalty, temperature, top-k and top-p choose among
/// the tokens left (greedy arg max unless sampling is on), with the semantics of ONNX Runtime GenAI's sampler; finally
/// the constraint advances by the chosen token. One per request.
/// </summary>
public sealed class SamplingPipeline
{
    private readonly TokenSampler _sampler;

    /// <summary>Creates the pipeline of one request.</summary>
    /// <param name="options">The sampling options.</param>
    /// <param name="prompt">The prompt tokens (counted by the repetition penalty).</param>
    /// <param name="constraint">Masks the logits before sampling; <see langword="null"/> for free text.</param>
    public SamplingPipeline(GenerationOptions options, IEnumerable<int> prompt, ITokenConstraint? constraint = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(prompt);
        _sampler = new TokenSampler(options, prompt);
        Constraint = constraint;
    }

    /// <summary>The constraint, if any.</summary>
    public ITokenConstraint? Constraint { get; }

    /// <summary>Time spent choosing tokens so far (penalties, temperature, top-k, top-p, draw).</summary>
    public TimeSpan SampleTime => _sampler.Time;

    /// <summary>Time the constraint added so far (masking and advancing).</summary>
    public TimeSpan ConstraintTime { get; private set; }

    /// <summary>Chooses the next token. May modify <paramref name="logits"/>.</summary>
    /// <param name="logits">The step's logits, one per vocabulary entry.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Next(Span<float> logits)
    {
        if (Constraint is not { } constraint)
        {
            return _sampler.Next(logits);
        }

        long started = Stopwatch.GetTimestamp();
        int forced = constraint.Mask(logits);
        ConstraintTime += Stopwatch.GetElapsedTime(started);
        int token = forced >= 0 ? _sampler.Observe(forced) : _sampler.Next(logits);
        started = Stopwatch.GetTimestamp();
        constraint.Accept(token);
        ConstraintTime += Stopwatch.GetElapsedTime(started);
        return token;
    }
}
